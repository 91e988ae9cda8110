#!/bin/sh
# Runs every Check suite given as argument, then the command-line tests and the
# lesson replays, and ends with one line "N passed, N failed".
set -u
passed=0
failed=0
failed_names=""
for t in "$@"; do
    name=$(basename "$t")
    log=$(mktemp)
    if "$t" >"$log" 2>&1; then ok=1; else ok=0; fi
    # Check prints "NN%: Checks: C, Failures: F, Errors: E".
    line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        bad=$((f + e))
        passed=$((passed + c - bad))
        failed=$((failed + bad))
        [ "$ok" = 1 ] && [ "$bad" -gt 0 ] && ok=0
    else
        if [ "$ok" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    fi
    if [ "$ok" = 1 ]; then
        echo "  PASS $name: $line"
    else
        echo "  FAIL $name"
        sed 's/^/    /' "$log" | grep -vE ':P:' | tail -n 30
        failed_names="$failed_names $name"
    fi
    rm -f "$log"
done

# Scripts that drive the real binary (command line, lesson replays, the HTML
# report in a browser...): each prints "  ok NAME", "  not ok NAME" or
# "  skip NAME: why" per case, and each case counts once.
run_script() {
    out=$(mktemp)
    UNTANGLE="${UNTANGLE:-./untangle}" sh "$1" >"$out" 2>&1
    cat "$out"
    p=$(grep -c '^  ok ' "$out")
    f=$(grep -c '^  not ok ' "$out")
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -gt 0 ] && failed_names="$failed_names $(basename "$1")"
    rm -f "$out"
}
if [ -x "${UNTANGLE:-./untangle}" ]; then
    for script in ${UNTANGLE_SCRIPTS:-tests/layers.sh tests/cli.sh tests/live.sh tests/prose.sh tests/html.sh tests/handin.sh tests/exercises.sh tests/bad_inputs.sh tests/interrupt.sh tests/valgrind.sh}; do
        [ -f "$script" ] && run_script "$script"
    done
fi

echo
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
