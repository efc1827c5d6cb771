#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into tests/fuzz/corpus/<fuzzer>/.

Small valid files of each kind a parser reads, plus a few near-misses, so
that the fuzzers start from deep inside each format. Needs Pillow (the
image seeds) and onnx (the model seeds); the safetensors, INI and CSV seeds
are written by hand here. The files are checked in; rerun this only to
change them."""

import io
import json
import os
import shutil
import struct
import sys
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def out(fuzzer, name, data):
    d = os.path.join(ROOT, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def images():
    from PIL import Image

    rgb = Image.new("RGB", (5, 3))
    rgb.putdata([(i * 40 % 256, i * 90 % 256, i * 17 % 256) for i in range(15)])
    saves = {
        "rgb.png": (rgb, "PNG", {}),
        "gray.png": (rgb.convert("L"), "PNG", {}),
        "rgba.png": (rgb.convert("RGBA"), "PNG", {}),
        "palette.png": (rgb.convert("P"), "PNG", {}),
        "gray16.png": (rgb.convert("I").point(lambda v: v * 256).convert("I;16"), "PNG", {}),
        "gray_alpha.png": (rgb.convert("LA"), "PNG", {}),
        "baseline.jpg": (rgb, "JPEG", {"quality": 80}),
        "progressive.jpg": (rgb, "JPEG", {"quality": 80, "progressive": True}),
        "gray.jpg": (rgb.convert("L"), "JPEG", {"quality": 80}),
        "subsampled.jpg": (rgb.resize((17, 9)), "JPEG", {"quality": 50, "subsampling": 2}),
        "rgb.bmp": (rgb, "BMP", {}),
        "gray.bmp": (rgb.convert("L"), "BMP", {}),
        "rgb.tga": (rgb, "TGA", {}),
        "rle.tga": (rgb, "TGA", {"compression": "tga_rle"}),
    }
    for name, (img, fmt, kw) in saves.items():
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        out("fuzz_image", name, buf.getvalue())
    # A PNG header claiming 100000 x 100000 pixels (refused before decoding).
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    out("fuzz_image", "huge_claim.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


def safetensors(tensors, meta, crc=True):
    """tensors: [(name, dtype, shape, bytes)] -> a safetensors file as ganc writes it."""
    header, payload = {}, b""
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(payload), len(payload) + len(data)]}
        payload += data
    meta = dict(meta)
    if crc:
        meta["crc32"] = "%08x" % zlib.crc32(payload)
    meta["format"] = "pt"
    header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + payload


def checkpoints():
    f32 = lambda *v: struct.pack("<%df" % len(v), *v)
    config = "[experiment]\nrecipe = cyclegan\n\n[train]\nout = runs/x\nsteps = 10\n"
    out("fuzz_checkpoint", "small.safetensors", safetensors(
        [("G_A.model.0.weight", "F32", [2, 1, 1, 1], f32(0.5, -1.5)), ("G_A.model.0.bias", "F32", [2], f32(0, 1))],
        {"step": "10", "config": config, "rng.data.seed": "1", "rng.data.counter": "7"}))
    out("fuzz_checkpoint", "dtypes.safetensors", safetensors(
        [("s", "F32", [], f32(3)), ("d", "F64", [2], struct.pack("<2d", 1.0, -2.0)),
         ("n", "I64", [1], struct.pack("<q", 42)), ("e", "F32", [0, 3], b"")],
        {"note": "escapes \"quoted\" \\ \u00e9 \t"}))
    out("fuzz_checkpoint", "no_crc.safetensors", safetensors([("w", "F32", [1, 2], f32(1, 2))], {}, crc=False))


def configs():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "experiments")
    for rel in ["cyclegan/cyclegan_small.ini", "pix2pix/pix2pix.ini"]:
        path = os.path.join(here, rel)
        if os.path.exists(path):
            shutil.copy(path, os.path.join(ROOT, "fuzz_config", os.path.basename(rel)))
    out("fuzz_config", "getters.ini", b"; the keys the harness asks for\n[train]\nsteps = 300\nout = runs/a#b\n\n"
        b"[optim]\nlr = 2e-4  # inline comment\n\n[data]\nflip = yes\nkind = aligned\n\n[loss.cycle]\nweight = 10\n")


def labels():
    out("fuzz_labels_csv", "synth.csv",
        b"file,style,index,a_face_width,a_skin_tone\n"
        b"trainA/000000.png,photo,0,0.8072,0.5420\ntrainA/000001.png,photo,1,0.1,-2e-3\n")
    out("fuzz_labels_csv", "quoted.csv",
        b"\xef\xbb\xbf\"file\",\"a_x\",index\r\n\"a,b.png\",1.5,2\r\n\"say \"\"hi\"\".png\", 3 ,4\r\n")


def onnx_models():
    import onnx
    from onnx import TensorProto, helper

    w = helper.make_tensor("model.0.weight", TensorProto.FLOAT, [2, 3, 1, 1], [0.1] * 6)
    b = helper.make_tensor("model.0.bias", TensorProto.FLOAT, [2], [0.0, 1.0])
    nodes = [helper.make_node("Conv", ["input", "model.0.weight", "model.0.bias"], ["c"]),
             helper.make_node("Tanh", ["c"], ["output"])]
    for dynamic in (False, True):
        dims = ["batch", 3, "height", "width"] if dynamic else [1, 3, 4, 4]
        odims = ["batch", 2, "height", "width"] if dynamic else [1, 2, 4, 4]
        graph = helper.make_graph(nodes, "G_A", [helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)],
                                  [helper.make_tensor_value_info("output", TensorProto.FLOAT, odims)], [w, b])
        model = helper.make_model(graph, producer_name="ganc", opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        helper.set_model_props(model, {"network": "G_A", "config": "[train]\nout = x\n"})
        out("fuzz_onnx", "dynamic.onnx" if dynamic else "static.onnx", model.SerializeToString())


if __name__ == "__main__":
    os.makedirs(ROOT, exist_ok=True)
    for d in ["fuzz_image", "fuzz_checkpoint", "fuzz_config", "fuzz_labels_csv", "fuzz_onnx"]:
        shutil.rmtree(os.path.join(ROOT, d), ignore_errors=True)
        os.makedirs(os.path.join(ROOT, d))
    images()
    checkpoints()
    configs()
    labels()
    onnx_models()
    sys.exit(0)
