#!/bin/sh
# valgrind (memcheck) on real runs: the first lesson replayed with --quick, and a
# short session that trains, evaluates, predicts, saves and loads a model, embeds
# 300 points with t-SNE and draws the figure. No leak and no invalid access may
# come from untangle (tests/valgrind.supp silences only external caches).
# Prints "  ok NAME", "  not ok NAME" or "  skip NAME: why".
#
#   make valgrind            (make check runs it too: about 30 s)
set -u
U=${UNTANGLE:-./untangle}
T=$(mktemp -d /tmp/untangle-vg-XXXXXX)
trap 'rm -rf "$T"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
case "$U" in /*) UABS=$U ;; *) UABS="$(pwd)/$U" ;; esac

ok() { echo "  ok $1"; }
not_ok() {
    echo "  not ok $1"
    shift
    for l in "$@"; do echo "      $l"; done
}

if [ "${UNTANGLE_SANITIZED:-0}" = 1 ]; then
    echo "  skip valgrind: the binary is built with the sanitizers, which valgrind cannot run"
    exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "  skip valgrind: valgrind is not installed (apt-get install valgrind)"
    exit 0
fi
if [ ! -f data/mnist/t10k-images-idx3-ubyte ] && [ ! -f data/mnist/t10k-images-idx3-ubyte.gz ]; then
    echo "  skip valgrind: no MNIST in data/mnist (make data)"
    exit 0
fi

DATA="$(pwd)/data/mnist"

# vg NAME ARGS...: one run under memcheck; status 3 on any error or leak.
vg() {
    name=$1
    shift
    log="$T/vg.log"
    valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=3 \
        --num-callers=30 --suppressions="$here/valgrind.supp" --log-file="$log" \
        "$UABS" --term none --output "$T/out" "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    if [ "$rc" = 0 ]; then
        ok "$name"
    elif [ "$rc" = 3 ]; then
        not_ok "$name" "valgrind reports errors or leaks:" "$(grep -E 'Invalid|uninitialised|lost in|at 0x|by 0x' "$log" | head -n 20)"
    else
        not_ok "$name" "exit status $rc" "$(tail -n 5 "$T/stderr")"
    fi
}

vg "valgrind: lessons/en/00-images.md --quick" --quick lessons/en/00-images.md

cat >"$T/session" <<'CMDS'
load mnist train 600 test 300
model new
model add conv2d 4 5x5 relu same input 28x28x1
model add maxpool 2x2
model add flatten
model add dense 20 sigmoid
model add dense 10 softmax
model summary
compile loss categorical_crossentropy optimizer sgd lr 0.5 metrics accuracy
fit batch 50 epochs 2 validation 0.1
evaluate
model save vg
model load vg
evaluate train
pop
predict test
tsne features first 300 perplexity 20 iterations 300
hull
ellipse
nh k 6
plot "features" to out/figure.png
show images 50 from test
info
CMDS
# a command file is replayed as a lesson: it writes only in the output folder
(cd "$T" && UNTANGLE_DATA="$DATA" vg "valgrind: train, save, load, predict, t-SNE, plot" session)
exit 0
