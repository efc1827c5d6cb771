"""Loads ganc's safetensors export of a ResNet generator into PyTorch.

usage: torch_resnet.py WEIGHTS.safetensors INPUT.npy OUTPUT.npy --ngf N --n-blocks B [--norm instance|batch] [--tol T]

The model below is the ResnetGenerator of pytorch-CycleGAN-and-pix2pix
(networks.py), written out here from its architecture so that nothing of
ganc is involved: the same module indices, hence the same state_dict names.
load_state_dict(strict=True) must take WEIGHTS as they are (every name,
shape and dtype), and the eval-mode output on INPUT.npy must match ganc's
OUTPUT.npy within T (default 1e-4).
"""
import argparse
import sys

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn


def norm_layer(kind, channels):
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    def __init__(self, dim, norm, bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, in_channels, out_channels, ngf, n_blocks, norm):
        super().__init__()
        bias = norm == "instance"  # a batch norm's shift makes a conv bias redundant
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7, bias=bias), norm_layer(norm, ngf),
                  nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias),
                       norm_layer(norm, ngf * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4, norm, bias) for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                          bias=bias),
                       norm_layer(norm, ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--ngf", type=int, required=True)
    ap.add_argument("--n-blocks", type=int, required=True)
    ap.add_argument("--norm", default="instance", choices=["instance", "batch"])
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()

    x = np.load(a.input)
    want = np.load(a.output)
    model = ResnetGenerator(x.shape[1], want.shape[1], a.ngf, a.n_blocks, a.norm)
    state = load_file(a.weights)
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
    ok = got.shape == want.shape and diff <= a.tol
    print(f"{'ok' if ok else 'FAIL'} torch ResnetGenerator: {len(state)} tensors loaded strictly, "
          f"max|diff| = {diff:.3g} (tolerance {a.tol:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
