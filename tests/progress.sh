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

# ---- answer and reveal in learn mode ----
if ! "$U" -c "help learn" >/dev/null 2>&1; then
    skip "answer and reveal in learn mode" "this untangle has no learn mode"
    exit 0
fi
rm -rf "$S"
cat >"$T/q.md" <<'MD'
# Questions

Some text.

> **Question** What does a softmax give?

> **Answer** Ten probabilities that sum to 1.

Between.

> **Question** And a sigmoid?

> **Answer** One number between 0 and 1.

After.
MD
learner() { # NAME INPUT: pipes INPUT (printf's escapes) into `untangle learn q.md`
    printf "$2" | "$U" --term none --output "$T/out" learn "$T/q.md" >"$T/$1" 2>&1
}
key=$(cd "$T" && pwd -P)/q
learner one 'answer ten probabilities ; "summing" to one #1\n\nreveal\n\n'
if grep -q "answer to question 1 kept" "$T/one" && grep -q "^The reference answer:" "$T/one" &&
    grep -q "Ten probabilities that sum to 1" "$T/one"; then
    ok "learn: answer TEXT keeps the answer, then shows the reference"
else
    not_ok "learn: answer TEXT keeps the answer, then shows the reference" "$(tail -n 8 "$T/one")"
fi
grep -q "One number between 0 and 1" "$T/one" &&
    ok "learn: reveal shows the reference answer of the question open" ||
    not_ok "learn: reveal shows the reference answer of the question open" "$(tail -n 8 "$T/one")"
if grep -qE "^lesson [0-9]+ [01] $key\$" "$P" &&
    grep -qE '^answer 1 [0-9]+ 1 ten probabilities ; "summing" to one #1$' "$P" &&
    grep -qE '^answer 2 [0-9]+ 1 $' "$P"; then
    ok "learn: the progress file holds the answer as typed (its ; # and quotes too) and the reveal at once"
else
    not_ok "learn: the progress file holds the answer as typed (its ; # and quotes too) and the reveal at once" "$(cat "$P" 2>&1)"
fi
grep -q "unknown command" "$T/one" &&
    not_ok "learn: a ; in an answer runs nothing after it" "$(grep 'unknown command' "$T/one")" ||
    ok "learn: a ; in an answer runs nothing after it"
learner skipq 'skip\nquit\n'
grep -q "error: no exercise is open here but a question: .answer. it, or press Enter to go on" "$T/skipq" &&
    ok "learn: skip at a question says how to go on" ||
    not_ok "learn: skip at a question says how to go on" "$(tail -n 5 "$T/skipq")"
learner two 'answer\nfirst line; with # and \\\\ kept\n  second line\n\nanswer\n\n\n'
# Two backslashes typed are four in the file, the line break is \n.
if grep -F ' 1 first line; with # and \\\\ kept\n  second line' "$P" | grep -qE '^answer 1 [0-9]+ 1 first'; then
    ok "learn: answer alone takes the lines up to an empty one, as typed, and they round-trip"
else
    not_ok "learn: answer alone takes the lines up to an empty one, as typed, and they round-trip" "$(cat "$P")" "$(tail -n 5 "$T/two")"
fi
grep -q "error: answer: the answer is empty" "$T/two" &&
    ok "learn: an empty answer is refused in one line" ||
    not_ok "learn: an empty answer is refused in one line" "$(tail -n 5 "$T/two")"

# A kill -9 during a progress save leaves the old file whole. The file is made
# large (about 15 MB of answers) so that the save takes long enough to be caught
# with its temporary file there.
awk 'BEGIN {
    s = ""; for (i = 0; i < 6000; i++) s = s "0123456789";
    print "untangle-progress 1";
    for (l = 1; l <= 250; l++) { print "lesson 1 0 zz/big-" l; print "answer 1 1 0 " s }
    print "end 500" }' >"$T/big"
caught=0
for try in 1 2 3 4 5; do
    cp "$T/big" "$P"
    rm -f "$S/untangle/progress.tmp."*
    printf 'answer a new answer\n' | "$U" --term none --output "$T/out" learn "$T/q.md" >"$T/k.out" 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 20000 ] && kill -0 $pid 2>/dev/null; do
        if ls "$S/untangle" | grep -q '^progress\.tmp\.'; then
            kill -KILL $pid 2>/dev/null
            break
        fi
        i=$((i + 1))
    done
    wait $pid 2>/dev/null
    if ls "$S/untangle" | grep -q '^progress\.tmp\.'; then
        caught=$((caught + 1))
        if ! cmp -s "$T/big" "$P"; then
            not_ok "a kill -9 during a progress save leaves the old file whole" "try $try: the file changed"
            caught=-100
        fi
    fi
done
if [ "$caught" -gt 0 ]; then
    ok "a kill -9 during a progress save leaves the old file whole ($caught of 5 kills caught a save)"
elif [ "$caught" = 0 ]; then
    skip "a kill -9 during a progress save" "no kill landed while the temporary file was there"
