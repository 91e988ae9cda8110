#!/bin/sh
# Exercises in lessons (docs/lessons.md): the `untangle exercise` blocks, their
# hints and the state checks of `expect`, through the binary as a replay runs them.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-exercises-XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/cases.sh"

cat >"$T/ex.md" <<'MD'
# An exercise

### Exercise 1: the model

> **Hint:** a dense layer, then a softmax.

```untangle exercise
model new
model add dense 10 input 784
model add activation softmax
expect model == dense 10 softmax
expect layers == 2
```
MD
check "a replay runs an exercise's solution and its checks" 0 "^ok: the model has 2 layers: dense 10 then softmax$" -- "$U" "$T/ex.md"
check "a replay shows the hints" 0 "Hint:.* a dense layer, then a softmax" -- "$U" "$T/ex.md"
sed 's/expect layers == 2/expect layers == 3/' "$T/ex.md" >"$T/ex3.md"
check "a failing check of an exercise names its line" 1 "ex3.md:12: error: expect layers == 3 failed: layers is 2" -- "$U" "$T/ex3.md"
printf '# Lost\n\n> **Hint:** nothing follows\n\nProse.\n' >"$T/lost.md"
check "a hint no exercise follows is refused" 1 "lost.md: error: line 3: this \*\*Hint\*\* belongs to no exercise" -- "$U" "$T/lost.md"
printf '> **Indice :** un indice\n\n```untangle exercise\necho x\n```\n' >"$T/indice.md"
check "a French hint is a hint" 0 "Indice :.* un indice" -- "$U" "$T/indice.md"

# The state checks say what the session has and what they want.
check "expect model names the layers there and those wanted" 1 "expect model failed: the model has 1 layer: dense 10; wanted: dense 10 then softmax" -- \
    "$U" -c "model add dense 10 input 784; expect model == dense 10 softmax"
check "expect model takes model add's words" 0 "ok: the model has 2 layers: dense 10 then softmax" -- \
    "$U" -c "model add dense 10 softmax input 784; expect model == dense 10 softmax"
check "expect model: conv2d with its activation, pooling, flatten" 0 "ok: the model has 5 layers" -- \
    "$U" -c "model add conv2d 4 3x3 relu input 8x8x1; model add maxpool 2x2; model add flatten; model add dense 3 softmax; expect model == conv2d 4 relu, maxpool, flatten, dense 3 then softmax"
check "expect model refuses a word that is no layer" 1 "expect model: 'dens' is no layer" -- "$U" -c "expect model == dens 10"
check "expect model without a model" 1 "failed: there is no model yet" -- "$U" -c "expect model == dense 10"
check "expect compiled" 1 "expect compiled failed: the model is not compiled; wanted: the model compiled" -- \
    "$U" -c "model add dense 10 softmax input 784; expect compiled"
check "expect compiled OPTIMIZER" 1 "the model is compiled with sgd lr 0.01; wanted: the model compiled with adam" -- \
    "$U" -c "model add dense 10 softmax input 784; compile; expect compiled sgd; expect compiled adam"
check "expect compiled OPTIMIZER lr RATE: another rate fails" 1 \
    "the model is compiled with sgd lr 5; wanted: the model compiled with sgd lr 0.5$" -- \
    "$U" -c "model add dense 10 softmax input 784; compile optimizer sgd lr 5; expect compiled sgd lr 0.5"
check "expect compiled lr RATE: the same rate holds, however written" 0 "^ok: the model is compiled with sgd lr 0.5$" -- \
    "$U" -c "model add dense 10 softmax input 784; compile optimizer sgd lr 0.50; expect compiled lr 0.5"
check "expect trained" 1 "expect trained failed: the model was not trained yet" -- \
    "$U" -c "model add dense 10 softmax input 784; compile; expect trained"
check "expect data" 1 "expect data failed: no data is loaded; wanted: mnist loaded" -- "$U" -c "expect data mnist"
check "expect embedding" 1 "expect embedding failed: there is no embedding yet" -- "$U" -c "expect embedding"
check "expect features" 1 "expect features failed: no features were predicted yet" -- "$U" -c "expect features"
check "expect file" 1 "expect file failed: there is no file $T/none" -- "$U" -c "expect file $T/none"
check "expect file on a file written" 0 "ok: $T/m.model holds [0-9]+ bytes" -- \
    "$U" -c "model add dense 3 input 4; model save $T/m.model; expect file $T/m.model"
check "expect file finds a bare name in the output folder" 0 "ok: $T/o/m2.model holds [0-9]+ bytes" -- \
    "$U" -c "set output $T/o; model add dense 3 input 4; model save m2; expect file m2.model"
check "model new forgets the last model's figures" 1 "expect params == 7850 failed: params is 0" -- \
    "$U" -c "model add dense 10 input 784; model new; expect params == 7850"
check "help expect lists the checks" 0 "expect compiled \[OPTIMIZER\]" -- "$U" -c "help expect"

# The lessons' exercises: each a block with its checks, as many in French as in English.
for want in 00-images:2 01-logistic:4 02-mlp:2 03-cnn:5 04-tsne:4 05-separation:5 06-untangling:4 07-whole-mnist:1; do
    name=${want%:*}
    for f in lessons/en/$name.md lessons/fr/$name.md; do
        n=$(grep -c '^```untangle exercise' "$f")
        if [ "$n" -ge "${want#*:}" ]; then ok "$f has its exercises ($n)"; else not_ok "$f has its exercises" "found $n"; fi
    done
done
