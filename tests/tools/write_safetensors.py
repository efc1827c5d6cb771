#!/usr/bin/env python3
"""Writes a safetensors file with the reference `safetensors` package, for
tests/test_checkpoint.c to read: float32 and float64 tensors, a scalar,
and metadata, but no crc32 (files from elsewhere have none)."""
import sys

import numpy as np
from safetensors.numpy import save_file

tensors = {
    "enc.weight": np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.25 - 1,
    "enc.bias": np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=np.float64),
    "scale": np.array(3.5, dtype=np.float32),
}
save_file(tensors, sys.argv[1], metadata={"format": "pt", "note": "from numpy"})
