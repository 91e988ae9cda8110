#!/bin/sh
# Runs every Check suite given as argument, then the command-line tests and the
# lesson replays, and ends with one line "N passed, N failed, N skipped".
#
# A case that cannot run here prints "  skip NAME: why" (tests/cases.sh); one
# skipped for want of MNIST says "(make data)" in its reason, and under CI=true,
# where MNIST is always fetched, such a skip counts as a failure. A suite or a
# script that exits non-zero without reporting a failure died: one failure.
set -u
passed=0
failed=0
skipped=0
failed_names=""

# count_skips LOG: adds LOG's skip lines to $skipped, or to $failed for MNIST
# skips under CI=true; sets $nskip to the number of skip lines.
count_skips() {
    nskip=$(grep -c '^  skip ' "$1")
    mnist=$(grep '^  skip ' "$1" | grep -c '(make data)')
    if [ "${CI:-}" = true ] && [ "$mnist" -gt 0 ]; then
        echo "  not ok $mnist case(s) skipped for want of MNIST, which CI fetches:"
        grep '^  skip ' "$1" | grep '(make data)' | sed 's/^/    /'
        failed=$((failed + mnist))
        skipped=$((skipped + nskip - mnist))
        ci_failed=1
    else
        skipped=$((skipped + nskip))
        ci_failed=0
    fi
}
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
        # A test that returned early with a skip line is no pass.
        count_skips "$log"
        good=$((c - bad - nskip))
        [ "$good" -lt 0 ] && good=0
        passed=$((passed + good))
        failed=$((failed + bad))
        [ "$ok" = 1 ] && [ "$bad" -gt 0 ] && ok=0
        # Died (a crash outside a test, or an abort in the runner): one failure.
        [ "$ok" = 0 ] && [ "$bad" = 0 ] && failed=$((failed + 1))
        [ "$ci_failed" = 1 ] && ok=0
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
# "  skip NAME: why" per case, and each case counts once. A script ends with
# status 0 once it has reported: any other status, or no case reported at all,
# is one more failure (it died part way, or before it could say anything).
run_script() {
    out=$(mktemp)
    UNTANGLE="${UNTANGLE:-./untangle}" sh "$1" >"$out" 2>&1
    rc=$?
    cat "$out"
    p=$(grep -c '^  ok ' "$out")
    f=$(grep -c '^  not ok ' "$out")
    count_skips "$out"
    if [ "$rc" != 0 ] || [ $((p + f + nskip)) = 0 ]; then
        echo "  not ok $(basename "$1") ended with status $rc after $((p + f + nskip)) case(s)"
        f=$((f + 1))
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -gt 0 ] || [ "$ci_failed" = 1 ] && failed_names="$failed_names $(basename "$1")"
    rm -f "$out"
}
if [ -x "${UNTANGLE:-./untangle}" ]; then
    for script in ${UNTANGLE_SCRIPTS:-tests/layers.sh tests/cli.sh tests/live.sh tests/prose.sh tests/html.sh tests/handin.sh tests/progress.sh tests/exercises.sh tests/learn.sh tests/bad_inputs.sh tests/help_topics.sh tests/i18n.sh tests/interrupt.sh tests/valgrind.sh}; do
        [ -f "$script" ] && run_script "$script"
    done
fi

echo
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
