#!/usr/bin/env python3
"""Adds the header checksum to a checkpoint written by a ganc from before it.

    python3 scripts/checkpoint_add_header_crc.py OLD.safetensors NEW.safetensors

Such a file's "crc32" covers its tensors only, so ganc refuses it for
--resume, translate and eval: an edit of its header (the step, the stored
config) would go unseen. Check its metadata first (`ganc info OLD`), since
this script vouches for the header as it is now. The script verifies the
payload crc32, then writes NEW with "header_crc32" as checkpoint_write
computes it (docs/checkpoints.md): zlib crc32 of the 8 length bytes and the
header text, padding included, with the value's own 8 digits read as
"00000000". It never writes over OLD. Python's standard library only.
"""
import json
import os
import struct
import sys
import zlib


def fail(msg):
    sys.exit("checkpoint_add_header_crc: " + msg)


def main():
    if len(sys.argv) != 3:
        fail("usage: checkpoint_add_header_crc.py OLD.safetensors NEW.safetensors")
    src, dst = sys.argv[1], sys.argv[2]
    if os.path.exists(dst) and os.path.samefile(src, dst) or os.path.abspath(src) == os.path.abspath(dst):
        fail(f"{dst} is the input: give a new file name")
    if os.path.exists(dst):
        fail(f"{dst} exists: give a new file name")
    with open(src, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{src} is truncated: {len(data)} bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        fail(f"{src}: header length {n} is larger than the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    payload = data[8 + n :]
    meta = header.get("__metadata__", {})
    if "header_crc32" in meta:
        fail(f"{src} already has a header_crc32")
    if "crc32" not in meta:
        fail(f'{src} has no "crc32": not a ganc checkpoint')
    if "%08x" % zlib.crc32(payload) != meta["crc32"]:
        fail(f"{src} is corrupt: its payload does not match its crc32 {meta['crc32']}")

    rest = {k: v for k, v in header.items() if k != "__metadata__"}
    new_meta = {"header_crc32": "00000000"}
    new_meta.update(meta)
    text = json.dumps({"__metadata__": new_meta, **rest}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    length = struct.pack("<Q", len(text))
    digits_at = text.index(b'"header_crc32":"00000000"') + len(b'"header_crc32":"')
    text = text[:digits_at] + b"%08x" % zlib.crc32(length + text) + text[digits_at + 8 :]
    with open(dst, "xb") as f:
        f.write(length + text + payload)
    print(f"wrote {dst} (header_crc32 {text[digits_at:digits_at + 8].decode()})")


if __name__ == "__main__":
    main()
