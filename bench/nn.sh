#!/bin/sh
# bench/nn.sh: the lab's three networks, untangle beside PyTorch, in one run.
#
# Each side trains each model (lr 0.5, batch 300; 10 epochs for models 01 and 02,
# NN_BENCH_CNN_EPOCHS (default 1) for the CNN) at 1 and 2 threads, in two
# configurations of OpenBLAS's kernels:
#   untangle  as it runs by itself (its own kernel choice), and with
#             OPENBLAS_CORETYPE=Prescott forced, the fallback OpenBLAS 0.3.21
#             gives CPUs it does not know: the convolutions must not care;
#   PyTorch   as installed (Debian's python3-torch), and with OPENBLAS_CORETYPE
#             set to the core untangle runs (PyTorch's dense layers use OpenBLAS;
#             its convolutions use oneDNN, which picks its own ISA).
# It first prints the kernels each side runs, then every run (seconds per epoch,
# best of NN_BENCH_REPEAT runs with the spread), then the ratios untangle /
# PyTorch's faster configuration against the targets, the CNN's GFLOP/s against
# the sgemm peak measured now, and each convolution kernel's GFLOP/s.
#
#   environment: UNTANGLE (./untangle), BUILD (build), NN_BENCH_THREADS ("1 2"),
#                NN_BENCH_MODELS ("1 2 3"), NN_BENCH_CNN_EPOCHS (1),
#                NN_BENCH_REPEAT (1), PYTHON (/usr/bin/python3)
set -u
cd "$(dirname "$0")/.."
UNTANGLE=${UNTANGLE:-./untangle}
BUILD=${BUILD:-build}
THREADS=${NN_BENCH_THREADS:-"1 2"}
MODELS=${NN_BENCH_MODELS:-"1 2 3"}
CNN_EPOCHS=${NN_BENCH_CNN_EPOCHS:-1}
REPEAT=${NN_BENCH_REPEAT:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/untangle-bench-nn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
# Each configuration sets the kernels itself.
unset OPENBLAS_CORETYPE

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

# ---- the machine and the kernels each side runs
echo "machine: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(awk '/^cpu family/ { f = $4 } /^model[ \t]*:/ { m = $3 } END { print "family " f " model " m }' /proc/cpuinfo)," \
     "$(nproc) cores; load average now $(cut -d" " -f1-3 /proc/loadavg) (other work slows both sides)"
"$UNTANGLE" --version > "$tmp/version" 2>&1
echo "untangle:"
sed -n '2,$s/^/  /p' "$tmp/version"
# the OpenBLAS core untangle runs by itself: the best this CPU has
best_core=$(sed -n 's/^matrix products: OpenBLAS [^,]*, \([A-Za-z0-9_]*\) kernels.*/\1/p' "$tmp/version")
if [ $have_torch = 1 ]; then
    for core in "" "$best_core"; do
        echo "PyTorch${core:+ with OPENBLAS_CORETYPE=$core}:"
        env ${core:+OPENBLAS_CORETYPE=$core} DNNL_VERBOSE=1 "$PYTHON" bench/nn_torch.py --kernels 2>&1 |
            sed -nE 's/^(PyTorch .*)/  \1/p
                     s/^onednn_verbose,info,cpu,isa:(.*)/  oneDNN ISA: \1/p
                     s/^onednn_verbose,exec,cpu,convolution,([^,]*),.*/  oneDNN convolution: \1/p' |
            uniq
    done
fi

# ---- the sgemm peak (square 2000) at each thread count, now, on untangle's kernels
peak_file=$tmp/peak
: > "$peak_file"
if cc -O2 -std=c11 -Iinclude bench/sgemm_peak.c "$BUILD/libuntangle.a" \
        $(pkg-config --libs openblas) -lpthread -lm -o "$tmp/sgemm_peak" 2>"$tmp/cc.log"; then
    for t in $THREADS; do
        echo "$t $("$tmp/sgemm_peak" "$t")" >> "$peak_file"
    done
else
    echo "nn bench: could not build the sgemm probe (see below); no peak"
    cat "$tmp/cc.log"
fi

# run SIDE CONFIG MODEL THREADS EPOCHS: best seconds per epoch of REPEAT runs;
# appends "model side config threads best worst accuracy" to $tmp/runs
run() {
    side=$1 config=$2 m=$3 t=$4 epochs=$5
    core=""
    case $config in
    prescott) core=Prescott ;;
    best) core=$best_core ;;
    esac
    best="" worst="" acc=""
    r=0
    while [ $r -lt "$REPEAT" ]; do
        r=$((r + 1))
        out=$tmp/run.out
        if [ "$side" = untangle ]; then
            env ${core:+OPENBLAS_CORETYPE=$core} "$UNTANGLE" --threads "$t" --output "$tmp/out" \
                -c "load mnist; model new; $(model_cmds "$m"); compile lr 0.5;
                    fit batch 300 epochs $epochs verbose 0; evaluate; figures" > "$out" 2>&1 ||
                { echo "nn bench: untangle failed:"; tail -5 "$out"; exit 1; }
            s=$(figure epoch_seconds "$out")
            acc=$(figure test_accuracy "$out")
        else
            env ${core:+OPENBLAS_CORETYPE=$core} "$PYTHON" bench/nn_torch.py "$data" "$m" "$t" \
                "$epochs" > "$out" 2>&1 || { echo "nn bench: PyTorch failed:"; tail -5 "$out"; exit 1; }
            line=$(grep '^RESULT' "$out")
            # mean over the epochs, as untangle's epoch_seconds
            s=$(echo "$line" | sed 's/.*epoch_seconds=\([0-9.,]*\).*/\1/' |
                awk -F, '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.3f", s / NF }')
            acc=$(echo "$line" | sed 's/.*accuracy=\([0-9.]*\).*/\1/')
        fi
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
        if [ -z "$worst" ] || awk "BEGIN{exit !($s > $worst)}"; then worst=$s; fi
    done
    label=$side
    [ "$config" = prescott ] && label="$side, Prescott forced"
    [ "$config" = best ] && label="$side, OPENBLAS_CORETYPE=$best_core"
    printf '%-5s %-38s %7s %10.3f %14s %9.4f %7s\n' "0$m" "$label" "$t" "$best" \
        "$(awk -v a="$best" -v b="$worst" 'BEGIN { if (b > a) printf "+%.0f%%", 100 * (b - a) / a; else print "-" }')" \
        "$acc" "$epochs"
    echo "$m $side $config $t $best $worst $acc" >> "$tmp/runs"
}