fi
# The next save removes what the killed one left, and the file reads whole.
cp "$T/big" "$P"
learner after 'answer after the kill\n\n'
if [ "$(ls "$S/untangle" | grep -c '^progress\.tmp\.')" = 0 ] && grep -qE '^answer 1 [0-9]+ 1 after the kill$' "$P" &&
    "$U" -c lessons 2>&1 | grep -vq "cannot be read"; then
    ok "after a killed save, the next save removes its temporary file and writes a whole file"
else
    not_ok "after a killed save, the next save removes its temporary file and writes a whole file" "$(ls "$S/untangle")"
fi

# ---- the hand-in of a learn session: each exercise's status from the progress,
# the answers beside the folded reference answers, the checksum ----
cat >"$T/ex.md" <<'MD'
# Exercises

Some text.

### Exercise 1: a layer

```untangle exercise
model new
model add dense 3 input 4
expect model == dense 3
```

### Exercise 2: another layer

```untangle exercise
model add dense 2
expect layers == 2
```

> **Question** What does a softmax give?

> **Answer** Ten probabilities that sum to 1.

### Exercise 3: compile

```untangle exercise
compile lr 0.1
expect compiled
```
MD
rm -rf "$S"
printf 'model new\nmodel add dense 3 input 4\nskip\nanswer ten numbers that sum to one, a<b et c>d\n\nhandin %s/h.html\nquit\n' "$T" |
    USER=ada "$U" --term none --output "$T/out" learn "$T/ex.md" >"$T/h.out" 2>&1
H=$T/h.html
printf 'reveal\nquit\n' | "$U" --term none --output "$T/out" learn "$T/ex.md" >"$T/three" 2>&1
grep -q "error: no question is open yet: reveal works once the lesson asks one" "$T/three" &&
    ok "learn: reveal before any question says so" ||
    not_ok "learn: reveal before any question says so" "$(head -n 8 "$T/three")"
if [ ! -f "$H" ]; then
    not_ok "handin in learn mode writes the page" "$(tail -n 5 "$T/h.out")"
