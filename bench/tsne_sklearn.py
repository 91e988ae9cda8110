#!/usr/bin/python3
"""scikit-learn's side of the t-SNE benchmark: the lab's TSNE on the first N MNIST test
images (/255), or of all 70 000 (the training then the test images: set `all`), timed
from the reading of the files, with its final KL and the Neighborhood Hit (k=6) of the
embedding.

usage: /usr/bin/python3 bench/tsne_sklearn.py N [MNIST_DIR [test|all]]
prints: sklearn N=10000 time=64.2 kl=1.7797 nh=0.933
"""
import gzip
import os
import sys
import time

import numpy as np
from sklearn.manifold import TSNE
from sklearn.neighbors import NearestNeighbors

IMAGES = "t10k-images-idx3-ubyte"
LABELS = "t10k-labels-idx1-ubyte"


def find_dir(given):
    """The first folder holding the test IDX files (raw or .gz)."""
    candidates = [given] if given else []
    candidates += ["data/mnist", "/tmp/npmtest/package/data"]
    for d in candidates:
        if d and (os.path.exists(os.path.join(d, IMAGES)) or
                  os.path.exists(os.path.join(d, IMAGES + ".gz"))):
            return d
    sys.exit("MNIST test files not found in %s; run `make data`" % ", ".join(c for c in candidates if c))


def read_idx(d, name):
    path = os.path.join(d, name)
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def neighborhood_hit(y, labels, k=6):
    nn = NearestNeighbors(n_neighbors=k + 1).fit(y)
    _, idx = nn.kneighbors(y)
    # Column 0 is the point itself (distance 0); with exact duplicates it may be another
    # index, so drop the point's own index wherever it is and keep k others.
    hits = 0.0
    for i in range(len(y)):
        others = [j for j in idx[i] if j != i][:k]
        hits += np.mean(labels[others] == labels[i])
    return hits / len(y)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    t0 = time.time()
    d = find_dir(sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None)
    images, labels = read_idx(d, IMAGES), read_idx(d, LABELS)
    if len(sys.argv) > 3 and sys.argv[3] == "all":
        images = np.concatenate([read_idx(d, "train-images-idx3-ubyte"), images])
        labels = np.concatenate([read_idx(d, "train-labels-idx1-ubyte"), labels])
    x = images[:n].reshape(n, -1).astype(np.float32) / np.float32(255)
    labels = labels[:n]
    tsne = TSNE(n_components=2, init="pca", perplexity=30, random_state=0, verbose=0)
    y = tsne.fit_transform(x)
    seconds = time.time() - t0
    nh = neighborhood_hit(y, labels, 6)
    print("sklearn N=%d time=%.1f kl=%.4f nh=%.3f" % (n, seconds, tsne.kl_divergence_, nh))


if __name__ == "__main__":
    main()
