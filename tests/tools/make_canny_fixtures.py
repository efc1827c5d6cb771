#!/usr/bin/env python3
"""Writes the cv2.Canny reference edges that tests/test_canny.c compares
ganc's exact Canny with when OpenCV is not installed.

    PATH=/work/venv/bin:$PATH python3 tests/tools/make_canny_fixtures.py bin/ganc tests/data/canny

Run once; the output is committed. For each input image NAME (96x96 grey):
    NAME.png        the 8-bit grey input
    NAME.edges.png  cv2.Canny's edges for every parameter set, side by side
                    (set k in columns 96k .. 96k+95), after cv2.GaussianBlur
                    when the set has a blur
cases.txt records the OpenCV and numpy versions, the parameter sets and the
image names. Inputs: two synthetic faces (ganc synth, grey by
cv2.cvtColor), uniform noise and soft-edged discs.
"""
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

SIZE = 96
# low, high, L2 gradient, blur size (0: none), blur sigma: the sets of
# canny_agrees_with_opencv, edge cases included (thresholds swapped).
PARAMS = [
    (100, 200, 0, 0, 0), (50, 150, 1, 0, 0), (30, 90, 0, 5, 0), (20, 60, 1, 3, 0),
    (40, 120, 0, 7, 1.5), (25, 80, 1, 5, 2.2), (60, 30, 0, 9, 0),
]


def face(ganc, style):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([ganc, "synth", "--style", style, "--n", "1", "--size", str(SIZE), "--seed", "7", "--out", d],
                       check=True, stdout=subprocess.DEVNULL)
        images = os.path.join(d, "images")
        bgr = cv2.imread(os.path.join(images, sorted(os.listdir(images))[0]))
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def discs():
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    v = np.full((SIZE, SIZE), 40.0)
    for d in range(4):
        dist = np.hypot(x - (20 + 17 * d), y - (30 + 11 * d))
        v += (40 + 30 * d) / (1 + np.exp((dist - (8 + 3 * d)) / (0.5 + d)))
    return np.minimum(v, 255).astype(np.uint8)


def main(ganc, out):
    os.makedirs(out, exist_ok=True)
    images = {
        "face_photo": face(ganc, "photo"),
        "face_cartoon": face(ganc, "cartoon"),
        "noise": np.random.RandomState(12345).randint(0, 256, (SIZE, SIZE)).astype(np.uint8),
        "discs": discs(),
    }
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write(f"# cv2.Canny edges made by tests/tools/make_canny_fixtures.py with OpenCV {cv2.__version__}, "
                f"numpy {np.__version__}\n")
        f.write("# params LOW HIGH L2 BLUR SIGMA (apertureSize 3); image NAME: NAME.png in, NAME.edges.png out\n")
        for p in PARAMS:
            f.write("params %g %g %d %d %g\n" % p)
        for name, grey in images.items():
            strips = []
            for low, high, l2, blur, sigma in PARAMS:
                src = cv2.GaussianBlur(grey, (blur, blur), sigma) if blur > 1 else grey
                strips.append(cv2.Canny(src, low, high, apertureSize=3, L2gradient=bool(l2)))
            cv2.imwrite(os.path.join(out, f"{name}.png"), grey, [cv2.IMWRITE_PNG_COMPRESSION, 9])
            cv2.imwrite(os.path.join(out, f"{name}.edges.png"), np.hstack(strips), [cv2.IMWRITE_PNG_COMPRESSION, 9])
            f.write(f"image {name}\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_canny_fixtures.py GANC_BINARY OUT_DIR")
    main(sys.argv[1], sys.argv[2])
