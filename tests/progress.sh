#!/bin/sh
# The student's progress file (docs/progress.md), through the binary: `lessons`
# reads it from $XDG_STATE_HOME/untangle/progress; a file cut short, garbled or
# from another version is refused in one line, kept aside as
# progress.corrupt-DATE and the list starts from nothing; `answer` and `reveal`
# outside learn mode say where they work.
# Prints "  ok NAME", "  not ok NAME" or "  skip NAME: why"; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-progress-XXXXXX)
trap 'rm -rf "$T"' EXIT
export UNTANGLE_HISTORY=/dev/null
export LANGUAGE= LC_ALL= LC_MESSAGES= LANG=C.UTF-8

. "$(dirname "$0")/cases.sh"

S=$T/state
P=$S/untangle/progress
export XDG_STATE_HOME="$S"

# ---- no progress yet ----
check "lessons without a progress file lists every lesson at nothing done" 0 \
    "^  01-logistic +exercises 0/[0-9]+ done, 0 skipped; questions 0/[0-9]+ answered$" -- "$U" -c lessons
n=$(grep -c '^  0[0-9]-' "$T/case.out")
want=$(ls lessons/en/*.md | wc -l)
[ "$n" = "$want" ] && ok "lessons lists the $want lessons of lessons/en" ||
    not_ok "lessons lists the $want lessons of lessons/en" "listed $n" "$(cat "$T/case.out")"
[ ! -e "$P" ] && ok "lessons reads the progress and writes none" ||
    not_ok "lessons reads the progress and writes none" "$(ls -la "$S/untangle")"
check "lessons names where the progress is kept" 0 "\(progress in $P\):$" -- "$U" -c lessons
check "lessons follows set lang" 0 "^leçons de .*lessons/fr" -- "$U" -c "set lang fr; lessons"
check "lessons is in help" 0 "^  lessons +" -- "$U" -c help
check "help lessons says where the progress is" 0 "XDG_STATE_HOME/untangle/progress" -- "$U" -c "help lessons"
XDG_STATE_HOME=relative HOME="$T/home" "$U" -c lessons >"$T/rel.out" 2>&1
grep -q "(progress in $T/home/.local/state/untangle/progress)" "$T/rel.out" &&
    ok "a relative XDG_STATE_HOME is ignored: the progress is under HOME" ||
    not_ok "a relative XDG_STATE_HOME is ignored: the progress is under HOME" "$(head -n 2 "$T/rel.out")"

# ---- a file written by hand ----
mkdir -p "$S/untangle"
good() {
    cat <<'P'
untangle-progress 1
lesson 1764712345 1 en/01-logistic
exercise 1 done 1764712345 2
exercise 2 skipped 1764712350 0
exercise 3 todo 1764712355 1
answer 1 1764712400 1 ten templates,\none per class \\ with a tab\there
answer 2 1764712401 1 
lesson 1764712500 0 en/02-mlp
exercise 1 done 1764712500 0
end 8
P
}
good >"$P"
check "a good progress file: done, skipped, answered, finished" 0 \
    "^  01-logistic +exercises 1/4 done, 1 skipped; questions 1/3 answered; finished$" -- "$U" -c lessons
grep -qE "^  02-mlp +exercises 1/2 done, 0 skipped; questions 0/3 answered$" "$T/case.out" &&
    ok "a good progress file: each lesson its own line" ||
    not_ok "a good progress file: each lesson its own line" "$(cat "$T/case.out")"
good | cmp -s - "$P" && [ "$(ls "$S/untangle")" = progress ] &&
    ok "reading a good file leaves it as it is" || not_ok "reading a good file leaves it as it is" "$(ls "$S/untangle")"

# ---- files refused: kept aside, never deleted, and the list starts from nothing ----
refused() { # NAME PATTERN: the file in $P is refused in one line naming PATTERN
    name=$1 pat=$2
    rm -f "$S/untangle/progress.corrupt-"*
    cp "$P" "$T/before"
    "$U" -c lessons >"$T/r.out" 2>"$T/r.err"
    rc=$?
    kept=$(ls "$S/untangle" | grep '^progress\.corrupt-[0-9]\{8\}-[0-9]\{6\}$')
    lines=$(grep -c "progress file" "$T/r.out")
    if [ "$rc" != 0 ]; then
        not_ok "$name" "status $rc" "$(cat "$T/r.err")"
    elif [ "$lines" != 1 ] || ! grep -qE "^the progress file '$P' cannot be read \($pat.*\); it was kept as '$S/untangle/$kept' and progress starts again$" "$T/r.out"; then
        not_ok "$name" "no one line /$pat/" "$(head -n 3 "$T/r.out")"
    elif [ -z "$kept" ] || ! cmp -s "$T/before" "$S/untangle/$kept"; then
        not_ok "$name" "not kept aside whole" "$(ls -l "$S/untangle")"
    elif [ -e "$P" ]; then
        not_ok "$name" "the refused file is still read from $P"
    elif ! grep -qE "^  01-logistic +exercises 0/4 done, 0 skipped; questions 0/3 answered$" "$T/r.out"; then
        not_ok "$name" "the list does not start from nothing" "$(cat "$T/r.out")"
    else
        ok "$name"
    fi
}
good | head -n 9 >"$P"
refused "a progress file cut after a whole line (no end line)" "it is cut short \(no end line\)"
good | head -c 200 >"$P"
refused "a progress file cut inside a line" "it is cut short \(its last line is not whole\)"
good | sed "s/^end 8$/end 7/" >"$P"
refused "a progress file whose end line counts otherwise" "line 10: the end line does not count"
good | sed '1s/ 1$/ 2/' >"$P"
refused "a progress file from a newer version" "it is of format version 2, and this untangle reads version 1"
head -c 3000 /dev/urandom >"$P"
refused "a progress file of random bytes" "it is not an untangle progress file|it is cut short|line 1: too long, or holds a NUL byte"
printf 'untangle-progress 1\nexercise 1 done 1 0\nend 1\n' >"$P"
refused "an exercise before any lesson" "line 2: an exercise before any lesson"
good | sed 's/^answer 1 1764712400 1 ten/answer 1 1764712400 1 \\q ten/' >"$P"
refused "an unknown escape in an answer" "line 6: the answer is too long or badly escaped"
good | sed 's/^answer 2 1764712401 1 $/answer 2 1764712401 5 /' >"$P"
refused "a revealed flag that is neither 0 nor 1" "line 7: an answer line is not"
good | sed 's/^lesson 1764712345 1 /lesson 1764712345 2 /' >"$P"
refused "a finished flag that is neither 0 nor 1" "line 2: a lesson line is not"
good | sed 's/^exercise 2 skipped 1764712350 0$/exercise 2 skipped 01764712350 0/' >"$P"
refused "a number written with a leading zero" "line 4: an exercise line is not"
good | sed 's/^exercise 1 done/exercise 1 finished/' >"$P"
refused "an unknown exercise status" "line 3: an exercise line is not"
: >"$P"
refused "an empty progress file" "it is empty"
# Two refusals in the same second keep both files.
good | head -n 3 >"$P"
"$U" -c lessons >/dev/null 2>&1
good | head -n 4 >"$P"
"$U" -c lessons >/dev/null 2>&1
[ "$(ls "$S/untangle" | grep -c '^progress\.corrupt-')" -ge 2 ] &&
    ok "a second refused file never replaces the first kept aside" ||
    not_ok "a second refused file never replaces the first kept aside" "$(ls "$S/untangle")"
rm -f "$S/untangle/progress"*
mkdir "$P"
check "a progress path that is a folder is an error, left where it is" 1 \
    "error: cannot read progress file '$P': it is a folder" -- "$U" -c lessons
[ -d "$P" ] && ok "the folder is left where it is" || not_ok "the folder is left where it is"
rmdir "$P"

# ---- answer and reveal outside learn mode ----
check "answer outside learn mode says where it works" 1 \
    "^-c:1: error: no question is open: answer works in \`untangle learn\`$" -- "$U" -c "answer ten templates"
check "reveal outside learn mode says where it works" 1 \
    "^-c:1: error: no question is open: reveal works in \`untangle learn\`$" -- "$U" -c "reveal"
check "answer alone outside learn mode reads no line" 1 \
    "^stdin:1: error: no question is open: answer works" -- sh -c "printf 'answer\nmy words\n\n' | '$U'"
[ ! -e "$P" ] && ok "answer outside learn mode writes no progress" ||
    not_ok "answer outside learn mode writes no progress" "$(ls -la "$S/untangle")"

exit 0
