# cases.sh: what the command-line test scripts share (sourced, after they set $T,
# their temporary folder). Each case prints "  ok NAME" or "  not ok NAME" with
# the lines that tell why; tests/run.sh counts them.

ok() { echo "  ok $1"; }
not_ok() { echo "  not ok $1"; shift; for l in "$@"; do echo "      $l"; done; }
skip() { echo "  skip $1: $2"; }

# Times: now, the seconds from $1 to $2, whether $1 < $2.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# check NAME EXPECTED_STATUS PATTERN_IN_OUTPUT -- command...: the command's exit
# status, and an extended regular expression its output must hold ("" for none).
check() {
    name=$1 want=$2 pat=$3
    shift 4
    "$@" >"$T/case.out" 2>&1
    got=$?
    if [ "$got" != "$want" ]; then
        not_ok "$name" "exit status $got, expected $want" "$(tail -n 5 "$T/case.out")"
    elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$T/case.out"; then
        not_ok "$name" "output lacks /$pat/" "$(tail -n 5 "$T/case.out")"
    else
        ok "$name"
    fi
}
