#!/bin/sh
# Learn mode (`untangle learn`, `learn` at the prompt) through the real binary:
# a scripted student types into a pipe (and, for readline, a terminal that
# script(1) gives), and the cases read what the shell answered. Progress always
# goes to a temporary $XDG_STATE_HOME. Run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-learn-XXXXXX)
trap 'rm -rf "$T"' EXIT
export XDG_STATE_HOME="$T/state"
export HOME="$T"
export UNTANGLE_HISTORY=/dev/null
unset LANGUAGE LC_ALL LC_MESSAGES
export LANG=C.UTF-8

. "$(dirname "$0")/cases.sh"

# student NAME INPUT [ARGS...]: pipes INPUT (printf's escapes) into `untangle
# --quick --term none learn ARGS`, with the progress in $STATE, else in a folder
# of its own; the transcript in $T/NAME, the status in $rc.
student() {
    name=$1 input=$2
    shift 2
    printf "$input" | XDG_STATE_HOME="${STATE:-$T/state-$name}" \
        "$U" --quick --term none --output "$T/out" learn "$@" >"$T/$name" 2>&1
    rc=$?
}
# has NAME CASE PATTERN: the transcript holds the extended regular expression.
has() {
    if grep -qE -- "$3" "$T/$1"; then ok "$2"; else not_ok "$2" "no /$3/ in:" "$(tail -n 8 "$T/$1")"; fi
}
lacks() {
    if grep -qE -- "$3" "$T/$1"; then not_ok "$2" "$(grep -nE -- "$3" "$T/$1" | head -n 3)"; else ok "$2"; fi
}
# count NAME CASE PATTERN N: the pattern is on N lines exactly.
count() {
    n=$(grep -cE -- "$3" "$T/$1")
    if [ "$n" = "$4" ]; then ok "$2"; else not_ok "$2" "/$3/ on $n lines, not $4" "$(tail -n 8 "$T/$1")"; fi
}

# ---- without data: finding lessons, the commands outside learn mode ----

check "learn: an unknown lesson lists those there" 1 "no lesson 'zz' in .*lessons/en: give a lesson's file, or one of 00-images, 01-logistic" -- \
    "$U" learn zz </dev/null
check "learn takes one lesson at most" 2 "learn takes one lesson at most" -- "$U" learn 01 02 </dev/null
check "hint outside learn mode says where it works" 1 "error: .hint. works in learn mode" -- "$U" -c hint
check "help learn says what it does" 0 "do a lesson.s exercises yourself, checked as you go" -- "$U" -c "help learn"
printf '# A lesson\n\nSome text.\n\n### Exercise 1: a layer\n\n> **Hint:** one dense layer.\n\n```untangle exercise\nmodel add dense 3 input 4\nexpect model == dense 3\n```\n\nAfter.\n' >"$T/small.md"
student small 'model add dense 2 input 4\nmodel new\nmodel add dense 3 input 4\nexpect model == dense 3\n' "$T/small.md"
has small "learn a lesson file: the text first" "^Some text\.$"
has small "a wrong model: the checks say what is there and what is wanted" \
    "to do: the model has 1 layer: dense 2; the exercise wants dense 3$"
has small "the right state ends the exercise" "exercise done: Exercise 1: a layer"
has small "the text after the exercise follows" "^After\.$"
has small "after the lesson the student stays at the prompt with its session" "^ok: the model has 1 layer: dense 3$"
[ "$rc" = 0 ] && ok "learn: status 0 at the end" || not_ok "learn: status 0 at the end" "status $rc"
lacks small "the hints are not shown unless asked for" "one dense layer"

printf 'learn %s\nmodel add dense 3 input 4\nexpect model == dense 3\nhandin %s\n' "$T/small.md" "$T/prompt.html" |
    "$U" --term none >"$T/prompt" 2>&1
