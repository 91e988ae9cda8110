#!/bin/sh
# Ctrl-C: SIGINT sent to scripted runs. fit, evaluate, predict and tsne must
# return within a second with the "interrupted" message, exit status 1 (not
# killed by the signal), and no sanitizer report; at the prompt, Ctrl-C drops the
# line being typed and keeps the session and its history.
# Prints "  ok NAME", "  not ok NAME" or "  skip NAME: why"; run by tests/run.sh.
# Needs MNIST in data/mnist (make data): skipped cleanly without it.
set -u
U=${UNTANGLE:-./untangle}
case "$U" in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-int-XXXXXX)
trap 'rm -rf "$T"' EXIT
# A second is the promise; a sanitizer build runs several times slower.
LIMIT=${UNTANGLE_INTERRUPT_LIMIT:-1.0}
[ "${UNTANGLE_SANITIZED:-0}" = 1 ] && LIMIT=${UNTANGLE_INTERRUPT_LIMIT:-3.0}

ok() { echo "  ok $1"; }
not_ok() {
    echo "  not ok $1"
    shift
    for l in "$@"; do echo "      $l"; done
}
skip() { echo "  skip $1: $2"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# wait_for FILE PATTERN SECONDS: 0 once FILE holds PATTERN.
wait_for() {
    i=0
    while [ $i -lt $(($3 * 20)) ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

# interrupt NAME FILE MARKER DELAY MESSAGE: replays FILE (commands, or a lesson)
# in the background, waits for MARKER on its output, sleeps DELAY, sends SIGINT,
# and checks how it ends.
interrupt() {
    name=$1 file=$2 marker=$3 delay=$4 msg=$5
    : >"$T/out"
    : >"$T/err"
    "$U" --term none --output "$T/pics" "$file" >"$T/out" 2>"$T/err" &
    pid=$!
    if ! wait_for "$T/out" "$marker" 60; then
        kill -KILL $pid 2>/dev/null
        wait $pid 2>/dev/null
        not_ok "$name" "never reached '$marker'" "$(tail -n 3 "$T/err")"
        return
    fi
    sleep "$delay"
    if ! kill -0 $pid 2>/dev/null; then
        wait $pid
        not_ok "$name" "finished before the interrupt (exit $?); give it more work" \
            "$(tail -n 2 "$T/out")"
        return
    fi
    t0=$(now)
    kill -INT $pid
    # wait returns when the process exits; a watchdog ends a process that ignores it
    (sleep 20 && kill -KILL $pid 2>/dev/null) &
    dog=$!
    wait $pid
    rc=$?
    t1=$(now)
    kill $dog 2>/dev/null
    wait $dog 2>/dev/null
    took=$(elapsed "$t0" "$t1")
    [ "${INTERRUPT_VERBOSE:-0}" = 1 ] && echo "      $(head -n 1 "$T/err") [${took} s]"
    if [ "$rc" != 1 ]; then
        not_ok "$name" "exit status $rc after SIGINT (expected 1: stopped, not killed)" \
            "$(tail -n 5 "$T/err")"
    elif ! below "$took" "$LIMIT"; then
        not_ok "$name" "took $took s to stop (at most $LIMIT s)"
    elif ! grep -qE -- "$msg" "$T/err"; then
        not_ok "$name" "no /$msg/ on stderr" "$(tail -n 5 "$T/err")"
    elif grep -qE 'Sanitizer|runtime error' "$T/err"; then
        not_ok "$name" "sanitizer report" "$(grep -E 'ERROR|SUMMARY|runtime error' "$T/err" | head -n 3)"
    elif [ "$(grep -c 'error: ' "$T/err")" != 1 ]; then
        not_ok "$name" "expected one error line" "$(cat "$T/err")"
    else
        ok "$name (stopped in $took s)"
    fi
}

if [ ! -f data/mnist/train-images-idx3-ubyte ] && [ ! -f data/mnist/train-images-idx3-ubyte.gz ]; then
    skip "interrupts" "no MNIST in data/mnist (make data)"
else
    MLP='model new
model add dense 100 sigmoid input 784
model add dense 10 softmax
compile loss categorical_crossentropy optimizer sgd lr 0.5'

    printf 'load mnist\n%s\necho fitting\nfit batch 100 epochs 50\necho never\n' "$MLP" >"$T/cmds"
    interrupt "Ctrl-C during fit" "$T/cmds" "^fitting" 1.5 \
        "cmds:[0-9]+: error: fit interrupted \(Ctrl-C\)"
    if grep -q never "$T/out"; then not_ok "fit: the run stops after an interrupt" "the next line ran"; fi

    # evaluate and predict take under a second for an MLP: two convolutions on
    # the full-size images of the test set give them seconds of work.
    CNN='model new
model add conv2d 32 5x5 relu same input 28x28x1
model add conv2d 64 5x5 relu same
model add flatten
model add dense 10 softmax'
    printf 'load mnist train 100\n%s\necho evaluating\nevaluate\n' "$CNN" >"$T/cmds"
    interrupt "Ctrl-C during evaluate" "$T/cmds" "^evaluating" 0.5 "error: .*(interrupt|Ctrl-C)"
    printf 'load mnist train 100\n%s\necho predicting\npredict\n' "$CNN" >"$T/cmds"
    interrupt "Ctrl-C during predict" "$T/cmds" "^predicting" 0.5 "error: .*(interrupt|Ctrl-C)"

    # Interrupted once the iterations run (verbose 2 prints every 50): the
    # embedding of the last iteration is kept.
    printf 'load mnist train 100\ntsne raw first 10000 verbose 2 iterations 5000\n' >"$T/cmds"
    interrupt "Ctrl-C during tsne" "$T/cmds" "Iteration 50" 0.3 "error: .*(interrupt|Ctrl-C)"
    if grep -q "kept the embedding of the last iteration" "$T/out"; then
        ok "tsne: the embedding of the last iteration is kept"
    else
        not_ok "tsne: the embedding of the last iteration is kept" "$(tail -n 3 "$T/out")"
    fi
    # The live view draws its last frame and writes its animation within the second.
    printf 'load mnist train 100\ntsne raw first 10000 iterations 5000 live\n' >"$T/cmds"
    interrupt "Ctrl-C during tsne live" "$T/cmds" "t-SNE iteration 500/5000" 0.2 \
        "error: .*(interrupt|Ctrl-C)"
    if grep -q "tsne-live.gif" "$T/out"; then
        ok "tsne live: the animation of the run so far is written"
    else
        not_ok "tsne live: the animation of the run so far is written" "$(tail -n 3 "$T/out")"
    fi

    # A lesson stops at the interrupt too, naming its line.
    printf '# Long\n\n```untangle\nload mnist\n%s\necho fitting\nfit batch 100 epochs 50\necho never\n```\n' \
        "$MLP" >"$T/long.md"
    interrupt "Ctrl-C during a lesson replay" "$T/long.md" "^fitting" 1.5 \
        "long.md:10: error: fit interrupted \(Ctrl-C\)"
    if grep -q "^never" "$T/out"; then not_ok "lesson: the replay stops after an interrupt" "the next line ran"; fi
fi

# ---- at the prompt: needs a terminal, which script(1) gives ----
# script runs its command through $SHELL -c; `exec` makes untangle the terminal's
# only process, for a shell left waiting (dash) would die of the Ctrl-C itself.
if ! command -v script >/dev/null 2>&1; then
    skip "Ctrl-C at the prompt" "no script(1) to give the REPL a terminal"
else
    H="$T/history"
    # Type a command, half a line, Ctrl-C, Ctrl-C again, another command, Ctrl-D.
    (printf 'echo one\n'; sleep 1; printf 'echo half'; sleep 0.5; printf '\003'; sleep 0.5
     printf '\003'; sleep 0.5; printf 'echo two\n'; sleep 1; printf '\004') |
        UNTANGLE_HISTORY="$H" HOME="$T" SHELL=/bin/sh script -qec "exec '$U'" /dev/null >"$T/repl" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        not_ok "Ctrl-C at the prompt: the session goes on" "exit status $rc" "$(tail -n 3 "$T/repl")"
    elif ! tr -d '\r' <"$T/repl" | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g' | grep -aq '^two'; then
        not_ok "Ctrl-C at the prompt: the next line runs whole" \
            "$(grep -a 'error' "$T/repl" | tr -d '\033' | head -n 2)"
    else
        ok "Ctrl-C at the prompt: the session goes on, the next line runs whole"
    fi
    if [ "$(cat "$H" 2>/dev/null)" = "echo one
echo two" ]; then
        ok "Ctrl-C at the prompt: history keeps both commands, not the dropped line"
    else
        not_ok "Ctrl-C at the prompt: history keeps both commands, not the dropped line" \
            "history: $(tr '\n' '|' <"$H" 2>/dev/null)"
    fi
fi
exit 0
