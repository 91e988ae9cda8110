#!/bin/sh
# t-SNE beside scikit-learn 1.2, the lab's settings (2 components, init pca,
# perplexity 30, 1000 iterations), each side timed from the reading of the files:
#   1. the first 1000 and 10000 MNIST test images: untangle's default (Barnes-Hut)
#      against scikit-learn;
#   2. the 10000 test images by the FFT method against untangle's Barnes-Hut and
#      scikit-learn (the FFT side must keep KL within 0.02 and NH within 0.005 of
#      Barnes-Hut's);
#   3. all 70000 images (training then test): untangle alone, with the first 20000
#      of them on both sides (scikit-learn on all 70000 takes about 17 minutes:
#      BENCH_BIG=1 adds it);
#   4. the recall of the approximate neighbours against the exact ones on 70000.
# Prints each side's time, final KL and Neighborhood Hit (k 6), then the ratios.
# untangle's side is bench/tsne_driver.c linked against the library.
#
#   sh bench/tsne.sh
# Environment: BUILD (build folder, default build), THREADS (default: all cores),
# MNIST (folder of the IDX files, default data/mnist), BENCH_BIG=1 (scikit-learn on
# 70000), TSNE_PARTS (default "1 2 3 4": which parts to run).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-$(nproc 2>/dev/null || echo 2)}
MNIST=${MNIST:-data/mnist}
PARTS=${TSNE_PARTS:-1 2 3 4}
if [ ! -f "$MNIST/t10k-images-idx3-ubyte" ]; then
    echo "MNIST not found in $MNIST; run: make data"
    exit 1
fi

make --no-print-directory BUILD="$BUILD" "$BUILD/libuntangle.a" >/dev/null || exit 1
mkdir -p "$BUILD/bench"
LIBS="$(pkg-config --libs openblas lapack fftw3f libpng zlib) -lpthread -lm"
for prog in tsne_driver knn_recall; do
    # shellcheck disable=SC2086
    cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -o "$BUILD/bench/$prog" "bench/$prog.c" \
        "$BUILD/libuntangle.a" $LIBS || exit 1
done
driver="$BUILD/bench/tsne_driver"

have_sklearn=1
if ! /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
    have_sklearn=0
    echo "scikit-learn not installed: skipping the reference"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
fam=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mod=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "CPU: $cpu (family $fam model $mod), $(nproc) cores; threads=$THREADS"

# field NAME LINE: the value after NAME= in a result line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

status=0
# untangle N METHOD SET: one run of the driver, its line printed
untangle() {
    u=$("$driver" "$1" "$THREADS" 0 "$MNIST" - "$2" "$3") || { echo "untangle failed: $*"; status=1; return 1; }
    echo "$u (threads=$THREADS)"
}
# sklearn N SET
sklearn() {
    [ "$have_sklearn" = 1 ] || return 1
    s=$(OMP_NUM_THREADS=$THREADS /usr/bin/python3 bench/tsne_sklearn.py "$1" "$MNIST" "$2") ||
        { echo "scikit-learn failed: $*"; status=1; return 1; }
    echo "$s (threads=$THREADS)"
}
ratio() { # ratio LABEL UNTANGLE_LINE REFERENCE_LINE
    awk -v l="$1" -v ut="$(field time "$2")" -v st="$(field time "$3")" \
        -v uk="$(field kl "$2")" -v sk="$(field kl "$3")" \
        -v un="$(field nh "$2")" -v sn="$(field nh "$3")" 'BEGIN {
        printf "ratio %s time=%.3f kl=%+.4f nh=%+.3f\n", l, ut / st, uk - sk, un - sn }'
}

for part in $PARTS; do
    case $part in
    1)
        echo "== the lab's test images: untangle (default method) and scikit-learn"
        for n in 1000 10000; do
            untangle "$n" auto test || continue
            ub=$u
            sklearn "$n" test || continue
            [ "$n" = 10000 ] && s10=$s
            ratio "N=$n (untangle/sklearn)" "$ub" "$s"
        done
        ;;
    2)
        echo "== 10000 test images: FFT against Barnes-Hut and scikit-learn"
        untangle 10000 bh test || continue
        ub=$u
        untangle 10000 fft test || continue
        uf=$u
        ratio "N=10000 fft/bh" "$uf" "$ub"
        [ -n "${s10:-}" ] || { sklearn 10000 test && s10=$s; }
        [ -n "${s10:-}" ] && ratio "N=10000 fft/sklearn" "$uf" "$s10"
        ;;
    3)
        echo "== all 70000 images (training then test)"
        untangle 20000 auto all && u20=$u
        if sklearn 20000 all && [ -n "${u20:-}" ]; then
            ratio "N=20000 (untangle/sklearn)" "$u20" "$s"
        fi
        /usr/bin/time -f "peak RSS %M KiB" "$driver" 70000 "$THREADS" 1 "$MNIST" - auto all \
            2>"$BUILD/bench/tsne70000.log" >"$BUILD/bench/tsne70000.out" || {
            echo "untangle failed on 70000"; status=1; }
        sed 's/$/ (threads='"$THREADS"')/' "$BUILD/bench/tsne70000.out"
        grep -E "stage|peak RSS|neighbours:" "$BUILD/bench/tsne70000.log"
        u70=$(cat "$BUILD/bench/tsne70000.out")
        if [ "${BENCH_BIG:-0}" = 1 ] && sklearn 70000 all; then
            ratio "N=70000 (untangle/sklearn)" "$u70" "$s"
        fi
        ;;
    4)
        echo "== approximate neighbours against the exact ones"
        "$BUILD/bench/knn_recall" 70000 "$THREADS" "$MNIST" || status=1
        ;;
    esac
done
exit $status