else
    ok "handin in learn mode writes the page"
    if grep -q '<td>1. Exercise 1: a layer</td><td class="done">done</td>' "$H" &&
        grep -q '<td>2. Exercise 2: another layer</td><td class="skipped">skipped</td>' "$H" &&
        grep -q '<td>3. Exercise 3: compile</td><td class="open">not done</td>' "$H"; then
        ok "the hand-in gives each exercise's status (progress, else this session): done, skipped, not done"
    else
        not_ok "the hand-in gives each exercise's status (progress, else this session): done, skipped, not done" \
            "$(grep -o '<td>[0-9]\. [^<]*</td><td[^>]*>[^<]*</td>' "$H")"
    fi
    if grep -q '<div class="student"><p>ten numbers that sum to one, a&lt;b et c&gt;d</p>' "$H" &&
        grep -A2 'ten numbers that sum to one' "$H" | grep -q '<details class="reference"><summary>Reference answer</summary>' &&
        ! grep -q 'untangle&gt; answer' "$H"; then
        ok "the hand-in shows the answer (its <...> as text) beside the folded reference, not as a command"
    else
        not_ok "the hand-in shows the answer (its <...> as text) beside the folded reference, not as a command" "$(grep -n 'student\|answer' "$H" | head -n 5)"
    fi
    check "the learn hand-in passes check-handin" 0 "intact" -- "$U" check-handin "$H"
    sed 's/ten numbers that sum to one/ten numbers that sum to One/' "$H" >"$T/edited.html"
    check "one byte edited in the learn hand-in fails check-handin" 1 "edited after it was written" -- \
        "$U" check-handin "$T/edited.html"
    CHROME=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$CHROME" ]; then
        skip "the learn hand-in in a browser" "chromium is not installed"
    else
        timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$T/profile" --virtual-time-budget=5000 --dump-dom "file://$H" \
            >"$T/h.dom" 2>/dev/null
        if grep -q 'data-figures="0/0"' "$T/h.dom" &&
            grep -q 'class="skipped">skipped' "$T/h.dom" &&
            grep -q 'ten numbers that sum to one' "$T/h.dom" &&
            grep -q "$(grep -o 'untangle-sha256">[0-9a-f]*' "$H" | cut -d'>' -f2)" "$T/h.dom"; then
            ok "the learn hand-in opens in Chromium with its statuses, answer and checksum"
        else
            not_ok "the learn hand-in opens in Chromium with its statuses, answer and checksum" \
                "$(grep -o 'data-figures="[^"]*"' "$T/h.dom")"
        fi
    fi
    printf 'handin %s/h2.html\nquit\n' "$T" | "$U" --term none --output "$T/out" learn "$T/ex.md" >"$T/h2.out" 2>&1
    if grep -q 'Answers given in earlier sessions' "$T/h2.html" 2>/dev/null &&
        grep -q '<div class="student"><p>ten numbers that sum to one, a&lt;b et c&gt;d</p>' "$T/h2.html" &&
        { ! grep -q '^exercise ' "$P" || grep -q '<td class="skipped">skipped</td>' "$T/h2.html"; }; then
        ok "a hand-in of a later session shows the answers of earlier ones from the progress"
    else
        not_ok "a hand-in of a later session shows the answers of earlier ones from the progress" "$(tail -n 4 "$T/h2.out")"
    fi
fi


# ---- a finished lesson learnt again: a new attempt, whose marks are its own ----
rm -rf "$S"
printf 'skip\nskip\n\nmodel add activation softmax; compile lr 0.1\n' |
    "$U" --term none --output "$T/out" learn "$T/ex.md" >"$T/again1" 2>&1
if grep -qE '^lesson [0-9]+ 1 ' "$P" 2>/dev/null && [ "$(grep -c '^exercise [12] skipped ' "$P")" = 2 ] &&
    grep -q '^exercise 3 done ' "$P"; then
    ok "learnt again: first the lesson finished, two exercises skipped, one done"
else
    not_ok "learnt again: first the lesson finished, two exercises skipped, one done" "$(cat "$P" 2>&1)"
fi
printf 'model new\nmodel add dense 3 input 4\nhandin %s/again.html\nquit\n' "$T" |
    "$U" --term none --output "$T/out" learn "$T/ex.md" >"$T/again2" 2>&1
if grep -qE '^exercise 1 done ' "$P" && ! grep -q '^exercise [23] ' "$P" && grep -qE '^lesson [0-9]+ 0 ' "$P"; then
    ok "learnt again from its beginning: the file keeps this attempt's marks only"
else
    not_ok "learnt again from its beginning: the file keeps this attempt's marks only" "$(cat "$P")"
fi
A=$T/again.html
if grep -q '<td>1. Exercise 1: a layer</td><td class="done">done</td>' "$A" &&
    grep -q '<td>2. Exercise 2: another layer</td><td class="open">not done</td>' "$A" &&
    grep -q '<p class="summary">Exercises: 1 done, 0 skipped, 1 open\.' "$A"; then
    ok "... and its hand-in agrees with itself: the table and the summary count the same"
else
    not_ok "... and its hand-in agrees with itself: the table and the summary count the same" \
        "$(grep -o '<td>[0-9]\. [^<]*</td><td[^>]*>[^<]*</td>\|<p class="summary">[^.]*' "$A" 2>&1)"
fi
printf 'where\nquit\n' | "$U" --term none --output "$T/out" learn "$T/ex.md" >"$T/again3" 2>&1
if grep -q 'Resuming lesson ex at exercise 2' "$T/again3" &&
    grep -q '^Exercise 2: another layer (exercise 2 of 3)$' "$T/again3"; then
    ok "... and the next session resumes at the exercise the student was on"
else
    not_ok "... and the next session resumes at the exercise the student was on" "$(grep -n 'Resuming\|^Exercise' "$T/again3")"
fi


# ---- two untangle at once: each save keeps the other's lessons, under a lock ----
rm -rf "$S"
mkfifo "$T/fifo"
"$U" --term none --output "$T/out" learn "$T/ex.md" <"$T/fifo" >"$T/first" 2>&1 &
first=$!
exec 7>"$T/fifo"
i=0 # the first has read the (empty) progress once it asks for commands
while [ $i -lt 200 ] && ! grep -q 'Your turn' "$T/first"; do sleep 0.05; i=$((i + 1)); done
learner second 'answer from the second untangle\n\n\n'
printf 'model new\nmodel add dense 3 input 4\nquit\n' >&7
exec 7>&-
wait $first
if grep -qE '^answer 1 [0-9]+ 1 from the second untangle$' "$P" && grep -qE '^exercise 1 done ' "$P"; then
    ok "two untangle at once: the later save keeps the lesson the other saved"
else
    not_ok "two untangle at once: the later save keeps the lesson the other saved" "$(cat "$P" 2>&1)"
fi
if command -v flock >/dev/null 2>&1; then
    # A save waits while another holds the lock beside the file.
    flock "$P.lock" sh -c "sleep 2; date +%s.%N >'$T/released'" &
    holder=$!
    sleep 0.3
    learner locked 'answer while the lock is held\n\n\n'
    wait $holder
    saved=$(stat -c %.9Y "$P")
    if grep -qE '^answer 1 [0-9]+ 1 while the lock is held$' "$P" &&
        awk -v s="$saved" -v r="$(cat "$T/released")" 'BEGIN { exit !(s >= r) }'; then
        ok "a save waits for the lock on progress.lock, then writes"
    else
        not_ok "a save waits for the lock on progress.lock, then writes" \
            "saved at $saved, lock released at $(cat "$T/released" 2>&1)" "$(grep '^answer' "$P")"
    fi
else
    skip "a save waits for the lock" "no flock(1) (util-linux)"
fi

exit 0
