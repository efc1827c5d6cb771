#!/usr/bin/env python3
"""Compares ganc's exact Canny (losses/canny.c) with OpenCV's cv2.Canny.

Usage: compare_canny.py DIR. tests/test_canny.c writes DIR/cases.txt, one
line per case: NAME LOW HIGH L2 BLUR SIGMA, and for each case the 8-bit
grey input DIR/NAME.in.pgm, ganc's edges DIR/NAME.edges.pgm and, when
BLUR > 1, ganc's smoothed image DIR/NAME.blur.pgm. For each case this runs
cv2.GaussianBlur (when BLUR > 1) and cv2.Canny with the same parameters
and prints the fraction of pixels on which the results agree:
    NAME canny 0.999512 blur 1.000000
and last a line over all pixels:
    total canny 0.999871 blur 0.999990 pixels 123456
"""
import sys

import cv2
import numpy as np


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P5" or fields[3] != b"255":
        raise ValueError(f"{path}: not an 8-bit binary PGM")
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1:pos + 1 + w * h], np.uint8).reshape(h, w)


def main(folder):
    canny_same = canny_all = blur_same = blur_all = 0
    with open(f"{folder}/cases.txt") as f:
        cases = [line.split() for line in f if line.strip()]
    for name, low, high, l2, blur, sigma in cases:
        img = read_pgm(f"{folder}/{name}.in.pgm")
        ours = read_pgm(f"{folder}/{name}.edges.pgm")
        src, blur_note = img, ""
        if int(blur) > 1:
            src = cv2.GaussianBlur(img, (int(blur), int(blur)), float(sigma))
            same = int((read_pgm(f"{folder}/{name}.blur.pgm") == src).sum())
            blur_same, blur_all = blur_same + same, blur_all + src.size
            blur_note = f" blur {same / src.size:.6f}"
        theirs = cv2.Canny(src, float(low), float(high), apertureSize=3, L2gradient=l2 == "1")
        same = int((ours == theirs).sum())
        canny_same, canny_all = canny_same + same, canny_all + img.size
        print(f"{name} canny {same / img.size:.6f}{blur_note}")
    print(f"total canny {canny_same / canny_all:.6f} blur {blur_same / max(blur_all, 1):.6f} pixels {canny_all}")


if __name__ == "__main__":
    main(sys.argv[1])
