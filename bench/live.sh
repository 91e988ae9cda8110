#!/bin/sh
# bench/live.sh: what the live views cost. The same fit (the lab's MLP, batch
# 300, LIVE_BENCH_EPOCHS epochs on the 60000 images) and the same t-SNE
# (LIVE_BENCH_TSNE test images) run on a terminal (script(1), 100x40, colour
# blocks: nothing answers the graphics query there) with and without `live`,
# alternately, LIVE_BENCH_REPEAT times each; the median time of each side is
# kept and the ratio live / plain printed (the issue's budget: at most 1.05).
# The times are whole commands, the last frame and the animation included: the
# wall time of the run less that of the same run without the fit or the t-SNE
# (loading MNIST, starting up), each the median of its repeats. Every run begins
# with `set term auto`: the terminal query, which script's terminal never answers
# (0.3 s; a real terminal answers in milliseconds), is then outside the difference.
# The share of the run the frames took, as the live view itself reports it
# ("live view: N frames drawn in S s, P% of T s"), is printed beside (median):
# it does not move with what else the machine runs, the wall times do.
#
#   environment: UNTANGLE (./untangle), LIVE_BENCH_EPOCHS (3), LIVE_BENCH_TSNE
#                (5000), LIVE_BENCH_REPEAT (3), LIVE_BENCH_THREADS (2)
set -u
cd "$(dirname "$0")/.."
U=${UNTANGLE:-./untangle}
case "$U" in /*) ;; *) U="$(pwd)/$U" ;; esac
EPOCHS=${LIVE_BENCH_EPOCHS:-3}
POINTS=${LIVE_BENCH_TSNE:-5000}
REPEAT=${LIVE_BENCH_REPEAT:-3}
THREADS=${LIVE_BENCH_THREADS:-2}
tmp=$(mktemp -d /tmp/untangle-bench-live.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
[ -x "$U" ] || { echo "live bench: $U not built; run \`make\`"; exit 1; }
command -v script >/dev/null 2>&1 || { echo "live bench: no script(1) for a terminal"; exit 1; }

cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') (family $(grep -m1 'cpu family' /proc/cpuinfo | sed 's/.*: //') model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | sed 's/.*: //'))"
echo "live bench: $cpu, $(nproc) cores, $THREADS threads; medians of $REPEAT, on a 100x40 terminal"

# run CMDS: the wall seconds of untangle running CMDS on a terminal ("" on failure)
run() {
    t0=$(date +%s.%N)
    TERM=xterm-256color COLUMNS=100 LINES=40 SHELL=/bin/sh script -qec \
        "exec '$U' --threads $THREADS --output '$tmp/out' -c 'set term auto; $1'" /dev/null \
        </dev/null >"$tmp/log" 2>&1 || return
    grep -qa 'error:' "$tmp/log" && return
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
# median LIST: the median of the numbers in LIST ("" when LIST is empty)
median() {
    printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
        if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

MLP='load mnist; model new; model add dense 100 sigmoid input 784; model add dense 10 softmax; compile lr 0.5'
TSNE="load mnist train 100 test $POINTS; tsne raw first $POINTS"
for what in fit tsne; do
    base="" plain="" live="" share=""
    i=0
    while [ $i -lt "$REPEAT" ]; do
        if [ $what = fit ]; then
            b=$(run "$MLP")
            p=$(run "$MLP; fit batch 300 epochs $EPOCHS")
            l=$(run "$MLP; fit batch 300 epochs $EPOCHS live")
        else
            b=$(run "load mnist train 100 test $POINTS")
            p=$(run "$TSNE")
            l=$(run "$TSNE live")
        fi
        s=$(tr -d '\r' <"$tmp/log" | sed -n 's/.*live view: .* drawn in .* s, \([0-9.]*\)% of .*/\1/p')
        base="$base $b" plain="$plain $p" live="$live $l" share="$share $s"
        i=$((i + 1))
    done
    # every run must have worked: a median of fewer would not be one of REPEAT
    n_ok=$(echo $base $plain $live $share | wc -w)
    if [ "$n_ok" != $((4 * REPEAT)) ]; then
        echo "  $what: a run failed"; tail -n 3 "$tmp/log"; exit 1
    fi
    base=$(median "$base")
    plain=$(awk -v a="$(median "$plain")" -v b="$base" 'BEGIN { print a - b }')
    live=$(awk -v a="$(median "$live")" -v b="$base" 'BEGIN { print a - b }')
    share=$(median "$share")
    label=$([ $what = fit ] && echo "fit, $EPOCHS epochs of 60000" || echo "tsne, $POINTS points")
    awk -v w="$label" -v p="$plain" -v l="$live" -v s="$share" 'BEGIN {
        printf "  %-26s plain %7.2f s   live %7.2f s   live/plain %.3f   frames %s%% of the run\n",
            w, p, l, l / p, s }'
done
