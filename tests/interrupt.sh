#!/bin/sh
# Ctrl-C: SIGINT sent to scripted runs. fit, evaluate, predict, tsne, a big
# model add and a save must return within a second with the "interrupted"
# message and exit status 130 (stopped cleanly, not killed: the handler ran),
# and no sanitizer report; a Ctrl-C between two commands of a pipe or a -c
# string stops the run too; SIGTERM during a save leaves the old file and no
# temporary file (status 143); at the prompt, Ctrl-C drops the line being typed
# or stops the running command, and keeps the session and its history.
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

# interrupt NAME FILE MARKER DELAY MESSAGE [SIGNAL STATUS]: replays FILE
# (commands, or a lesson; `-c` and a string also work) in the background, waits
# for MARKER on its output, sleeps DELAY, sends SIGNAL (INT), and checks how it
# ends: STATUS (130), at once, one error line matching MESSAGE.
interrupt() {
    name=$1 file=$2 marker=$3 delay=$4 msg=$5 sig=${6:-INT} want=${7:-130}
    : >"$T/out"
    : >"$T/err"
    if [ "$file" = -c ]; then set -- -c "$marker_cmds"; else set -- "$file"; fi
    "$U" --term none --output "$T/pics" "$@" >"$T/out" 2>"$T/err" &
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
    kill -"$sig" $pid
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
    if [ "$rc" != "$want" ]; then
        not_ok "$name" "exit status $rc after SIG$sig (expected $want: stopped cleanly)" \
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

    # A big picture (drawing, then writing the PNG) takes seconds: stopped at once.
    printf 'load mnist train 100 test 300\ntsne raw first 200 iterations 250 perplexity 10\necho plotting\nplot "x" size 12000x12000 to %s/big.png\necho never\n' "$T" >"$T/cmds"
    interrupt "Ctrl-C while drawing a 12000x12000 plot" "$T/cmds" "^plotting" 0.5 \
        "cmds:4: error: interrupted \(Ctrl-C\) during (drawing|writing) the picture"
    [ -e "$T/big.png" ] && not_ok "plot interrupted: no picture written" "$T/big.png exists"

    # A lesson stops at the interrupt too, naming its line.
    printf '# Long\n\n```untangle\nload mnist\n%s\necho fitting\nfit batch 100 epochs 50\necho never\n```\n' \
        "$MLP" >"$T/long.md"
    interrupt "Ctrl-C during a lesson replay" "$T/long.md" "^fitting" 1.5 \
        "long.md:10: error: fit interrupted \(Ctrl-C\)"
    if grep -q "^never" "$T/out"; then not_ok "lesson: the replay stops after an interrupt" "the next line ran"; fi
fi

# ---- what the first campaign missed: Ctrl-C between commands, in commands
# that did not look at it, and SIGTERM during a save (no MNIST needed) ----

# A pipe: the Ctrl-C comes while untangle waits for the next line.
mkfifo "$T/feed"
: >"$T/out"
"$U" --term none <"$T/feed" >"$T/out" 2>"$T/err" &
pid=$!
exec 3>"$T/feed"
echo "echo one" >&3
if wait_for "$T/out" "^one" 20; then
    kill -INT $pid
    sleep 0.3
    (echo "echo never" >&3) 2>/dev/null # a subshell: SIGPIPE, if it comes, is its own
    exec 3>&-
    wait $pid
    rc=$?
    if [ "$rc" = 130 ] && grep -q '^stdin:2: error: interrupted (Ctrl-C); the run stops here$' "$T/err" &&
        [ "$(wc -l <"$T/err")" = 1 ] && ! grep -q never "$T/out"; then
        ok "Ctrl-C between two lines of a pipe stops the run (130, stdin:2)"
    else
        not_ok "Ctrl-C between two lines of a pipe stops the run (130, stdin:2)" "exit $rc" "$(cat "$T/err")"
    fi
else
    exec 3>&-
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    not_ok "Ctrl-C between two lines of a pipe stops the run" "never printed one"
fi

# A model add of a big layer takes seconds of page filling and looked at nothing.
marker_cmds='echo adding; model new; model add dense 16000 input 16000; echo never'
interrupt "Ctrl-C during a big model add (-c)" -c "^adding" 0.3 \
    "^-c:1: error: interrupted \(Ctrl-C\) during model add$"
grep -q never "$T/out" && not_ok "model add: the rest of -c does not run" "the next command ran"

# SIGTERM during a save of 1 GiB: the old file stays byte for byte, no temp file.
mkdir -p "$T/pics"
"$U" --term none --output "$T/pics" -c "model new; model add dense 10 input 20; model save big" \
    >/dev/null 2>&1
cp "$T/pics/big.model" "$T/old.model"
marker_cmds='model new; model add dense 16000 input 16000; echo saving; model save big; echo never'
interrupt "SIGTERM during a model save" -c "^saving" 0.2 \
    "^-c:1: error: stopped by SIGTERM during model save; the previous file, if any, is unchanged$" TERM 143
if cmp -s "$T/old.model" "$T/pics/big.model" && [ "$(ls "$T/pics" | grep -c '\.tmp\.')" = 0 ]; then
    ok "SIGTERM during a save: the old model intact, no temporary file"
else
    not_ok "SIGTERM during a save: the old model intact, no temporary file" "$(ls -l "$T/pics")"
fi
marker_cmds='model new; model add dense 16000 input 16000; echo saving; model save big; echo never'
interrupt "Ctrl-C during a model save" -c "^saving" 0.2 \
    "^-c:1: error: interrupted \(Ctrl-C\) during model save; the previous file, if any, is unchanged$"
if cmp -s "$T/old.model" "$T/pics/big.model" && [ "$(ls "$T/pics" | grep -c '\.tmp\.')" = 0 ]; then
    ok "Ctrl-C during a save: the old model intact, no temporary file"
else
    not_ok "Ctrl-C during a save: the old model intact, no temporary file" "$(ls -l "$T/pics")"
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

    # Ctrl-C while a command runs that took seconds and looked at nothing: back
    # at the prompt at once, the session and its model as they were.
    t0=$(now)
    (printf 'model new\n'; sleep 0.5; printf 'model add dense 16000 input 16000\n'; sleep 1
     printf '\003'; sleep 1; printf 'echo back\n'; sleep 0.5; printf '\004') |
        UNTANGLE_HISTORY="$T/history2" HOME="$T" SHELL=/bin/sh script -qec "exec '$U'" /dev/null >"$T/repl" 2>&1
    rc=$?
    took=$(elapsed "$t0" "$(now)")
    clean=$(tr -d '\r' <"$T/repl" | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g')
    if [ "$rc" = 0 ] && printf '%s\n' "$clean" | grep -aq 'error: interrupted (Ctrl-C) during model add' &&
        printf '%s\n' "$clean" | grep -aq '^back' && below "$took" 6; then
        ok "Ctrl-C at the prompt stops a running model add (session of $took s)"
    else
        not_ok "Ctrl-C at the prompt stops a running model add" "exit $rc, $took s" \
            "$(printf '%s\n' "$clean" | tail -n 4)"
    fi

    # A history file that is a FIFO: the session starts (the open does not
    # block), says it once, and goes on without history.
    mkfifo "$T/hfifo"
    (printf 'echo two\n'; sleep 0.5; printf '\004') |
        UNTANGLE_HISTORY="$T/hfifo" HOME="$T" SHELL=/bin/sh timeout 20 script -qec "exec '$U'" /dev/null \
        >"$T/repl" 2>&1
    rc=$?
    clean=$(tr -d '\r' <"$T/repl" | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g')
    if [ "$rc" = 0 ] && printf '%s\n' "$clean" | grep -aq '^two' && [ -p "$T/hfifo" ] &&
        printf '%s\n' "$clean" | grep -aq "^untangle: error: cannot keep the history in '$T/hfifo': it is a named pipe (FIFO), not a regular file; history is off"; then
        ok "a history file that is a FIFO: one line, the session goes on"
    else
        not_ok "a history file that is a FIFO: one line, the session goes on" "exit $rc" \
            "$(printf '%s\n' "$clean" | head -n 4)"
    fi
fi
exit 0
