"""Checks an exported ONNX model and runs it with onnxruntime.

usage: run_onnx.py MODEL INPUT.npy [--reference NAME=FILE.npy ...] [--tol T]

onnx.checker (with full shape inference) must accept MODEL; onnxruntime
runs it on INPUT.npy (fed to the graph input "input"); each graph output
NAME given a reference must match FILE.npy in shape and within T (max
absolute difference, default 1e-4). Prints one line per output and exits
non-zero on any failure.
"""
import argparse
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("--reference", action="append", default=[], metavar="NAME=FILE")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()

    model = onnx.load(a.model)
    onnx.checker.check_model(model, full_check=True)
    print(f"checker ok: opset {model.opset_import[0].version}, {len(model.graph.node)} nodes")

    session = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    x = np.load(a.input)
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, {"input": x})))
    print("outputs: " + ", ".join(f"{n} {tuple(v.shape)}" for n, v in outputs.items()))

    ok = True
    for ref in a.reference:
        name, path = ref.split("=", 1)
        want = np.load(path)
        got = outputs.get(name)
        if got is None:
            print(f"FAIL {name}: not an output of the model (it has {names})")
            ok = False
        elif got.shape != want.shape:
            print(f"FAIL {name}: shape {got.shape}, ganc's is {want.shape}")
            ok = False
        else:
            diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
            verdict = "ok" if diff <= a.tol else "FAIL"
            print(f"{verdict} {name}: max|diff| = {diff:.3g} (tolerance {a.tol:g}; "
                  f"max|value| {float(np.max(np.abs(want))):.3g})")
            ok = ok and diff <= a.tol
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