echo
printf '%-5s %-38s %7s %10s %14s %9s %7s\n' model "side (OpenBLAS kernels)" threads "s/epoch" \
    "spread ($REPEAT)" accuracy epochs
: > "$tmp/runs"
for m in $MODELS; do
    epochs=10
    [ "$m" = 3 ] && epochs=$CNN_EPOCHS
    for t in $THREADS; do
        run untangle own "$m" "$t" "$epochs"
        run untangle prescott "$m" "$t" "$epochs"
        if [ $have_torch = 1 ]; then
            run pytorch installed "$m" "$t" "$epochs"
            run pytorch best "$m" "$t" "$epochs"
        fi
    done
done

# best MODEL SIDE CONFIGS [THREADS]: "seconds threads config" of the fastest run
best() {
    awk -v m="$1" -v side="$2" -v configs=" $3 " -v t="${4:-}" '
        $1 == m && $2 == side && index(configs, " " $3 " ") && (t == "" || $4 == t) &&
        (best == "" || $5 < best) { best = $5; bt = $4; bc = $3 }
        END { if (best != "") print best, bt, bc }' "$tmp/runs"
}

# target NAME UNTANGLE PYTORCH LIMIT: one line with the ratio and whether it is met
target() {
    set -- "$1" $2 $3 "$4"
    name=$1 us=$2 ut=$3 uc=$4 ps=$5 pt=$6 pc=$7 limit=$8
    awk -v n="$name" -v us="$us" -v ut="$ut" -v uc="$uc" -v ps="$ps" -v pt="$pt" -v pc="$pc" \
        -v lim="$limit" 'BEGIN {
        r = us / ps
        printf "  %-34s untangle %7.3f s (%s thr%s), PyTorch %7.3f s (%s thr, %s): %.2fx  target <= %sx: %s\n",
               n, us, ut, uc == "prescott" ? ", Prescott" : "", ps, pt,
               pc == "installed" ? "as installed" : "best core", r, lim,
               r <= lim ? "met" : sprintf("MISSED by %.0f%%", 100 * (r / lim - 1)) }'
}

echo
echo "ratios untangle / PyTorch's faster configuration (seconds per epoch; below 1: untangle faster):"
for m in $MODELS; do
    u=$(best "$m" untangle own)
    [ -n "$u" ] || continue
    if [ $have_torch = 1 ]; then
        p=$(best "$m" pytorch "installed best")
        case $m in
        1) target "01 (logistic regression)" "$u" "$p" 0.5 ;;
        2) target "02 (MLP)" "$u" "$p" 0.5 ;;
        3)
            for t in $THREADS; do
                target "03 (CNN) at $t thread(s)" "$(best 3 untangle own "$t")" \
                    "$(best 3 pytorch "installed best" "$t")" 0.5
            done
            target "03 (CNN), Prescott forced" "$(best 3 untangle prescott)" "$p" 0.6
            ;;
        esac
    else
        echo "  model 0$m: untangle $u; PyTorch skipped"
    fi
    if [ "$m" = 3 ]; then
        # training FLOPs per image: conv1 forward + weight gradient, conv2, dense_1 and
        # dense_2 forward + weight gradient + input gradient (2 per multiply-add), as
        # the direct convolution counts them: conv2 runs by Winograd, with fewer, so
        # that the share of the sgemm peak can pass 100%
        set -- $u
        peak=$(awk -v t="$2" '$1 == t { print $2 }' "$peak_file")
        awk -v s="$1" -v p="${peak:-0}" -v t="$2" 'BEGIN {
            f = 2 * (784 * 25 * 32) * 2 + 2 * (196 * 800 * 64) * 3 + 2 * (3136 * 100) * 3 + 2 * (100 * 10) * 3
            g = 60000 * f / s / 1e9
            printf "  CNN: %.1f MFLOP per training image (direct convolution), %.1f GFLOP/s at %s threads", f / 1e6, g, t
            # the verdict in a variable: awk reads a ">" inside printf'"'"'s arguments as output
            # redirection (mawk refuses the line)
            if (p > 0) {
                verdict = (100 * g / p >= 60) ? "met" : "MISSED"
                printf " = %.0f%% of the %.1f GFLOP/s sgemm peak measured now (target >= 60%%: %s)",
                       100 * g / p, p, verdict
            }
            printf "\n" }'
    fi
done

# ---- each convolution kernel alone, one thread, beside sgemm on one thread
case " $MODELS " in *" 3 "*)
    echo
    echo "untangle's convolution kernels on the lab CNN's shapes, 1 thread, one image at a time:"
    if cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude bench/conv_driver.c "$BUILD/libuntangle.a" \
            $(pkg-config --libs openblas) -lpthread -lm -o "$tmp/conv_driver" 2>"$tmp/cc.log"; then
        "$tmp/conv_driver" 0.5 | sed 's/^/  /'
    else
        echo "nn bench: could not build the convolution probe:"
        cat "$tmp/cc.log"
    fi
    ;;
esac
