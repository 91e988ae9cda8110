#!/bin/sh
# t-SNE beside scikit-learn 1.2: the lab's settings (2 components, init pca,
# perplexity 30, 1000 iterations) on the first N MNIST test images, N = 1000 and
# 10000. Prints each side's time, final KL and Neighborhood Hit (k 6), then the
# ratios. untangle's side is bench/tsne_driver.c linked against the library.
#
#   sh bench/tsne.sh [N ...]        (default: 1000 10000)
# Environment: BUILD (build folder, default build), THREADS (default: all cores),
# MNIST (folder of the IDX files, default data/mnist).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-$(nproc 2>/dev/null || echo 2)}
MNIST=${MNIST:-data/mnist}
[ -f "$MNIST/t10k-images-idx3-ubyte" ] || MNIST=/tmp/npmtest/package/data
if [ ! -f "$MNIST/t10k-images-idx3-ubyte" ]; then
    echo "MNIST test images not found in data/mnist; run: make data"
    exit 1
fi
sizes=${*:-1000 10000}

make --no-print-directory BUILD="$BUILD" "$BUILD/libuntangle.a" >/dev/null || exit 1
driver="$BUILD/bench/tsne_driver"
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -o "$driver" bench/tsne_driver.c "$BUILD/libuntangle.a" \
    $(pkg-config --libs openblas lapack) -lpthread -lm || exit 1

have_sklearn=1
if ! /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
    have_sklearn=0
    echo "scikit-learn not installed: skipping the reference"
fi

# field NAME LINE: the value after NAME= in a result line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

status=0
for n in $sizes; do
    u=$("$driver" "$n" "$THREADS" 0 "$MNIST") || { echo "untangle failed for N=$n"; status=1; continue; }
    echo "$u (threads=$THREADS)"
    [ "$have_sklearn" = 1 ] || continue
    s=$(OMP_NUM_THREADS=$THREADS /usr/bin/python3 bench/tsne_sklearn.py "$n" "$MNIST") ||
        { echo "scikit-learn failed for N=$n"; status=1; continue; }
    echo "$s"
    awk -v n="$n" -v ut="$(field time "$u")" -v st="$(field time "$s")" \
        -v uk="$(field kl "$u")" -v sk="$(field kl "$s")" \
        -v un="$(field nh "$u")" -v sn="$(field nh "$s")" 'BEGIN {
        printf "ratio N=%d time=%.2f (untangle/sklearn) kl=%+.4f nh=%+.3f (untangle - sklearn)\n",
               n, ut / st, uk - sk, un - sn }'
done
exit $status
