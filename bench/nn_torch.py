#!/usr/bin/python3
"""The lab's three networks in PyTorch, with untangle's settings, for bench/nn.sh.

Same data (MNIST IDX files, pixels / 255), same models, Glorot-uniform weights
and zero biases, SGD lr 0.5, batch 300, the training set shuffled every epoch,
mean cross-entropy of the softmax. Prints one line per epoch and a last line

    RESULT model=M threads=T epochs=E epoch_seconds=S best=B accuracy=A

where S lists every epoch's seconds, B is the fastest, A the test accuracy.

usage: nn_torch.py DATA_DIR MODEL(1|2|3) THREADS EPOCHS [SEED]
       nn_torch.py --kernels

--kernels prints which kernels this PyTorch runs: the OpenBLAS core its dense
layers use (BLAS_INFO=generic: Debian's libblas, which is OpenBLAS) and, run
with DNNL_VERBOSE=1, oneDNN's own lines for one small convolution (its ISA and
the convolution's implementation).
"""
import ctypes
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise SystemExit("%s: no %s in %s" % (sys.argv[0], stem, data_dir))


def build(which):
    if which == 1:
        layers = [nn.Flatten(), nn.Linear(784, 10)]
    elif which == 2:
        layers = [nn.Flatten(), nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10)]
    else:
        layers = [nn.Conv2d(1, 32, 5, padding=2), nn.Sigmoid(), nn.MaxPool2d(2),
                  nn.Conv2d(32, 64, 5, padding=2), nn.Sigmoid(), nn.MaxPool2d(2),
                  nn.Flatten(), nn.Linear(3136, 100), nn.Sigmoid(), nn.Linear(100, 10)]
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            # Glorot uniform: PyTorch's fans for conv are in*k*k and out*k*k, as Keras
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def kernels():
    try:
        blas = ctypes.CDLL("libopenblas.so.0")
        blas.openblas_get_corename.restype = ctypes.c_char_p
        blas.openblas_get_config.restype = ctypes.c_char_p
        config = blas.openblas_get_config().decode().split()
        core = "OpenBLAS %s, %s kernels" % (config[1], blas.openblas_get_corename().decode())
    except (OSError, AttributeError, IndexError):
        core = "OpenBLAS not found"
    print("PyTorch %s: dense layers on %s%s" % (
        torch.__version__, core,
        " (OPENBLAS_CORETYPE=%s)" % os.environ["OPENBLAS_CORETYPE"]
        if os.environ.get("OPENBLAS_CORETYPE") else ""), flush=True)
    print("PyTorch convolutions on oneDNN: %s" % (
        "enabled" if torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled
        else "not available"), flush=True)
    # one small convolution, so that oneDNN (with DNNL_VERBOSE=1) says what it runs
    nn.Conv2d(1, 4, 5, padding=2)(torch.zeros(2, 1, 28, 28))


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--kernels":
        kernels()
        return
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    data_dir, which, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xtr = torch.from_numpy(read_idx(find(data_dir, "train-images-idx3-ubyte")).astype(np.float32) / 255.0)
    ytr = torch.from_numpy(read_idx(find(data_dir, "train-labels-idx1-ubyte")).astype(np.int64))
    xte = torch.from_numpy(read_idx(find(data_dir, "t10k-images-idx3-ubyte")).astype(np.float32) / 255.0)
    yte = torch.from_numpy(read_idx(find(data_dir, "t10k-labels-idx1-ubyte")).astype(np.int64))
    xtr = xtr.reshape(-1, 1, 28, 28)
    xte = xte.reshape(-1, 1, 28, 28)
    model = build(which)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = nn.CrossEntropyLoss()
    n, batch = xtr.shape[0], 300
    times = []
    for ep in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        total, right = 0.0, 0
        model.train()
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            right += (out.argmax(1) == yb).sum().item()
        times.append(time.perf_counter() - t0)
        print("epoch %d/%d: %.2f s - loss: %.4f - accuracy: %.4f"
              % (ep + 1, epochs, times[-1], total / n, right / n), flush=True)
    model.eval()
    with torch.no_grad():
        right = 0
        for i in range(0, xte.shape[0], 1000):
            right += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
    acc = right / xte.shape[0]
    print("RESULT model=%d threads=%d epochs=%d epoch_seconds=%s best=%.3f accuracy=%.4f"
          % (which, threads, epochs, ",".join("%.3f" % t for t in times), min(times), acc))


if __name__ == "__main__":
    main()
