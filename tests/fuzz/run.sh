#!/bin/sh
# Runs each fuzz target (built by `make fuzz` in $FUZZ_BUILD) for $FUZZ_SECONDS
# seconds, starting from tests/fuzz/seeds/<target>/ plus what earlier runs found
# ($FUZZ_BUILD/corpus/<target>/), and prints the executions per target.
# A crashing input is saved as $FUZZ_BUILD/crashes/<target>-crash-...; copy it
# into tests/fuzz/regress/<target>/ so that `make check` replays it for ever
# (tests/check_fuzz_replay.c), once the bug is fixed.
#
#   sh tests/fuzz/run.sh [TARGET...]      default: every target
set -u
S=${FUZZ_SECONDS:-60}
# Absolute paths: the command target works in a temporary folder of its own.
mkdir -p "${FUZZ_BUILD:-build-fuzz}"
B=$(cd "${FUZZ_BUILD:-build-fuzz}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- cmd lesson idx png model progress
mkdir -p "$B/crashes"
status=0
summary=""
for t in "$@"; do
    bin="$B/fuzz/fuzz_$t"
    if [ ! -x "$bin" ]; then
        echo "fuzz_$t: not built ($bin); run make fuzz"
        status=1
        continue
    fi
    mkdir -p "$B/corpus/$t"
    dict=""
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    log="$B/fuzz_$t.log"
    echo "== fuzz_$t for ${S} s"
    # rss 2 GiB: a reader that allocates more for a small file is a finding.
    # The regress inputs seed the run too, so a bug is found again at once.
    regress="$here/regress/$t"
    [ -d "$regress" ] || regress=""
    LSAN_OPTIONS="suppressions=$here/../lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$bin" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$B/crashes/$t-" $dict "$B/corpus/$t" "$here/seeds/$t" $regress \
        >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, features \2, corpus \3/p')
    if [ "$rc" = 0 ]; then
        line="fuzz_$t: ${execs:-?} executions in ${secs:-$S} s (${cov:-no stats}), no crash"
    else
        art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        line="fuzz_$t: CRASH after ${execs:-?} executions: ${art:-see $log}"
        grep -E 'ERROR: |SUMMARY: |contract broken|runtime error' "$log" | head -n 5 | sed 's/^/    /'
        status=1
    fi
    echo "$line"
    summary="$summary$line
"
done
echo
printf '%s' "$summary"
exit $status
