#!/bin/sh
# Command-line tests: untangle as a person runs it (-c, pipes, lessons, errors).
# Prints "  ok NAME" or "  not ok NAME" per case; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { echo "  ok $1"; }
not_ok() { echo "  not ok $1"; shift; for l in "$@"; do echo "      $l"; done; }

# case NAME EXPECTED_STATUS PATTERN_IN_OUTPUT -- command...
check() {
    name=$1 want=$2 pat=$3
    shift 4
    "$@" >"$T/out" 2>&1
    got=$?
    if [ "$got" != "$want" ]; then
        not_ok "$name" "exit status $got, expected $want" "$(tail -n 5 "$T/out")"
    elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$T/out"; then
        not_ok "$name" "output lacks /$pat/" "$(tail -n 5 "$T/out")"
    else
        ok "$name"
    fi
}

check "--version" 0 '^untangle [0-9]' -- "$U" --version
check "--help" 0 'usage: untangle' -- "$U" --help
check "unknown option" 2 "unknown option '--nope'" -- "$U" --nope
check "-c runs commands" 0 '^hello world$' -- "$U" -c "echo hello world"
check "-c semicolons and comments" 0 '^two$' -- "$U" -c "echo one; echo two # not three"
check "-c unknown command suggests" 1 "^-c:1: error: unknown command 'lod'; did you mean 'load'" -- "$U" -c "lod mnist"
check "-c stops at the first error" 1 "" -- sh -c "\"$U\" -c 'echo a; nope; echo after' | grep -q after && exit 9; exit 1"
check "missing word names it and the help topic" 1 "error: set seed needs N: .*; see \`help set seed\`" -- "$U" -c "set seed"
check "bad number names the argument" 1 "bad seed 'abc'" -- "$U" -c "set seed abc"
check "bad choice lists the choices" 1 "bad set sub-command 'sede' \(should be seed, threads, term, live or output\)" -- "$U" -c "set sede 3"
check "unterminated quote" 1 "unterminated double quote" -- "$U" -c 'echo "abc'
check "help lists commands" 0 '^  load ' -- "$U" -c "help"
check "help COMMAND" 0 '^    set seed N' -- "$U" -c "help set"
check "help COMMAND SUB" 0 '^model add conv2d FILTERS KxK' -- "$U" -c "help model add conv2d"
check "help unknown suggests" 1 "did you mean 'load'" -- "$U" -c "help laod"
printf 'echo first\n\nnope\necho never\n' >"$T/cmds"
check "pipe names stdin:LINE" 1 "^stdin:3: error: unknown command 'nope'" -- sh -c "\"$U\" <\"$T/cmds\""
check "command file names FILE:LINE" 1 "cmds:3: error: unknown command 'nope'" -- "$U" "$T/cmds"
cat >"$T/bad.md" <<'MD'
# A lesson with a typo

Some prose.

```untangle
echo fine
lod mnist
```
MD
check "lesson typo fails with FILE:LINE" 1 "bad.md:7: error: unknown command 'lod'; did you mean 'load'" -- "$U" "$T/bad.md"
printf '# Open\n\n```untangle\necho x\n' >"$T/open.md"
check "unterminated block is refused" 1 "never closed" -- "$U" "$T/open.md"
cat >"$T/expect.md" <<'MD'
```untangle
expect nothing_yet > 1
```
MD
check "expect on an unknown figure fails" 1 "expect.md:2: error: expect: no figure 'nothing_yet'" -- "$U" "$T/expect.md"
cat >"$T/write.md" <<'MD'
```untangle
set output /tmp
```
MD
check "a lesson may not write outside the output folder" 1 "may not write" -- sh -c "cd \"$T\" && \"$U\" write.md"
check "--allow-write lets it" 0 "" -- sh -c "cd \"$T\" && \"$U\" --allow-write /tmp write.md"

# Data-dependent cases need MNIST (make data): without it they are reported as
# skipped, which fails the run under CI=true (tests/run.sh).
if [ -f data/mnist/t10k-images-idx3-ubyte ]; then
    check "load and show the 10x20 grid" 0 "wrote $T/g.png \(720x380\)" -- "$U" -c "load mnist train 300 test 100; show images 200 to $T/g.png"
    # A person's own digit through -c, as typed at the prompt: a test image
    # written as a PNG, then classified by a small trained model.
    check "predict image FILE.png in -c" 0 "^predicted [0-9] \(probability" -- "$U" --term none --output "$T/pics" -c \
        "load mnist train 2000 test 10; show images 1 from test to $T/seven.png; model new; model add dense 10 softmax input 784; compile lr 0.5; fit epochs 2 verbose 0; predict image $T/seven.png to $T/seen.png"
    for lesson in lessons/en/*.md lessons/fr/*.md; do
        [ -f "$lesson" ] || continue
        check "replay $lesson (quick)" 0 "" -- "$U" --quick --output "$T/pics" --term none "$lesson"
    done
else
    echo "  skip MNIST cases (grid, predict image, lesson replays): data/mnist is missing; run make data"
fi
exit 0
