#!/usr/bin/env python3
"""Loads a safetensors file with the reference `safetensors` package and
prints what tests/test_checkpoint.c compares against its own view:

    payload_crc32 <zlib crc32 of the bytes after the header> <crc32 in __metadata__ or ->
    tensor <name> <shape as a,b,c or - for a scalar> <crc32 of the values as little-endian float32>
    meta <key> <crc32 of the value's UTF-8 bytes>

tensors and meta lines sorted by name."""
import struct
import sys
import zlib

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

path = sys.argv[1]
tensors = load_file(path)
with safe_open(path, framework="np") as f:
    meta = f.metadata() or {}
with open(path, "rb") as f:
    raw = f.read()
(header_len,) = struct.unpack("<Q", raw[:8])
print("payload_crc32 %08x %s" % (zlib.crc32(raw[8 + header_len:]), meta.get("crc32", "-")))
for name in sorted(tensors):
    a = tensors[name].astype("<f4")  # tobytes() is row-major; a 0-d array stays 0-d
    shape = ",".join(str(d) for d in a.shape) or "-"
    print("tensor %s %s %08x" % (name, shape, zlib.crc32(a.tobytes())))
for key in sorted(meta):
    print("meta %s %08x" % (key, zlib.crc32(meta[key].encode("utf-8"))))