has prompt "learn at the prompt (a pipe) does the exercise there" "exercise done: Exercise 1: a layer"
has prompt "... and the session goes on after it" "^ok: the model has 1 layer: dense 3$"
if grep -q '<div class="cmd"><code class="in">untangle&gt; model add dense 3 input 4</code>' "$T/prompt.html" 2>/dev/null &&
    ! grep -q 'untangle&gt; learn ' "$T/prompt.html"; then
    ok "the hand-in of a lesson learnt at the prompt shows the commands typed in it, not one learn block"
else
    not_ok "the hand-in of a lesson learnt at the prompt shows the commands typed in it, not one learn block" \
        "$(grep -o '<div class="cmd[^"]*"><code class="in">[^<]*' "$T/prompt.html" 2>&1 | head -n 4)"
fi
# `quit` leaves the lesson, not the prompt it was started from, and the errors
# of a pipe name its lines by their place in the whole input (stdin:N).
{ printf 'learn %s\nbogus1\nquit\necho after the lesson\nbogus2\n' "$T/small.md" |
    XDG_STATE_HOME="$T/state-quit" "$U" --term none; echo "status $?"; } >"$T/quit" 2>&1
has quit "an error inside a piped lesson names its line of the input" "^stdin:2: error: unknown command 'bogus1'"
has quit "quit in a lesson started at the prompt goes back to the prompt" "^after the lesson$"
has quit "... where the lines go on being counted" "^stdin:5: error: unknown command 'bogus2'"
has quit "... and the run ends with the error's status" "^status 1$"

# ---- on a terminal (script(1) gives one): readline in learn mode, --step's keys ----
if ! command -v script >/dev/null 2>&1; then
    skip "learn and --step on a terminal" "no script(1) to give them one"
else
    # tty NAME COMMAND: runs COMMAND on a terminal, typing stdin's lines into it;
    # the transcript without carriage returns nor escapes in $T/NAME.
    tty() {
        SHELL=/bin/sh XDG_STATE_HOME="$T/state-$1" script -qec "$2" /dev/null >"$T/$1.raw" 2>&1
        tr -d '\r' <"$T/$1.raw" | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g' >"$T/$1"
    }
    (sleep 1; printf 'model add dense 2 input 4\n'; sleep 0.5; printf 'model add dense 3 input 4\n'
     sleep 0.5; printf 'model new; model add dense 3 input 4\n'; sleep 1; printf 'expect layers == 1\n'
     sleep 0.5; printf '\004') | tty rl "exec '$U' --term none learn '$T/small.md'"
    has rl "learn on a terminal: readline's prompt, the checks after each line" \
        "to do: the model has 1 layer: dense 2; the exercise wants dense 3"
    has rl "learn on a terminal: the exercise done" "exercise done: Exercise 1: a layer"
    has rl "learn on a terminal: then the prompt, with the session" "ok: layers = 1 == 1"
    # Tab after `learn ` offers the lessons by name.
    (sleep 1; printf 'learn 00-im\t'; sleep 0.5; printf '\n'; sleep 1; printf 'quit\n'; sleep 0.5
     printf '\004') | UNTANGLE_HISTORY=/dev/null tty tab "exec '$U' --quick --term none"
    has tab "learn at the prompt: Tab completes a lesson's name" "untangle> learn 00-images ?$"

    cat >"$T/step.md" <<'MD'
# Step

Text one.

```untangle
echo block-one
```

### Exercise 1: a layer

```untangle exercise
model add dense 3 input 4
expect model == dense 3
```

> **Question** Why?

> **Answer** Because.

```untangle
echo block-two
```
MD
    (sleep 1; printf 'where\n'; sleep 0.3; printf 'back\n'; sleep 0.3; printf '\n'; sleep 0.5
     printf 'skip\n'; sleep 1; printf 'expect model == dense 3\n'; sleep 0.5; printf '\004') |
        tty step "exec '$U' --term none --step '$T/step.md'"
    has step "--step: where says the lesson and line" "lesson .*step.md, line 5"
    has step "--step: where names the next exercise" "next: Exercise 1: a layer \(exercise 1 of 1\)"
    has step "--step: back shows the block before" "^Text one\.$"
    has step "--step: skip runs on to the end without pauses" "running on without pauses to the end of the lesson"
    has step "--step: ... the rest ran" "^block-two$"
    count step "--step: no pause after skip" "Enter to go on" 4
    has step "--step ends at the prompt with what the lesson built" "ok: the model has 1 layer: dense 3"
fi

# Ctrl-C in the lines of `answer` abandons the answer being typed: the one kept
# before stays (on a terminal, and in a pipe, where it stops the run).
cat >"$T/q.md" <<'MD'
# Questions

> **Question** What does a softmax give?

> **Answer** Ten probabilities that sum to 1.

After.
MD
answer_kept() { # NAME CASE: the progress in $T/state-NAME holds the first answer only
    if grep -qE '^answer 1 [0-9]+ 1 the good one$' "$T/state-$1/untangle/progress" 2>/dev/null; then
        ok "$2"
    else
        not_ok "$2" "$(grep '^answer' "$T/state-$1/untangle/progress" 2>&1)" "$(tail -n 5 "$T/$1")"
    fi
}
if command -v script >/dev/null 2>&1; then
    (sleep 1; printf 'answer the good one\n'; sleep 0.5; printf 'answer\n'; sleep 0.5
     printf 'a half\n'; sleep 0.3; printf 'and a thi'; sleep 0.3; printf '\003'; sleep 0.8
     printf '\004'; sleep 0.5; printf '\004') |
        SHELL=/bin/sh XDG_STATE_HOME="$T/state-cc" timeout 30 script -qec \
            "exec '$U' --term none learn '$T/q.md'" /dev/null 2>&1 | tr -d '\r' >"$T/cc"
    has cc "Ctrl-C in answer's lines on a terminal: the answer is abandoned" \
        "error: answer abandoned \(Ctrl-C\); an answer given before stays as it was"
    answer_kept cc "... and the answer given before stays in the progress"
else
    skip "Ctrl-C in answer's lines on a terminal" "no script(1) to give one"
fi
mkfifo "$T/ccfifo"
XDG_STATE_HOME="$T/state-ccpipe" "$U" --term none learn "$T/q.md" <"$T/ccfifo" >"$T/ccpipe" 2>&1 &
pid=$!
exec 8>"$T/ccfifo"
printf 'answer the good one\nanswer\na half\n' >&8
i=0
while [ $i -lt 200 ] && ! grep -q 'ended by an empty line' "$T/ccpipe"; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
exec 8>&-
[ "$rc" = 130 ] && ok "Ctrl-C in answer's lines from a pipe stops the run (status 130)" ||
    not_ok "Ctrl-C in answer's lines from a pipe stops the run (status 130)" "status $rc" "$(tail -n 4 "$T/ccpipe")"
answer_kept ccpipe "... and the answer given before stays in the progress"

# French counts agree with their number: 0 and 1 take the singular.
printf 'hint\nhint\nquit\n' | LANGUAGE=fr XDG_STATE_HOME="$T/state-frhint" "$U" --term none learn "$T/small.md" >"$T/frhint" 2>&1
has frhint "French: no more hints, one shown: singular" "^plus d'indice \(1 montré\) ; "
LANGUAGE=fr XDG_STATE_HOME="$T/state-frlist" "$U" -c lessons >"$T/frlist" 2>&1
has frlist "French: lessons counts 0 exercises skipped in the singular" "^  01-logistic +exercices 0/4 faits, 0 passé ; "
(cd "$T" && LANGUAGE=fr XDG_STATE_HOME="$T/state-frlist" "$U" -c "echo one; handin $T/fr.html") >"$T/frhandin" 2>&1
has frhandin "French: handin's counts agree with each number" \
    "écrit : 2 commandes, 0 image, 0 question sur 0 avec réponse, exercices : 0 fait, 0 passé et 0 ouvert ; "

if [ ! -f data/mnist/t10k-images-idx3-ubyte ]; then
    echo "  skip learn lesson 01: no MNIST (make data)"
    exit 0
fi

# ---- lesson 01, by a student who types other commands than the reference ----

# Questions wait for Enter: the empty lines.
student l01 'model add dense 10 softmax input 784\n\ncompile optimizer sgd lr 0.5\nfit epochs 3 batch 100\nevaluate\nshow confusion\nshow weights dense_1\n\n\nexpect model == dense 10 softmax\nexpect test_accuracy > 0.5\n' 01
count l01 "lesson 01: every exercise done with other commands than the reference" "^exercise done: " 4
has l01 "lesson 01: its end" "End of lesson 01-logistic"
has l01 "lesson 01: the lesson's own block ran for the student" "^untangle> load mnist$"
has l01 "lesson 01: compiled but not trained, the checks say so" \
    "to do: the model was not trained yet; the exercise wants the model trained for 3 epochs at least"
has l01 "lesson 01: then the session is the student's, at the prompt" "^ok: test_accuracy = "
lacks l01 "lesson 01: no reference command is shown to the student" "^untangle> model add dense 10 input 784 name fc1"
[ "$rc" = 0 ] && ok "lesson 01: status 0" || not_ok "lesson 01: status 0" "status $rc"

student keras 'model new\nmodel add dense 10 input 784\nmodel add activation softmax\nanswer 7850, 784 x 10 weights and 10 biases\nquit\n' 01
has keras "exercise 1 by the two lines of Keras: dense 10, then the softmax" "exercise done: Exercise 1: the model"
has keras "... after the first line, what is missing" "to do: the model has 1 layer: dense 10; the exercise wants dense 10 then softmax"
lacks keras "... which never gives the text to type" "to do: .*model add"
has keras "a question waits for the student, who may answer it" "^answer to question 1 (kept|noted)"
has keras "quit leaves the lesson, saying how to come back" "You left lesson 01-logistic"

student keys 'hint\nhint\nhint\nsolution\nwhere\nback\nback\nskip\n\nwhere\nnext\nquit\n' 01
has keys "hint: the first hint" "^hint 1 of 2:"
has keys "hint: one more each time" "^hint 2 of 2:"
has keys "hint: then says there are no more" "no more hints \(2 shown\)"
has keys "solution prints the reference commands" "^    model add dense 10 input 784 name fc1$"
has keys "where: the lesson" "^lesson 01-logistic \(.*lessons/en/01-logistic.md\)$"
has keys "where: the exercise" "^Exercise 1: the model \(exercise 1 of 4\)$"
has keys "where: what is left (solution ran nothing)" "to do: there is no model yet; the exercise wants dense 10 then softmax"
has keys "back shows the block before: the task" "^Build the lab's model"
has keys "back again: one further" "^### Exercise 1: the model$"
has keys "skip runs the reference commands" "^untangle> model add dense 10 input 784 name fc1$"
has keys "skip marks the exercise skipped and goes on" "exercise skipped: its reference solution ran"
has keys "after skip: the next exercise" "^Exercise 2: compile and train \(exercise 2 of 4\)$"
has keys "next in an exercise: the checks decide" "next. goes on past a question"

# ---- results of an earlier model never pass a check ----

# Lesson 01 evaluated its model; lesson 02, learnt next in the same session, builds
# a new one: its exercise "compile, train and evaluate" is not done until the new
# model is evaluated.
student stale 'skip\n\nskip\nskip\nskip\n\n\nlearn 02\nskip\n\ncompile loss categorical_crossentropy optimizer sgd lr 0.5\nfit batch 300 epochs 3\ninfo\nexpect test_accuracy > 0\nevaluate\n' 01
has stale "lesson 01's evaluation is not the new model's: the check says to evaluate it" \
    "to do: the model was changed since its last evaluation: evaluate it; the exercise wants test_accuracy >= 0.75$"
count stale "... after compile, fit, info and the failing expect" "to do: the model was changed since its last evaluation: evaluate it; the exercise wants test_accuracy" 4
has stale "info says the evaluation is of an earlier model" "^evaluation: the model was changed since its last evaluation: evaluate it$"
has stale "expect fails on a figure of an earlier model" "error: expect test_accuracy > 0 failed: the model was changed since its last evaluation: evaluate it$"
count stale "the exercise is done after evaluate only" "^exercise done: Exercise: compile, train and evaluate$" 1
if awk '/Learning 02-mlp/ { e = 0 } /test loss: .* test accuracy: / { e = 1 } /^exercise done: Exercise: compile, train and evaluate$/ { exit !e }' "$T/stale"; then
    ok "... that is, after evaluate"
else
    not_ok "... that is, after evaluate" "$(grep -nE '^untangle> |^exercise done' "$T/stale" | tail -n 8)"
fi
# Every change of the model counts, and a figure kept by name stays.
"$U" --quick --term none --output "$T/out" -c 'load mnist; model add dense 10 softmax input 784; compile; fit epochs 1; evaluate; keep test_accuracy as acc_1; compile optimizer sgd lr 0.1; figures test_; expect acc_1 > 0; predict; model pop; expect features' >"$T/stale2" 2>&1
has stale2 "figures marks those of an earlier model" "^  test_accuracy +[0-9.]+ \(before the model changed\)$"
has stale2 "a figure kept by name is the student's: it stays" "^ok: acc_1 = "
has stale2 "features of an earlier model do not pass expect features" \
    "expect features failed: the model was changed since the features were predicted: predict them again"

# ---- the checks ask for what the exercise asks ----

# Lesson 01's SGD(0.5), not another learning rate.
student lr5 'skip\n\ncompile loss categorical_crossentropy optimizer sgd lr 5\nfit batch 300 epochs 3\ncompile optimizer sgd lr 0.5\nfit batch 300 epochs 3\nquit\n' 01
has lr5 "compiled with lr 5, the exercise asking for SGD(0.5): the check says so" \
    "to do: the model is compiled with sgd lr 5; the exercise wants the model compiled with sgd lr 0.5$"
count lr5 "... and it is done only once compiled at 0.5 and trained" "^exercise done: Exercise 2: compile and train$" 1
if awk '/optimizer sgd lr 0.5,/ { c = 1 } /^exercise done: Exercise 2/ { exit !c }' "$T/lr5"; then
    ok "... that is, after the compile at 0.5"
else
    not_ok "... that is, after the compile at 0.5" "$(grep -nE '^compiled|^exercise done' "$T/lr5")"
fi
# Lesson 00's grid of the first 200 MNIST training images: not of the test images,
# nor of Fashion-MNIST (here the MNIST files under its name).
mkdir -p "$T/data/fashion-mnist"
for f in "$(pwd)"/data/mnist/*-ubyte; do ln -s "$f" "$T/data/"; ln -s "$f" "$T/data/fashion-mnist/"; done
UNTANGLE_DATA="$T/data" student grid 'load mnist\nshow images 200 from test\nload fashion\nshow images 200\nload mnist\nshow images 200\nquit\n' 00
has grid "the test images do not make the grid of the training images" \
    "to do: no command has reported images_from_train yet; the exercise wants images_from_train == 200$"
has grid "nor do the images of Fashion-MNIST" "to do: fashion is loaded; the exercise wants mnist loaded$"
count grid "the grid exercise is done once, with MNIST's training images" "^exercise done: Exercise 0: look at the data$" 1
if awk '/^mnist: / { m++ } /^exercise done: Exercise 0/ { exit !(m == 2) }' "$T/grid"; then
    ok "... that is, after MNIST was loaded again"
else
    not_ok "... that is, after MNIST was loaded again" "$(grep -nE '^(mnist|fashion): |^exercise done' "$T/grid")"
fi

# ---- progress: kept at once, resumed by a quick replay ----

R="$T/resume"
STATE=$R student r1 'model add dense 10 softmax input 784\n\ncompile optimizer sgd lr 0.5\nhint\nquit\n' 01
has r1 "quit says the progress is kept" "your progress is kept in"
has r1 "... and where" "$R/untangle/progress"
if grep -q '^exercise 1 done ' "$R/untangle/progress" 2>/dev/null; then
    ok "an exercise done is in the progress file at once"
else
    not_ok "an exercise done is in the progress file at once" "$(cat "$R/untangle/progress" 2>&1)"
fi
if grep -qE '^exercise 2 todo [0-9]+ 1$' "$R/untangle/progress" 2>/dev/null; then
    ok "a hint shown is counted in the progress file"
else
    not_ok "a hint shown is counted in the progress file" "$(cat "$R/untangle/progress" 2>&1)"
fi
STATE=$R student r2 "\\nwhere\\nexpect model == dense 10 softmax\\nexpect data mnist\\nhandin $T/r2.html\\nquit\\n"
has r2 "untangle learn resumes the lesson begun, saying it replays in quick form" \
    "Resuming lesson 01-logistic at exercise 2: replaying exercise 1 in quick form"
has r2 "... at the same exercise" "^Exercise 2: compile and train \(exercise 2 of 4\)$"
has r2 "... with the same model" "^ok: the model has 2 layers: dense 10 then softmax$"
has r2 "... and the same data" "^ok: mnist is loaded$"
lacks r2 "... without showing the replayed commands" "^untangle> model add dense 10 input 784 name fc1$"
# The hand-in marks the solutions replayed to resume as the lesson's, not the student's.
if grep -q '<div class="cmd lesson"><code class="in">untangle&gt; model add dense 10 input 784 name fc1</code> <span class="by">run by the lesson</span>' "$T/r2.html" 2>/dev/null &&
    grep -q '<div class="cmd"><code class="in">untangle&gt; expect data mnist</code>' "$T/r2.html"; then
    ok "the hand-in after a resume marks the replayed solutions as the lesson's, the typed commands as the student's"
else
    not_ok "the hand-in after a resume marks the replayed solutions as the lesson's, the typed commands as the student's" \
        "$(grep -o '<div class="cmd[^"]*"><code class="in">[^<]*</code>[^<]*<?[^>]*>?[^<]*' "$T/r2.html" 2>&1 | head -n 6)"
fi

# Skipped, finished, and the next lesson after a finished one.
STATE="$T/fin" student fin1 'skip\n\nskip\nskip\nskip\n\n\n' 01
has fin1 "skip to the end: the lesson ends" "End of lesson 01-logistic"
if grep -q '^exercise 1 skipped ' "$T/fin/untangle/progress" && grep -qE '^lesson [0-9]+ 1 en/01-logistic$' "$T/fin/untangle/progress"; then
    ok "skipped exercises and a finished lesson are in the progress file"
else
    not_ok "skipped exercises and a finished lesson are in the progress file" "$(cat "$T/fin/untangle/progress" 2>&1)"
fi
STATE="$T/fin" student fin2 'quit\n'
has fin2 "after a finished lesson, untangle learn takes the first not finished" "Learning 00-images"

# A progress file cut short: refused in one line, kept aside, the lesson starts again.
mkdir -p "$T/badstate/untangle"
printf 'untangle-progress 1\nlesson 1 0 en/01-logistic\nexercise 1 do' >"$T/badstate/untangle/progress"
STATE="$T/badstate" student bad 'where\nquit\n' 01
has bad "a corrupt progress file: one line saying it was kept aside" "corrupt"
if ls "$T/badstate/untangle/" | grep -q 'progress.corrupt-'; then ok "a corrupt progress file is kept aside"; else not_ok "a corrupt progress file is kept aside" "$(ls "$T/badstate/untangle")"; fi
has bad "... and the lesson starts again at exercise 1" "^Exercise 1: the model \(exercise 1 of 4\)$"

# The French lessons, in French.
printf 'model add dense 10 input 784\nquit\n' | LANGUAGE=fr "$U" --quick --term none learn 01 >"$T/fr" 2>&1
has fr "learn in French: lessons/fr" "Leçon 1"
has fr "learn in French: what is missing, in French" "^  à faire : .*; l'exercice demande "
exit 0
