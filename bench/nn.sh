#!/bin/sh
# bench/nn.sh: the lab's three networks, untangle beside PyTorch, in one run.
#
# For each model and each side, trains at 1 and 2 threads (lr 0.5, batch 300;
# 10 epochs for models 01 and 02, NN_BENCH_CNN_EPOCHS (default 1) for the CNN),
# takes each side's best thread count and prints the seconds per epoch and the
# ratio untangle / PyTorch (below 1: untangle is faster). For the CNN it also
# prints the GFLOP/s untangle reached against the sgemm peak measured in the
# same run. PyTorch is Debian's python3-torch (/usr/bin/python3); without it the
# PyTorch half is skipped with a message.
#
#   environment: UNTANGLE (./untangle), BUILD (build), NN_BENCH_THREADS ("1 2"),
#                NN_BENCH_MODELS ("1 2 3"), NN_BENCH_CNN_EPOCHS (1),
#                PYTHON (/usr/bin/python3)
set -u
cd "$(dirname "$0")/.."
UNTANGLE=${UNTANGLE:-./untangle}
BUILD=${BUILD:-build}
THREADS=${NN_BENCH_THREADS:-"1 2"}
MODELS=${NN_BENCH_MODELS:-"1 2 3"}
CNN_EPOCHS=${NN_BENCH_CNN_EPOCHS:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/untangle-bench-nn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

data=""
for d in "${UNTANGLE_DATA:-}" data/mnist /usr/local/share/untangle/mnist; do
    if [ -n "$d" ] && [ -e "$d/train-images-idx3-ubyte" -o -e "$d/train-images-idx3-ubyte.gz" ]; then
        data=$d
        break
    fi
done
[ -n "$data" ] || { echo "nn bench: MNIST not found; run \`make data\`"; exit 1; }
[ -x "$UNTANGLE" ] || { echo "nn bench: $UNTANGLE not built; run \`make\`"; exit 1; }

have_torch=0
if "$PYTHON" -c "import torch" 2>/dev/null; then
    have_torch=1
else
    echo "nn bench: PyTorch not installed (apt-get install python3-torch): its side is skipped"
fi

model_cmds() {
    case $1 in
    1) echo "model add dense 10 softmax input 784" ;;
    2) echo "model add dense 100 sigmoid input 784; model add dense 10 softmax" ;;
    3) echo "model add conv2d 32 5x5 sigmoid same input 28x28x1; model add maxpool 2x2;" \
            "model add conv2d 64 5x5 sigmoid same; model add maxpool 2x2; model add flatten;" \
            "model add dense 100 sigmoid; model add dense 10 softmax" ;;
    esac
}

# figure NAME FILE: the value `figures` printed for NAME
figure() { awk -v n="$1" '$1 == n { print $2 }' "$2" | tail -1; }

# The sgemm peak (square 2000) at each thread count, now, in this run.
peak_file=$tmp/peak
: > "$peak_file"
if cc -O2 -std=c11 -Iinclude bench/sgemm_peak.c "$BUILD/libuntangle.a" \
        $(pkg-config --libs openblas) -lm -o "$tmp/sgemm_peak" 2>"$tmp/cc.log"; then
    for t in $THREADS; do
        echo "$t $("$tmp/sgemm_peak" "$t")" >> "$peak_file"
    done
else
    echo "nn bench: could not build the sgemm probe (see below); no peak"
    cat "$tmp/cc.log"
fi

echo "load average now: $(cut -d" " -f1-3 /proc/loadavg) (other work on the machine slows both sides)"
printf '%-6s %-8s %8s %10s %10s %9s\n' model side threads "s/epoch" accuracy epochs
for m in $MODELS; do
    epochs=10
    [ "$m" = 3 ] && epochs=$CNN_EPOCHS
    best_u=""; best_ut=""; best_t=""; best_tt=""
    for t in $THREADS; do
        out=$tmp/u$m.$t
        "$UNTANGLE" --threads "$t" --output "$tmp/out" -c "load mnist; model new; $(model_cmds $m);
            compile lr 0.5; fit batch 300 epochs $epochs verbose 0; evaluate; figures" \
            > "$out" 2>&1 || { echo "nn bench: untangle failed:"; tail -5 "$out"; exit 1; }
        s=$(figure epoch_seconds "$out")
        a=$(figure test_accuracy "$out")
        printf '%-6s %-8s %8s %10.3f %10.4f %9s\n' "0$m" untangle "$t" "$s" "$a" "$epochs"
        if [ -z "$best_u" ] || awk "BEGIN{exit !($s < $best_u)}"; then best_u=$s; best_ut=$t; fi
        if [ $have_torch = 1 ]; then
            tout=$tmp/t$m.$t
            "$PYTHON" bench/nn_torch.py "$data" "$m" "$t" "$epochs" > "$tout" 2>&1 ||
                { echo "nn bench: PyTorch failed:"; tail -5 "$tout"; exit 1; }
            line=$(grep '^RESULT' "$tout")
            ts=$(echo "$line" | sed 's/.* best=\([0-9.]*\).*/\1/')
            # mean over the epochs, as untangle's epoch_seconds
            tm=$(echo "$line" | sed 's/.*epoch_seconds=\([0-9.,]*\).*/\1/' |
                 awk -F, '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.3f", s / NF }')
            ta=$(echo "$line" | sed 's/.*accuracy=\([0-9.]*\).*/\1/')
            printf '%-6s %-8s %8s %10.3f %10.4f %9s\n' "0$m" pytorch "$t" "$tm" "$ta" "$epochs"
            if [ -z "$best_t" ] || awk "BEGIN{exit !($tm < $best_t)}"; then best_t=$tm; best_tt=$t; fi
        fi
    done
    echo "$m $best_u $best_ut $best_t $best_tt" >> "$tmp/best"
done

echo
echo "each side at its best thread count (seconds per epoch; ratio below 1: untangle faster):"
while read -r m bu but bt btt; do
    if [ -n "$bt" ]; then
        awk -v m="$m" -v bu="$bu" -v but="$but" -v bt="$bt" -v btt="$btt" 'BEGIN {
            printf "  model 0%s: untangle %.3f s (%s threads), PyTorch %.3f s (%s threads): ratio %.2f\n",
                   m, bu, but, bt, btt, bu / bt }'
    else
        printf '  model 0%s: untangle %.3f s (%s threads); PyTorch skipped\n' "$m" "$bu" "$but"
    fi
    if [ "$m" = 3 ]; then
        # training FLOPs per image: conv1 forward + weight gradient, conv2, dense_1 and
        # dense_2 forward + weight gradient + input gradient (2 per multiply-add)
        peak=$(awk -v t="$but" '$1 == t { print $2 }' "$peak_file")
        awk -v s="$bu" -v p="${peak:-0}" -v t="$but" 'BEGIN {
            f = 2 * (784 * 25 * 32) * 2 + 2 * (196 * 800 * 64) * 3 + 2 * (3136 * 100) * 3 + 2 * (100 * 10) * 3
            g = 60000 * f / s / 1e9
            printf "  CNN: %.1f MFLOP per training image, %.1f GFLOP/s achieved", f / 1e6, g
            if (p > 0) printf " = %.0f%% of the %.1f GFLOP/s sgemm peak at %s threads measured now", 100 * g / p, p, t
            printf "\n" }'
    fi
done < "$tmp/best"
