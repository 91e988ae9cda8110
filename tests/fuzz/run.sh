#!/bin/sh
# Runs each fuzz target (built by `make fuzz` in $FUZZ_BUILD) for $FUZZ_SECONDS
# seconds, starting from tests/fuzz/seeds/<target>/, the kept corpus
# (tests/fuzz/corpus/<target>/) and what earlier runs found
# ($FUZZ_BUILD/corpus/<target>/), and prints the executions per target.
# FUZZ_RUNS=N stops a target earlier, after N executions (to bring a target to a
# total count without running it longer than that takes).
# FUZZ_KEEP=1 then rewrites the kept corpus as the smallest set of inputs that
# covers what all of these cover (libFuzzer's -merge=1), for `make check` to
# replay (tests/check_fuzz_replay.c) and the next run to start from.
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
[ $# -gt 0 ] || set -- cmd line lesson idx png model progress
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
    kept="$here/corpus/$t"
    [ -d "$kept" ] || kept=""
    LSAN_OPTIONS="suppressions=$here/../lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$bin" -max_total_time="$S" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$B/crashes/$t-" $dict "$B/corpus/$t" "$here/seeds/$t" $kept $regress \
        >"$log" 2>&1
    rc=$?
    if [ "$rc" = 0 ] && [ "${FUZZ_KEEP:-0}" = 1 ]; then
        rm -rf "$B/merged/$t"
        mkdir -p "$B/merged/$t" "$here/corpus"
        if LSAN_OPTIONS="suppressions=$here/../lsan.supp:print_suppressions=0" \
            "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$B/merged/$t" $kept "$B/corpus/$t" \
            >"$B/fuzz_$t.merge.log" 2>&1; then
            rm -rf "$here/corpus/$t"
            mv "$B/merged/$t" "$here/corpus/$t"
            echo "fuzz_$t: kept $(ls "$here/corpus/$t" | wc -l) inputs in tests/fuzz/corpus/$t"
        else
            echo "fuzz_$t: the merge failed, see $B/fuzz_$t.merge.log"
            status=1
        fi
    fi
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
