#!/bin/sh
# Live views and the terminal through the real binary: on a terminal (script(1)
# gives one, with SHELL=/bin/sh as in tests/interrupt.sh) `fit ... live` redraws
# in place (cursor saved once, restored for each frame) and says what its frames
# cost (at most 5% of the run: the issue's budget); in a pipe `fit ... live` and
# `tsne ... live` print lines of text without a single escape; the terminal
# query times out cleanly
# when nothing answers; Ctrl-C stops a live fit and gives the cursor back; a
# lesson keeps the student's own model as .bak. The last frames are kept in
# $BUILD/live/ to look at.
# Prints "  ok NAME", "  not ok NAME" or "  skip NAME: why"; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case "$U" in /*) ;; *) U="$(pwd)/$U" ;; esac
KEEP="$(pwd)/${BUILD:-build}/live"
T=$(mktemp -d /tmp/untangle-live-XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/cases.sh"
# count FILE BYTES: how many times the bytes (printf format) occur in FILE
count() { LC_ALL=C grep -ao "$(printf "$2")" "$1" | wc -l; }

if [ ! -f data/mnist/train-images-idx3-ubyte ] && [ ! -f data/mnist/train-images-idx3-ubyte.gz ]; then
    skip "live views" "no MNIST in data/mnist (make data)"
    exit 0
fi
MLP='model new; model add dense 100 sigmoid input 784; model add dense 10 softmax; compile lr 0.5'
FIT="load mnist train 12000 test 100; $MLP; fit batch 100 epochs 3 live validation 0.1"
# on a terminal, long enough for frames while it runs (the first comes after
# about 1.6 s: frames may take 2.5% of the time and the first is taken to cost 0.04 s)
FIT_TTY="load mnist train 30000 test 100; $MLP; fit batch 100 epochs 5 live validation 0.1"
# frames FILE: "N P" from the line "live view: N frame(s) drawn in S s, P% of T s"
frames() {
    tr -d '\r' <"$1" | sed -n -e 's/.*live view: \([0-9]*\) frames\{0,1\} drawn in [0-9.]* s, \([0-9.]*\)% of .*/\1 \2/p' \
        -e 's/.*live view: the run took [0-9.]* s, too short for a frame.*/0 0/p'
}

# ---- in a pipe: lines of text ----
"$U" --output "$T/pipe" -c "$FIT" >"$T/pipe.out" 2>&1
rc=$?
lines=$(grep -c '^epoch [0-9]/3, batch ' "$T/pipe.out")
if [ "$rc" != 0 ]; then
    not_ok "fit live in a pipe" "exit status $rc" "$(tail -n 3 "$T/pipe.out")"
elif LC_ALL=C grep -q "$(printf '\033')" "$T/pipe.out"; then
    not_ok "fit live in a pipe: no escape sequence" "$(LC_ALL=C grep -a "$(printf '\033')" "$T/pipe.out" | head -n 2)"
elif [ "$lines" -lt 8 ] || ! grep -q '^epoch 3/3 done: ' "$T/pipe.out"; then
    not_ok "fit live in a pipe: a line of text at each tenth" "$lines lines" "$(head -n 12 "$T/pipe.out")"
else
    ok "fit live in a pipe: $lines lines of text, no escape sequence"
fi

# t-SNE in a pipe: a line of text at each tenth, no escape
"$U" --output "$T/pipe" -c "load mnist train 100 test 500; tsne raw first 500 live" >"$T/tpipe.out" 2>&1
rc=$?
lines=$(grep -c '^t-SNE iteration [0-9]*/1000' "$T/tpipe.out")
if [ "$rc" != 0 ]; then
    not_ok "tsne live in a pipe" "exit status $rc" "$(tail -n 3 "$T/tpipe.out")"
elif LC_ALL=C grep -q "$(printf '\033')" "$T/tpipe.out"; then
    not_ok "tsne live in a pipe: no escape sequence" "$(LC_ALL=C grep -a "$(printf '\033')" "$T/tpipe.out" | head -n 2)"
elif [ "$lines" -lt 8 ] || ! grep -q '^t-SNE iteration 1000/1000 done, KL ' "$T/tpipe.out"; then
    not_ok "tsne live in a pipe: a line of text at each tenth" "$lines lines" "$(head -n 12 "$T/tpipe.out")"
else
    ok "tsne live in a pipe: $lines lines of text, no escape sequence"
fi

# ---- on a terminal ----
if ! command -v script >/dev/null 2>&1; then
    skip "live views on a terminal" "no script(1) to give untangle a terminal"
    exit 0
fi
# script's terminal answers nothing: the probe waits its 0.3 s once
t0=$(now)
TERM=xterm-256color COLUMNS=100 SHELL=/bin/sh script -qec \
    "exec '$U' --output '$T/tty' -c 'set term auto'" /dev/null </dev/null >"$T/probe.out" 2>&1
t1=$(now)
took=$(elapsed "$t0" "$t1")
if ! tr -d '\r' <"$T/probe.out" | grep -q 'term auto: colour blocks (the terminal did not answer in 0.3 s)'; then
    not_ok "terminal query times out cleanly" "$(tr -d '\r' <"$T/probe.out" | tail -n 2)"
elif [ "$(count "$T/probe.out" '\033\[c')" != 1 ]; then
    not_ok "terminal query times out cleanly" "DA1 asked $(count "$T/probe.out" '\033\[c') times"
elif ! below "$took" 2.5; then
    not_ok "terminal query times out cleanly" "the run took $took s"
else
    ok "terminal query times out cleanly: blocks, said so"
fi

TERM=xterm-256color COLUMNS=100 SHELL=/bin/sh timeout 120 script -qec \
    "exec '$U' --output '$T/tty' -c '$FIT_TTY'" /dev/null </dev/null >"$T/tty.out" 2>&1
saves=$(count "$T/tty.out" '\0337')
restores=$(count "$T/tty.out" '\0338')
set -- $(frames "$T/tty.out") "" ""
if ! grep -qa 'fit-live.png' "$T/tty.out"; then
    not_ok "fit live on a terminal" "$(tr -d '\r' <"$T/tty.out" | tail -n 3)"
elif [ "$saves" != 1 ] || [ "$restores" -lt 2 ]; then
    not_ok "fit live on a terminal redraws in place" "cursor saved $saves times, restored $restores"
elif [ -z "$1" ] || [ "$restores" != $((2 * ($1 + 1) + 1)) ]; then
    not_ok "fit live on a terminal: the frames it says it drew" "'$1' frames, cursor restored $restores times"
elif [ -z "$2" ] || ! below "$2" 5; then
    not_ok "fit live on a terminal: frames within 5% of the run" "$(frames "$T/tty.out")"
elif [ "$(count "$T/tty.out" '\033\[?25h')" -lt 1 ] || ! grep -qa 'epoch 5/5 done' "$T/tty.out"; then
    not_ok "fit live on a terminal: the last frame and the cursor back"
elif ! tr -d '\r' <"$T/tty.out" | grep -q '^Epoch 5/5$'; then
    not_ok "fit live on a terminal: the epoch lines after the view"
else
    ok "fit live on a terminal redraws in place ($1 frame(s) while it ran, $2% of its time)"
fi

# Ctrl-C during a live fit on a terminal: stops within a second (from the
# keystroke to the message), gives the cursor back, keeps the last frame
(sleep 3; now >"$T/sent"; printf '\003'; sleep 1.5) | TERM=xterm-256color COLUMNS=100 \
    SHELL=/bin/sh script -qec \
    "exec '$U' --output '$T/int' -c 'load mnist train 20000 test 100; $MLP; fit batch 100 epochs 50 live'" \
    /dev/null >"$T/int.out" 2>&1 &
spid=$!
i=0
while [ $i -lt 400 ] && ! grep -qa 'fit interrupted' "$T/int.out" 2>/dev/null; do
    sleep 0.02
    i=$((i + 1))
done
t_done=$(now)
kill $spid 2>/dev/null
wait $spid 2>/dev/null
took=$(elapsed "$(cat "$T/sent" 2>/dev/null || echo 0)" "$t_done")
if ! grep -qa 'fit interrupted (Ctrl-C)' "$T/int.out"; then
    not_ok "Ctrl-C stops a live fit" "$(tr -d '\r' <"$T/int.out" | tail -n 3)"
elif ! below "$took" 1.0; then
    not_ok "Ctrl-C stops a live fit within a second" "took $took s"
elif [ "$(count "$T/int.out" '\033\[?25h')" -lt 1 ] || ! grep -qa 'fit-live.png' "$T/int.out"; then
    not_ok "Ctrl-C stops a live fit: the cursor back and the last frame written"
else
    ok "Ctrl-C stops a live fit in $took s: cursor back, last frame written"
fi

# t-SNE's map forming, on a terminal
TERM=xterm-256color COLUMNS=100 LINES=40 SHELL=/bin/sh timeout 120 script -qec \
    "exec '$U' --output '$T/tty' -c 'load mnist train 100 test 2000; tsne raw first 2000 live'" \
    /dev/null </dev/null >"$T/tsne.out" 2>&1
saves=$(count "$T/tsne.out" '\0337')
restores=$(count "$T/tsne.out" '\0338')
set -- $(frames "$T/tsne.out") "" ""
if ! grep -qa 'tsne-live.gif (260x240, ' "$T/tsne.out"; then
    not_ok "tsne live on a terminal" "$(tr -d '\r' <"$T/tsne.out" | tail -n 3)"
elif [ "$saves" != 1 ] || [ "$restores" -lt 2 ]; then
    not_ok "tsne live on a terminal redraws in place" "cursor saved $saves times, restored $restores"
elif [ -z "$2" ] || ! below "$2" 5; then
    not_ok "tsne live on a terminal: frames within 5% of the run" "$(frames "$T/tsne.out")"
elif ! grep -qa 't-SNE iteration 1000/1000 done, KL ' "$T/tsne.out"; then
    not_ok "tsne live on a terminal: the last status line"
else
    ok "tsne live on a terminal redraws in place ($1 frame(s) while it ran, $2% of its time), then writes its GIF"
fi

mkdir -p "$KEEP"
if cp "$T"/tty/*-fit-live.png "$KEEP/fit-live-last-frame.png" 2>/dev/null &&
    cp "$T"/tty/*-tsne-live.png "$KEEP/tsne-live-last-frame.png" 2>/dev/null &&
    cp "$T"/tty/*-tsne-live.gif "$KEEP/tsne-live.gif" 2>/dev/null; then
    ok "the last frames are kept in ${KEEP#"$(pwd)/"}/: fit-live-last-frame.png, tsne-live-last-frame.png, tsne-live.gif"
else
    not_ok "the last frames are kept" "$(ls "$T/tty")"
fi

# ---- a lesson keeps what the student made ----
L="$T/lesson.md"
printf '# Save\n\n```untangle\nload mnist train 500 test 10\n%s\nmodel save mlp\n```\n' \
    "$MLP" >"$L"
"$U" --output "$T/keep" -c "load mnist train 500 test 10; $MLP; model save mlp" >/dev/null 2>&1
cp "$T/keep/mlp.model" "$T/mine.model"
"$U" --output "$T/keep" --term none "$L" >"$T/keep1.out" 2>&1
"$U" --output "$T/keep" --term none "$L" >"$T/keep2.out" 2>&1
if ! grep -q "^$T/keep/mlp.model was not written by a lesson: kept it as $T/keep/mlp.model.bak$" "$T/keep1.out"; then
    not_ok "a lesson keeps the student's model as .bak" "$(grep -a 'mlp' "$T/keep1.out" | head -n 3)"
elif ! cmp -s "$T/mine.model" "$T/keep/mlp.model.bak"; then
    not_ok "a lesson keeps the student's model as .bak" "the .bak is not the student's file"
elif grep -q "not written by a lesson" "$T/keep2.out" || [ -e "$T/keep/mlp.model.bak.1" ]; then
    not_ok "a lesson replaces its own model silently" "$(grep -a 'kept' "$T/keep2.out")"
else
    ok "a lesson keeps the student's model as .bak, and replaces its own silently"
fi
exit 0
