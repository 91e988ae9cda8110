#!/bin/sh
# make bench: untangle's speed beside the references (PyTorch for the networks,
# scikit-learn for t-SNE), in one run, printed as ratios.
set -u
cd "$(dirname "$0")/.."
status=0
for part in bench/nn.sh bench/tsne.sh bench/live.sh; do
    if [ -f "$part" ]; then
        echo "== $part"
        sh "$part" || status=1
        echo
    fi
done
exit $status
