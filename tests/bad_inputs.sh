#!/bin/sh
# Bad input through the real binary: every mistake a class makes, and hostile
# files. Each case is its own test: untangle must answer with exit status 1 and
# exactly one error line
#
#     WHERE: error: what happened; what to do
#
# (WHERE is -c:1 for -c, FILE:LINE in a lesson), matching the case's pattern.
# Files on disk must come out of a failure intact. Prints "  ok NAME",
# "  not ok NAME" or "  skip NAME (why)" per case; run by tests/run.sh.
#
#   sh tests/bad_inputs.sh            UNTANGLE=path/to/untangle (default ./untangle)
#   BAD_INPUTS_VERBOSE=1 sh tests/bad_inputs.sh     also prints each message
#
# The data is a tiny MNIST look-alike written here (UNTANGLE_DATA), so that no
# case needs the real MNIST and every case runs in a fraction of a second.
set -u
U=${UNTANGLE:-./untangle}
case "$U" in /*) ;; *) U="$(pwd)/$U" ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/untangle-bad-XXXXXX)
MNT="$T/tiny"
cleanup() {
    if [ -n "${mounted:-}" ]; then umount "$MNT" 2>/dev/null; fi
    rm -rf "$T"
}
trap cleanup EXIT
VERBOSE=${BAD_INPUTS_VERBOSE:-0}
# Memory limits (ulimit -v) cannot be used with AddressSanitizer, which reserves
# terabytes of address space: Makefile's SAN_ENV sets UNTANGLE_SANITIZED.
SANITIZED=${UNTANGLE_SANITIZED:-0}

ok() { echo "  ok $1"; }
not_ok() {
    echo "  not ok $1"
    shift
    for l in "$@"; do echo "      $l"; done
}
skip() { echo "  skip $1: $2"; }

# ---- data: a tiny MNIST look-alike (60 train, 30 test images, 28x28) ----

be32() { # a big-endian u32 as printf escapes
    printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
        $(($1 >> 8 & 255)) $(($1 & 255))
}

# idx_images FILE N [ROWS COLS]: pixels from a fixed pattern (never 0: awk's %c).
idx_images() {
    r=${3:-28} c=${4:-28}
    # shellcheck disable=SC2059
    printf "\\000\\000\\010\\003$(be32 "$2")$(be32 "$r")$(be32 "$c")" >"$1"
    LC_ALL=C awk -v n=$(($2 * r * c)) 'BEGIN { s = 7; for (i = 0; i < n; i++) {
        s = (s * 1103 + 12345) % 65536; printf "%c", 1 + int(s / 258) } }' >>"$1"
}

# idx_labels FILE N [FIRST_LABEL]: labels 0..9 in turn.
idx_labels() {
    # shellcheck disable=SC2059
    printf "\\000\\000\\010\\001$(be32 "$2")" >"$1"
    i=0
    while [ $i -lt "$2" ]; do
        printf "\\$(printf %03o $(((i + ${3:-0}) % 10)))" >>"$1"
        i=$((i + 1))
    done
}

make_set() { # make_set DIR NTRAIN NTEST
    mkdir -p "$1"
    idx_images "$1/train-images-idx3-ubyte" "$2"
    idx_labels "$1/train-labels-idx1-ubyte" "$2"
    idx_images "$1/t10k-images-idx3-ubyte" "$3"
    idx_labels "$1/t10k-labels-idx1-ubyte" "$3"
}

GOOD="$T/good"
make_set "$GOOD" 60 30
mkdir -p "$T/work"
cd "$T/work" || exit 1 # no ./data/mnist here: only UNTANGLE_DATA is found

# ---- the cases ----

# run_u ENV_DATA ARGS...: runs untangle in $T/work with UNTANGLE_DATA, output to
# $T/out and $T/err; sets $rc.
run_u() {
    data=$1
    shift
    # timeout: a reader that blocks (a FIFO opened without O_NONBLOCK) fails
    # the case (status 124) instead of hanging the suite.
    UNTANGLE_DATA="$data" UNTANGLE_HISTORY=/dev/null timeout 120 "$U" --term none --output "$T/work/out" \
        "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# check_error NAME PATTERN [WHERE [STATUS]]: the run just made failed as it
# should (STATUS 1 unless told: 2 for a bad command line).
check_error() {
    name=$1 pat=$2 where=${3:--c:1} want_rc=${4:-1}
    lines=$(wc -l <"$T/err")
    msg=$(head -n 1 "$T/err")
    if grep -q 'not built yet' "$T/err"; then
        skip "$name" "not built yet"
        return
    fi
    [ "$VERBOSE" = 1 ] && echo "      $msg"
    if [ "$rc" != "$want_rc" ]; then
        not_ok "$name" "exit status $rc, expected $want_rc" "$(tail -n 3 "$T/err")"
    elif [ "$lines" != 1 ]; then
        not_ok "$name" "$lines error lines, expected exactly one:" "$(head -n 4 "$T/err")"
    elif ! printf '%s\n' "$msg" | grep -qF -- "$where: error: "; then
        not_ok "$name" "the error does not start with '$where: error: '" "$msg"
    elif ! printf '%s\n' "$msg" | grep -qE -- "; |\\(should be|did you mean|' \\(|\`[a-z]"; then
        not_ok "$name" "the error says what happened but not what to do" "$msg"
    elif ! printf '%s\n' "$msg" | grep -qE -- "$pat"; then
        not_ok "$name" "the error lacks /$pat/" "$msg"
    else
        ok "$name"
    fi
}

# check_error_fr NAME ENGLISH_LINE: the same run in French (LANGUAGE=fr under
# C.UTF-8, the one locale a fresh machine has) failed the same way, with one
# line "-c:1: erreur : ...; ..." that is not the English one.
check_error_fr() {
    msg=$(head -n 1 "$T/err")
    if [ "$rc" != 1 ]; then
        not_ok "$1 (fr)" "exit status $rc, expected 1" "$(tail -n 3 "$T/err")"
    elif [ "$(wc -l <"$T/err")" != 1 ]; then
        not_ok "$1 (fr)" "expected exactly one error line:" "$(head -n 4 "$T/err")"
    elif ! printf '%s\n' "$msg" | grep -qF -- "-c:1: erreur : "; then
        not_ok "$1 (fr)" "the error does not start with '-c:1: erreur : '" "$msg"
    elif ! printf '%s\n' "$msg" | grep -qE -- "; |\\(il faut|parmi|vouliez-vous dire|' \\(|\`[a-z]"; then
        not_ok "$1 (fr)" "the error says what happened but not what to do" "$msg"
    elif [ "$msg" = "$2" ] || [ "${msg#-c:1: erreur : }" = "${2#-c:1: error: }" ]; then
        not_ok "$1 (fr)" "the message is not translated" "$msg"
    else
        ok "$1 (fr)"
    fi
}

# bad NAME PATTERN COMMANDS: `untangle -c COMMANDS` with the tiny data, in
# English, then in French.
bad() {
    run_u "$GOOD" -c "$3"
    check_error "$1" "$2"
    english=$(head -n 1 "$T/err")
    LANGUAGE=fr LC_ALL=C.UTF-8 run_u "$GOOD" -c "$3"
    check_error_fr "$1" "$english"
}

M='model new; model add dense 10 softmax input 784'
C='compile loss categorical_crossentropy optimizer sgd'
L='load mnist train 60 test 30'

# Commands and arity.
bad "unknown command" "unknown command 'frobnicate'" "frobnicate"
bad "unknown command suggests" "unknown command 'fitt'; did you mean 'fit'" "fitt"
bad "wrong arity: set seed" "set seed needs N: .*; see \`help set seed\`" "set seed"
bad "wrong arity: hull 3" "hull takes no more words: '3' is one too many" "hull 3"
bad "wrong arity: load" "load needs mnist\|fashion: the data set; see \`help load\`" "load"
bad "wrong arity: set" "set needs a sub-command \(should be seed, threads, term, live, lang, output or name\)" "set"
bad "wrong arity: model add dense" "model add dense needs UNITS" "model new; model add dense"
bad "misspelt activation after dense" \
    "bad activation 'softmx' \(should be linear, sigmoid, softmax, relu or tanh\)" \
    "model new; model add dense 10 softmx input 784"
bad "misspelt option suggests" "fit has no option 'bach' .*did you mean 'batch'" "fit bach 3"
bad "unknown option" "fit has no option 'epoch' \(options: batch, epochs" "fit epoch 3"
bad "option without value" "option 'epochs' needs a value" "fit epochs"
bad "option twice" "option 'batch' is given twice" "fit batch 3 batch 4"
bad "bad sub-command" "bad model sub-command 'ad'; did you mean 'add'\? \(should be new, add" "model ad dense 3"
bad "bad sub-command, nothing near" "bad model sub-command 'xyzzy' \(should be new, add" "model xyzzy"
bad "bad layer" "bad layer 'dens'; did you mean 'dense'\? \(should be dense, activation" "model new; model add dens 3"
bad "an activation typed as a layer" \
    "bad layer 'softmax': an activation comes after a layer's size \(\`model add dense 10 softmax\`\) or is a layer of its own \(\`model add activation softmax\`\)" \
    "model new; model add softmax"
bad "Keras typed as in the lab names untangle's command" \
    "unknown command 'model.compile\(loss=x\)': untangle takes words, not Python; here it is \`compile ...\`" \
    "model.compile(loss='x')"
bad "... and its model.add" "here it is \`model add ...\` \(see \`help model add\`\)" "model.add(Dense(10))"
bad "bad activation" "bad activation 'sigmod' \(should be linear, sigmoid" \
    "model new; model add activation sigmod"
bad "unterminated quote" "unterminated double quote starting at column 6" 'plot "raw'
# A quoted line break (or escape sequence) is echoed in the message: it must not
# make a second, forged error line.
bad "quoted newline in a command name" "unknown command" '"lod
x.md:1: error: forged"'

# Bad numbers.
bad "compile lr abc" "bad lr 'abc'" "$M; $C lr abc"
bad "compile lr -1" "lr -1 is out of range" "$M; $C lr -1"
bad "compile lr 0" "lr 0|bad lr '0'" "$M; $C lr 0"
bad "compile lr nan" "bad lr 'nan'" "$M; $C lr nan"
bad "compile lr inf" "bad lr 'inf'" "$M; $C lr inf"
bad "compile bad loss" "bad loss 'mse' \(should be categorical_crossentropy\)" "$M; compile loss mse"
bad "fit epochs -1" "epochs -1 is out of range \(should be from 1 to" "$L; $M; $C lr 0.5; fit epochs -1"
bad "fit epochs 1.5" "bad epochs '1.5'" "$L; $M; $C lr 0.5; fit epochs 1.5"
bad "fit batch 0" "batch 0 is out of range \(should be from 1 to" "$L; $M; $C lr 0.5; fit batch 0"
bad "fit batch 10^20" "batch 100000000000000000000 is out of range \(should be from 1 to" \
    "$L; $M; $C lr 0.5; fit batch 100000000000000000000"
bad "fit validation 1" "validation 1 is out of range" "$L; $M; $C lr 0.5; fit validation 1"
bad "tsne perplexity 0" "perplexity 0 is out of range" "$L; tsne raw perplexity 0"
bad "tsne perplexity -5" "perplexity -5 is out of range" "$L; tsne raw perplexity -5"
bad "tsne first 0" "first 0 is out of range" "$L; tsne raw first 0"
bad "tsne iterations 10" "iterations 10 is out of range" "$L; tsne raw iterations 10"
bad "tsne from a part that is none" "bad from 'everything' \(should be test, train or all\)" \
    "$L; tsne raw from everything"
bad "tsne features from all" "\`from\` picks the images of \`tsne raw\`" "$L; tsne features from all"
bad "tsne method fast" "bad method 'fast' \(should be auto, bh, fft or exact\)" "$L; tsne raw method fast"
bad "tsne knn nearest" "bad knn 'nearest' \(should be auto, exact or approx\)" "$L; tsne raw knn nearest"
bad "tsne pca 1" "pca 1 is out of range \(should be from 2 to" "$L; tsne raw pca 1"
bad "tsne pca 300" "pca 300 is out of range \(should be from 2 to 256\)" "$L; tsne raw pca 300"
# k is read against its declared range before the embedding is looked for, so
# this fails on k even with nothing embedded.
bad "set seed abc" "bad seed 'abc'" "set seed abc"
bad "set seed -1" "seed -1 is out of range" "set seed -1"
bad "set threads 0" "threads 0 is out of range" "set threads 0"
bad "show images -3" "number of images -3 is out of range" "$L; show images -3"
bad "show cols 0" "cols 0 is out of range" "$L; show images 10 cols 0"
bad "kernel 0x5" "bad kernel size '0x5'" "model new; model add conv2d 4 0x5 input 28x28x1"
bad "input 28x28" "bad input shape '28x28'" "model new; model add conv2d 4 5x5 input 28x28"
bad "expect bad value" "bad expected value.*'high'" "expect accuracy > high"
bad "expect bad operator" "bad comparison '=>'" "expect accuracy => 1"

# Model shapes and order of work.
bad "model add: shape mismatch (input given twice)" "input \(3\) given, but the layer below gives \(10\)" \
    "$M; model add dense 5 input 3"
bad "model add: conv2d on a flat input" "conv2d.*\(10\)|\(10\).*conv2d" "$M; model add conv2d 4 3x3"
bad "model add: kernel larger than the image" "5x5|larger|smaller" \
    "model new; model add conv2d 2 5x5 input 4x4x1"
bad "model add: first layer without input or data" "needs its input shape" \
    "model new; model add dense 10"
bad "model add: layer name taken" "already named 'fc'" \
    "model new; model add dense 10 input 784 name fc; model add dense 3 name fc"
bad "model add: bad layer name" "bad layer name" "model new; model add dense 10 input 784 name 'a b'"
bad "compile without a model" "there is no model" "$C lr 0.5"
bad "compile without softmax on top" "not a softmax" "model new; model add dense 10 input 784; $C lr 0.5"
bad "fit without a model" "there is no model" "$L; fit"
bad "fit before compile" "not compiled" "$L; $M; fit"
bad "fit without data" "no training data" "$M; $C lr 0.5; fit"
bad "fit: model input does not match the images" "784|input|shape|pixels" \
    "$L; model new; model add dense 10 softmax input 100; $C lr 0.5; fit epochs 1"
bad "evaluate without data" "no test data" "$M; evaluate"
bad "predict without a model" "there is no model" "$L; predict"
bad "pop on an empty model" "no layer to remove" "model new; pop"
bad "model summary without a model" "there is no model" "model summary"
bad "model save without a model" "no model to save" "model save m"

# Divergence: the issue's lr 100 must stop fit with advice, not train at chance.
bad "fit with lr 100 stops: smaller learning rate" "smaller learning rate" \
    "$L; model new; model add dense 100 sigmoid input 784; model add dense 10 softmax; $C lr 100; fit batch 10 epochs 5"

# Embeddings.
bad "tsne with nothing loaded" "no test images loaded; run \`load mnist\` first" "tsne raw"
bad "tsne features without predict" "no features" "$L; tsne features"
bad "nh with nothing loaded" "no embedding" "nh"
bad "hull with nothing loaded" "no embedding" "hull"
bad "ellipse with nothing loaded" "no embedding" "ellipse"
bad "plot with nothing loaded" "no embedding" "plot \"x\""
bad "perplexity too large for N" "perplexity 30 is too large for 20 points" \
    "$L; tsne raw first 20 perplexity 30"
bad "tsne on 3 points" "at least 4 points" "$L; tsne raw first 3 perplexity 1"
# nh k with an embedding in place, so that only k can be what is refused.
bad "nh k 0" "k 0 is out of range \(should be at least 1\)" \
    "$L; tsne raw first 20 perplexity 5 iterations 250; nh k 0"
bad "nh k larger than N" "k 50 is out of range \(should be from 1 to 19\)" \
    "$L; tsne raw first 20 perplexity 5 iterations 250; nh k 50"

# hull on classes of fewer than 3 points is an answer, not an error: each class of
# 20 points (labels 0..9 in turn) holds 2, a flat hull of area 0.
run_u "$GOOD" -c "$L; tsne raw first 20 perplexity 5 iterations 250; hull"
if [ "$rc" = 0 ] && grep -qE '^ +[0-9] +2 .*0\.0.*under 3 points' "$T/out" && [ ! -s "$T/err" ]; then
    ok "hull on classes of 2 points: flat hulls, no error"
else
    not_ok "hull on classes of 2 points: flat hulls, no error" "exit $rc" "$(tail -n 3 "$T/out" "$T/err")"
fi

# No shell escape: these are words, never run by a shell.
bad "no shell escape: !ls" "unknown command '!ls'" "!ls"
bad "no shell escape: \$(ls)" "unknown command '\\\$\(ls\)'" '$(ls)'
bad "no shell escape: backquotes" "unknown command '\`ls\`'" '`ls`'
run_u "$GOOD" -c 'echo hi | sh > x; echo `ls`'
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = 'hi | sh > x
`ls`' ] && [ ! -e x ]; then
    ok "no shell escape: pipes, redirections and backquotes are plain words"
else
    not_ok "no shell escape: pipes, redirections and backquotes are plain words" "$(cat "$T/out")"
fi
# The sources call no shell and run no program, but untangle itself: the one
# restart on better OpenBLAS kernels (src/core/blas.c) runs /proc/self/exe.
calls=$(grep -rnE '(^|[^a-z_])(system|popen|execl|execlp|execle|execv|execvp|execve|posix_spawnp?|fork)[[:space:]]*\(' \
    "$SRC/src" 2>/dev/null | grep -v '^\s*/\?\*' |
    grep -v '^[^:]*src/core/blas\.c:[0-9]*: *execv("/proc/self/exe", argv);$' || true)
if [ -z "$calls" ]; then ok "no shell escape: the sources run no program"
else not_ok "no shell escape: the sources run no program" "$calls"; fi
printf '# Escape\n\n```untangle\n!touch %s/escaped\n```\n' "$T" >"$T/escape.md"
run_u "$GOOD" "$T/escape.md"
check_error "no shell escape in a lesson" "unknown command '!touch'" "$T/escape.md:4"
[ -e "$T/escaped" ] && not_ok "no shell escape in a lesson: nothing ran" "$T/escaped exists"

# ---- absurd sizes: refused with the memory they need, before allocating ----

# Under a 512 MiB budget (UNTANGLE_MAX_BYTES) and a 1 GiB address-space limit,
# anything that allocated before refusing would die of it (xmalloc aborts, exit
# 134) instead of answering.
absurd() { # absurd NAME PATTERN COMMANDS
    if [ "$SANITIZED" = 1 ]; then
        UNTANGLE_MAX_BYTES=536870912 run_u "$GOOD" -c "$3"
    else
        (ulimit -v 1048576 && UNTANGLE_MAX_BYTES=536870912 UNTANGLE_DATA="$GOOD" \
            UNTANGLE_HISTORY=/dev/null "$U" --term none --output "$T/work/out" -c "$3" \
            >"$T/out" 2>"$T/err")
        rc=$?
    fi
    check_error "$1" "$2"
}
absurd "load train 10^12" "would need [0-9.]+ [KMGTP]iB" "load mnist train 1000000000000"
absurd "dense 10^9 units" "would need [0-9.]+ [GTP]iB of memory" \
    "model new; model add dense 1000000000 input 784"
absurd "dense 10^6 units on 784 inputs" "dense would need [0-9.]+ GiB of memory, more than the 512.0 MiB allowed" \
    "model new; model add dense 1000000 input 784"
absurd "conv2d 10^6 filters" "conv2d would need [0-9.]+ [GT]iB of memory" \
    "model new; model add conv2d 1000000 5x5 input 28x28x1"
absurd "conv2d on 10^4 x 10^4 images" "would need [0-9.]+ [GT]iB of memory" \
    "model new; model add conv2d 32 3x3 same input 10000x10000x1"
run_u "$GOOD" -c "model new; model add dense 1000000000 input 784"
check_error "dense 10^9 units, default budget" "dense would need 7.6 TiB of memory, more than the [0-9.]+ [MGT]iB this machine can spare"
UNTANGLE_MAX_BYTES=1000000 run_u "$GOOD" -c "model new; model add dense 1000 input 784"
check_error "UNTANGLE_MAX_BYTES lowers the budget" "dense would need [0-9.]+ MiB of memory, more than the 976.6 KiB allowed"

# ---- damaged data files (UNTANGLE_DATA) ----

# damaged NAME PATTERN FILE HOW: a copy of the good set with FILE changed by HOW.
damaged() {
    d="$T/damaged"
    rm -rf "$d"
    cp -r "$GOOD" "$d"
    f="$d/$3"
    case "$4" in
        truncate) head -c 1000 "$GOOD/$3" >"$f" ;;
        header-only) head -c 16 "$GOOD/$3" >"$f" ;;
        empty) : >"$f" ;;
        magic) { printf 'XX'; tail -c +3 "$GOOD/$3"; } >"$f" ;;
        type) { printf '\000\000\015'; tail -c +4 "$GOOD/$3"; } >"$f" ;;
        count) { head -c 4 "$GOOD/$3"; printf '\177\377\377\377'; tail -c +9 "$GOOD/$3"; } >"$f" ;;
        extra) { cat "$GOOD/$3"; printf 'trailing'; } >"$f" ;;
        png) printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$f" ;;
        text) echo "this is not a data set" >"$f" ;;
        label11) { head -c 9 "$GOOD/$3"; printf '\013'; tail -c +11 "$GOOD/$3"; } >"$f" ;;
        fewer) idx_labels "$f" 59 ;;
        smaller) idx_images "$f" 30 14 14 ;;
        gzip-bad) { printf '\037\213\010\000\000\000\000\000\000\003'; head -c 200 "$GOOD/$3"; } >"$f" ;;
        dir) rm -f "$f" && mkdir "$f" ;;
        fifo) rm -f "$f" && mkfifo "$f" ;;
    esac
    run_u "$d" -c "load mnist; echo never"
    check_error "$1" "$2"
    if grep -q never "$T/out"; then not_ok "$1: stops there" "the next command ran"; fi
}
damaged "IDX truncated" "train-images-idx3-ubyte.*truncated|truncated.*train-images" \
    train-images-idx3-ubyte truncate
damaged "IDX header only" "t10k-images-idx3-ubyte.*(truncated|no data|holds)" t10k-images-idx3-ubyte header-only
damaged "IDX empty file" "train-labels-idx1-ubyte.*(empty|truncated)" train-labels-idx1-ubyte empty
damaged "IDX bad magic" "not an IDX file" train-images-idx3-ubyte magic
damaged "IDX float type" "float values \(IDX type 0x0d\)" t10k-images-idx3-ubyte type
damaged "IDX absurd count" "announces 2147483647 items" train-images-idx3-ubyte count
damaged "IDX trailing bytes" "train-images-idx3-ubyte.*(after|extra|longer|more)" train-images-idx3-ubyte extra
damaged "IDX is a PNG" "it is a PNG picture" train-images-idx3-ubyte png
damaged "IDX is text" "not an IDX file" t10k-labels-idx1-ubyte text
damaged "IDX label out of range" "label.*11|11.*label" train-labels-idx1-ubyte label11
damaged "IDX images and labels disagree" "60.*59|59.*60" train-labels-idx1-ubyte fewer
damaged "IDX train and test shapes disagree" "28x28.*14x14|14x14.*28x28" t10k-images-idx3-ubyte smaller
damaged "IDX corrupt gzip" "train-images-idx3-ubyte.*(gzip|compress|corrupt|truncated)" \
    train-images-idx3-ubyte gzip-bad
damaged "IDX file is a folder" "train-images-idx3-ubyte|not found|missing|make data" \
    train-images-idx3-ubyte dir
# A FIFO with no writer: a blocking open would wait for ever (run_u's timeout).
# The data finder counts only regular files, so the set is incomplete.
damaged "IDX file is a FIFO: refused at once" "t10k-labels-idx1-ubyte': it is a named pipe|holds only 3 of the 4 files" \
    t10k-labels-idx1-ubyte fifo
mkdir -p "$T/none"
run_u "$T/none" -c "load mnist"
check_error "no data at all" "make data"

# ---- model files ----

S="$T/work/out"
mkdir -p "$S"
run_u "$GOOD" -c "$M; $C lr 0.5; model save good"
if [ "$rc" != 0 ] || [ ! -s "$S/good.model" ]; then
    skip "model files" "model save does not work yet: $(head -n 1 "$T/err")"
else
    cp "$S/good.model" "$T/good.model"
    size=$(wc -c <"$T/good.model")
    mfile() { # mfile NAME PATTERN HOW
        f="$S/bad.model"
        case "$3" in
            truncate) head -c $((size / 2)) "$T/good.model" >"$f" ;;
            header) head -c 20 "$T/good.model" >"$f" ;;
            empty) : >"$f" ;;
            flip) { head -c $((size - 100)) "$T/good.model"; printf '\377';
                    tail -c 99 "$T/good.model"; } >"$f" ;;
            extra) { cat "$T/good.model"; printf 'x'; } >"$f" ;;
            version) { head -c 8 "$T/good.model"; printf '\011\000\000\000';
                       tail -c +13 "$T/good.model"; } >"$f" ;;
            png) printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$f" ;;
            dir) rm -f "$f" && mkdir "$f" ;;
            newline-name) cp "$SRC/tests/fuzz/regress/model/layer-name-with-newline" "$f" ;;
        esac
        # The session had a model: after the failure `model summary` must still
        # show it (tests/check_robust.c checks it in-process; here the next
        # command must not run).
        run_u "$GOOD" -c "model new; model add dense 7 input 5; model load bad; echo never"
        check_error "$1" "$2"
        rm -rf "$f"
    }
    mfile "model file truncated" "bad.model.*truncated" truncate
    mfile "model file: header only" "bad.model.*truncated" header
    mfile "model file empty" "bad.model.*(empty|not an untangle model)" empty
    mfile "model file: one byte flipped" "bad.model.*(corrupt|checksum)" flip
    mfile "model file: a byte too many" "bad.model.*unexpected bytes" extra
    mfile "model file: other version" "bad.model.*version 9" version
    mfile "model file is a PNG" "bad.model.*not an untangle model" png
    mfile "model file is a folder" "bad.model.*(folder|directory|regular)" dir
    # Found by fuzz_model: a name read from the file must not print as two lines
    # (nor reach the terminal raw: it could hold escape sequences). The file's
    # checksum is right, so that the reader gets as far as the name.
    mfile "model file: a layer name holding a newline" "bad.model.*layer 4: bad layer name .activation_.\?" newline-name
    run_u "$GOOD" -c "model load nothing_here"
    check_error "model file missing" "nothing_here.model.*No such file"

    # A failed save never destroys the previous file: injected write failure.
    cp "$T/good.model" "$S/keep.model"
    UNTANGLE_FAIL_WRITE=10 run_u "$GOOD" -c "model new; model add dense 3 input 5; model save keep"
    check_error "failed save (injected disk full)" "keep.model.*(No space|space)"
    if cmp -s "$T/good.model" "$S/keep.model"; then
        ok "failed save leaves the previous model byte-identical"
    else
        not_ok "failed save leaves the previous model byte-identical" "keep.model changed"
    fi
    leftovers=$(ls "$S" | grep -c '\.tmp\.' || true)
    if [ "$leftovers" = 0 ]; then ok "failed save leaves no temporary file"
    else not_ok "failed save leaves no temporary file" "$(ls "$S")"; fi

    # The same with a real full disk: a 64 KiB tmpfs (root only; skipped otherwise).
    mkdir -p "$MNT"
    if mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null; then
        mounted=1
        cp "$T/good.model" "$MNT/full.model"
        run_u "$GOOD" -c "model new; model add dense 100 input 784; model save $MNT/full"
        check_error "failed save (64 KiB tmpfs full)" "full.model.*No space left"
        if cmp -s "$T/good.model" "$MNT/full.model"; then
            ok "full disk: the previous model is byte-identical"
        else
            not_ok "full disk: the previous model is byte-identical" "full.model changed"
        fi
        if [ "$(ls "$MNT" | wc -l)" = 1 ]; then ok "full disk: no temporary file left"
        else not_ok "full disk: no temporary file left" "$(ls "$MNT")"; fi
        run_u "$GOOD" -c "$L; show images 60 to $MNT/full.png"
        check_error "failed picture (tmpfs full)" "full.png.*No space left"
        umount "$MNT" && mounted=
    else
        skip "failed save (64 KiB tmpfs full)" "cannot mount a tmpfs here (needs root)"
    fi
fi

# ---- output folders ----

touch "$T/afile"
run_u "$GOOD" -c "$L; set output $T/afile/sub; show images 10"
check_error "output folder under a file" "cannot create the output folder '$T/afile/sub'"
run_u "$GOOD" -c "$L; show images 10 to $T/no/such/dir/x.png"
check_error "picture into a missing folder" "x.png"
run_u "$GOOD" -c "$L; show images 10 to $T/afile"
if [ "$rc" = 0 ]; then
    ok "picture over an existing file is allowed outside lessons"
else
    check_error "picture over an existing file" "afile"
fi
mkdir -p "$T/ro"
if mount -t tmpfs -o size=64k,ro tmpfs "$T/ro" 2>/dev/null; then
    run_u "$GOOD" -c "$L; set output $T/ro/pics; show images 10"
    check_error "read-only output folder" "Read-only file system"
    run_u "$GOOD" -c "$M; model save $T/ro/m"
    check_error "model save on a read-only disk" "m.model.*Read-only"
    umount "$T/ro"
else
    skip "read-only output folder" "cannot mount a tmpfs here (needs root)"
fi

# ---- lessons may write only inside the output folder ----

lesson() { # lesson NAME PATTERN LINE COMMANDS...
    name=$1 pat=$2 line=$3
    shift 3
    {
        printf '# A lesson\n\n```untangle\n'
        for c in "$@"; do printf '%s\n' "$c"; done
        printf '```\n'
    } >"$T/l.md"
    run_u "$GOOD" "$T/l.md"
    check_error "$name" "$pat" "$T/l.md:$line"
}
lesson "lesson writes a picture outside" "may not write '$T/x.png' outside the output folder" 5 \
    "$L" "show images 5 to $T/x.png"
lesson "lesson saves a model outside" "may not write '$T/m.model' outside the output folder" 6 \
    "$L" "$M" "model save $T/m"
lesson "lesson moves the output folder outside" "may not write" 4 "set output $T"
ln -s "$T" "$T/work/out/escape" 2>/dev/null || { mkdir -p "$T/work/out" && ln -s "$T" "$T/work/out/escape"; }
lesson "lesson writes through a symlink out of the folder" "may not write" 5 \
    "$L" "show images 5 to out/escape/x.png"
[ -e "$T/x.png" ] && not_ok "nothing written outside by the lessons" "$T/x.png exists"
lesson "lesson with a typo names FILE:LINE" "unknown command 'lod'" 6 "echo one" "echo two" "lod mnist"

printf 'abc\000def\n' >"$T/nul.md"
run_u "$GOOD" "$T/nul.md"
check_error "lesson with a NUL byte" "NUL byte" "$T/nul.md"
run_u "$GOOD" "$T/missing.md"
if [ "$rc" = 1 ] && grep -q "missing.md" "$T/err"; then ok "missing lesson"
else not_ok "missing lesson" "exit $rc" "$(cat "$T/err")"; fi

# ---- hardened edges (issue 12): each class of failure a hostile campaign found ----

# check_file NAME TEST FILE: FILE is still what `test TEST` says (after a failure).
check_file() {
    if [ "$2" "$3" ]; then ok "$1"; else not_ok "$1" "$(ls -l "$3" 2>&1)"; fi
}

# 1. A save never replaces what is not a regular file: a character device (made
# here; a FIFO where mknod is refused), a FIFO, a folder; symbolic links are
# followed, as the lesson write rules judge them.
E="$T/edges"
mkdir -p "$E"
if mknod "$E/node" c 1 3 2>/dev/null; then kind=-c; else mkfifo "$E/node"; kind=-p; fi
mkfifo "$E/fifo"
mkdir -p "$E/folder.png"
run_u "$GOOD" -c "$L; show images 5 to $E/node"
check_error "save over a device node is refused" "cannot write '$E/node': it is a (character device|named pipe \(FIFO\)), not a regular file; name a file"
check_file "save over a device node: the node is still one" $kind "$E/node"
mkfifo "$E/pipe.model"
run_u "$GOOD" -c "$M; model save $E/pipe"
check_error "model save over a FIFO is refused" "cannot write '$E/pipe.model': it is a named pipe \(FIFO\)"
check_file "model save over a FIFO: still a FIFO" -p "$E/pipe.model"
run_u "$GOOD" -c "$L; show images 5 to $E/folder.png"
check_error "save over a folder is refused" "it is a folder, not a regular file"
check_file "save over a folder: still a folder" -d "$E/folder.png"
printf '# A page\n\nSome prose.\n' >"$E/page.md"
run_u "$GOOD" --html "$E/node" "$E/page.md"
check_error "--html over a device node is refused" "--html: cannot write '$E/node': it is a" untangle
check_file "--html over a device node: the node is still one" $kind "$E/node"
ln -s "$E/node" "$E/to-node.png"
run_u "$GOOD" -c "$L; show images 5 to $E/to-node.png"
check_error "save through a link to a device is refused" "cannot write '$E/to-node.png': it leads to a"
check_file "save through a link to a device: the link stays" -L "$E/to-node.png"
check_file "save through a link to a device: the node is still one" $kind "$E/node"
ln -s target.png "$E/link.png"
run_u "$GOOD" -c "$L; show images 5 to $E/link.png"
if [ "$rc" = 0 ] && [ -L "$E/link.png" ] && [ "$(head -c 4 "$E/target.png" | tail -c 3)" = PNG ]; then
    ok "save through a symbolic link writes where it leads, and the link stays"
else
    not_ok "save through a symbolic link writes where it leads, and the link stays" "exit $rc" "$(ls -l "$E")"
fi
mkdir -p "$T/work/out"
ln -s "$T/outside.png" "$T/work/out/dangling.png"
lesson "lesson writes through a link to a missing file outside" "may not write" 5 \
    "$L" "show images 5 to out/dangling.png"
[ -e "$T/outside.png" ] && not_ok "lesson link: nothing written outside" "$T/outside.png exists"

# 3. A save killed by the file-size limit fails like a full disk: one line, the
# old file intact, no temporary file; stale temporary files of a dead process
# are removed at the next save of that name.
S2="$T/work/out"
run_u "$GOOD" -c "$M; model save small"
cp "$S2/small.model" "$E/small.model"
(ulimit -f 20 && UNTANGLE_DATA="$GOOD" UNTANGLE_HISTORY=/dev/null "$U" --term none --output "$S2" \
    -c "model new; model add dense 100 input 784; model save small" >"$T/out" 2>"$T/err")
rc=$?
check_error "save beyond the file-size limit (SIGXFSZ)" "small.model': File too large; the previous file"
if cmp -s "$E/small.model" "$S2/small.model" && ! ls "$S2" | grep -q '\.tmp\.'; then
    ok "file-size limit: the old model intact, no temporary file"
else
    not_ok "file-size limit: the old model intact, no temporary file" "$(ls "$S2")"
fi
: >"$S2/small.model.tmp.999999999.AbCdEf"  # no process has this id
: >"$S2/small.model.tmp.XyZ123"             # the pattern before ids were recorded
: >"$S2/small.model.tmp.$$.LiVe00"          # a living process's save in progress
run_u "$GOOD" -c "$M; model save small"
if [ "$rc" = 0 ] && [ ! -e "$S2/small.model.tmp.999999999.AbCdEf" ] && [ ! -e "$S2/small.model.tmp.XyZ123" ] &&
    [ -e "$S2/small.model.tmp.$$.LiVe00" ]; then
    ok "stale temporary files of a dead save are removed, a living one's kept"
else
    not_ok "stale temporary files of a dead save are removed, a living one's kept" "$(ls "$S2")"
fi
rm -f "$S2/small.model.tmp.$$.LiVe00"

# 4. Every command stream has the line limit of lessons and refuses NUL bytes.
{ echo "echo one"; head -c 200000 /dev/zero | tr '\0' a; echo; echo "echo never"; } >"$E/long.cmds"
UNTANGLE_HISTORY=/dev/null "$U" --term none <"$E/long.cmds" >"$T/out" 2>"$T/err"
rc=$?
check_error "stdin: a line over 64 KiB" "the line is longer than the 65536 bytes a line may hold" stdin:2
run_u "$GOOD" "$E/long.cmds"
check_error "command file: a line over 64 KiB" "longer than the 65536 bytes" "$E/long.cmds:2"
# (no ulimit -v under AddressSanitizer, which reserves terabytes of address space)
([ "$SANITIZED" = 1 ] || ulimit -v 262144 2>/dev/null; yes | tr -d '\n' | head -c 100000000 |
    UNTANGLE_HISTORY=/dev/null "$U" --term none >"$T/out" 2>"$T/err")
rc=$?
check_error "stdin: an endless line stops at the limit, in little memory" "longer than the 65536 bytes" stdin:1
printf 'echo one\necho a\000b\necho never\n' >"$E/nul.cmds"
UNTANGLE_HISTORY=/dev/null "$U" --term none <"$E/nul.cmds" >"$T/out" 2>"$T/err"
rc=$?
check_error "stdin: a NUL byte" "the line holds a NUL byte" stdin:2
grep -q never "$T/out" && not_ok "stdin NUL: stops there" "the next line ran"
run_u "$GOOD" "$E/nul.cmds"
check_error "command file: a NUL byte" "NUL byte" "$E/nul.cmds:2"
run_u "$GOOD" -c "echo $(head -c 70000 /dev/zero | tr '\0' a)"
check_error "-c: a line over 64 KiB" "more than the 65536 a line may hold"
printf '\357\273\277echo bom\n' >"$E/bom.cmds"
run_u "$GOOD" "$E/bom.cmds"
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = bom ]; then ok "command file with a UTF-8 BOM runs"
else not_ok "command file with a UTF-8 BOM runs" "exit $rc" "$(cat "$T/err")"; fi

# 5. Readers open without blocking, refuse non-regular files, and keep to the
# memory budget, which comes from the machine and shows in `info`.
run_u "$GOOD" -c "$M; predict image $E/fifo"
check_error "predict image on a FIFO does not block" "cannot read '$E/fifo': it is a named pipe \(FIFO\), not a regular file"
run_u "$GOOD" -c "model load $E/pipe"
check_error "model load on a FIFO does not block" "pipe.model': it is a named pipe"
mkfifo "$E/fifo.md"
run_u "$GOOD" "$E/fifo.md"
check_error "a lesson that is a FIFO does not block" "cannot read lesson '$E/fifo.md': it is a named pipe" untangle
if truncate -s 2G "$S2/sparse.model" 2>/dev/null; then
    if [ "$SANITIZED" = 1 ]; then
        UNTANGLE_MAX_BYTES=536870912 run_u "$GOOD" -c "model load sparse"
    else
        (ulimit -v 1048576 && UNTANGLE_MAX_BYTES=536870912 UNTANGLE_DATA="$GOOD" UNTANGLE_HISTORY=/dev/null \
            "$U" --term none --output "$S2" -c "model load sparse" >"$T/out" 2>"$T/err")
        rc=$?
    fi
    check_error "model load of a sparse 2 GiB file keeps to the budget" "reading this model file would need 2.0 GiB of memory, more than the 512.0 MiB allowed"
    rm -f "$S2/sparse.model"
else
    skip "model load of a sparse 2 GiB file" "cannot make a sparse file here"
fi
run_u "$GOOD" -c info
if grep -qE '^memory budget: [0-9.]+ [KMGT]iB for one request \(three quarters of the memory available now\)' "$T/out"; then
    ok "info shows the memory budget the machine gives"
else
    not_ok "info shows the memory budget the machine gives" "$(tail -n 2 "$T/out")"
fi
UNTANGLE_MAX_BYTES=1000000 run_u "$GOOD" -c info
if grep -q '^memory budget: 976.6 KiB for one request (UNTANGLE_MAX_BYTES)' "$T/out"; then
    ok "info shows UNTANGLE_MAX_BYTES as the budget"
else
    not_ok "info shows UNTANGLE_MAX_BYTES as the budget" "$(tail -n 2 "$T/out")"
fi

# 6. The command line: one form for every error, a reason and a fix.
run_u "$GOOD" "$E/folder.png"
check_error "a folder as command file" "cannot read '$E/folder.png': it is a folder, not a regular file; give a lesson \(.md\) or a command file" untangle
run_u "$GOOD" "$E/missing"
check_error "a missing command file" "cannot open '$E/missing': No such file or directory; give a lesson \(.md\) or a command file" untangle
(cd "$T" && "$U" lean) >"$T/out" 2>"$T/err"
rc=$?
check_error "a misspelt word of untangle's own, not a file" "cannot open 'lean': No such file or directory; did you mean \`untangle learn\`\?" untangle
run_u "$GOOD" --bogus
check_error "an unknown option" "unknown option '--bogus'; see --help" untangle 2
run_u "$GOOD" --seed x
check_error "a bad option value" "--seed: bad seed 'x' \(should be a whole number" untangle 2
run_u "$GOOD" --html
check_error "an option without its value" "--html needs a value; see --help" untangle 2

# 7. Lesson edges: need cycles, need outside the lesson's folder, a BOM.
mkdir -p "$E/lessons" "$E/other"
printf '# A\n\n```untangle\necho work of a\nneed nothing.model from b.md\n```\n' >"$E/lessons/a.md"
printf '# B\n\n```untangle\nneed nothing.model from a.md\n```\n' >"$E/lessons/b.md"
run_u "$GOOD" "$E/lessons/a.md"
check_error "need cycle: one line naming the chain" "lessons that need each other: $E/lessons/a.md needs $E/lessons/b.md needs $E/lessons/a.md again" "$E/lessons/b.md:4"
if [ "$(grep -c '^work of a' "$T/out")" = 1 ]; then ok "need cycle: the work before the need runs once"
else not_ok "need cycle: the work before the need runs once" "$(grep -c '^work of a' "$T/out") times"; fi
printf '# S\n\n```untangle\nneed nothing.model from s.md\n```\n' >"$E/lessons/s.md"
run_u "$GOOD" "$E/lessons/s.md"
check_error "a lesson that needs itself" "lessons that need each other: $E/lessons/s.md needs $E/lessons/s.md again" "$E/lessons/s.md:4"
printf '# P\n\n```untangle\nneed nothing.model from /etc/passwd\n```\n' >"$E/lessons/p.md"
run_u "$GOOD" "$E/lessons/p.md"
check_error "need from a file that is no lesson" "need: '/etc/passwd' is not a lesson; name the lesson file \(.md\)" "$E/lessons/p.md:4"
printf '# O\n\nOther.\n' >"$E/other/o.md"
printf '# Q\n\n```untangle\nneed nothing.model from ../other/o.md\n```\n' >"$E/lessons/q.md"
run_u "$GOOD" "$E/lessons/q.md"
check_error "need from a lesson outside the lesson's folder" "a lesson replays only lessons of its own folder" "$E/lessons/q.md:4"
if grep -q Other "$T/out"; then not_ok "need outside: nothing of it replayed" "$(cat "$T/out")"; fi
# The BOM right before the first fence is the case that broke: the fence was
# not seen, and the closing one was taken for a block never closed.
printf '\357\273\277```untangle\necho bom lesson\n```\n' >"$E/lessons/bom.md"
run_u "$GOOD" "$E/lessons/bom.md"
if [ "$rc" = 0 ] && grep -q '^bom lesson' "$T/out" && [ ! -s "$T/err" ]; then ok "a lesson with a UTF-8 BOM replays"
else not_ok "a lesson with a UTF-8 BOM replays" "exit $rc" "$(cat "$T/err")"; fi

# Lesson prose and echo never send raw escape sequences (a shared lesson could
# set the title or write the clipboard, OSC 52): control characters show escaped.
printf '# T\n\nA title \033]0;owned\007 and a clip \033]52;c;aGk=\007.\n\n```untangle\necho "\033]52;c;aGk=\007"\n```\n' >"$E/lessons/esc.md"
run_u "$GOOD" "$E/lessons/esc.md"
if [ "$rc" = 0 ] && ! LC_ALL=C grep -q "$(printf '\033')" "$T/out" && grep -qF '\x1b]52;c;aGk=\x07' "$T/out"; then
    ok "lesson prose and echo show escape sequences escaped"
else
    not_ok "lesson prose and echo show escape sequences escaped" "exit $rc" "$(od -c "$T/out" | head -n 3)"
fi
run_u "$GOOD" -c "echo '$(printf '\033]0;x\007')'"
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = '\x1b]0;x\x07' ]; then ok "echo in -c shows control characters escaped"
else not_ok "echo in -c shows control characters escaped" "$(od -c "$T/out" | head -n 2)"; fi

# 8. Lost output: a closed pipe ends the run with the report written; a full
# disk is a failure, said once.
printf '# Long\n\n```untangle\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\nhelp\n```\n' >"$E/long.md"
for i in 1 2 3 4 5 6; do cat "$E/long.md"; done >"$E/longer.md"
rm -f "$E/r.html"
(UNTANGLE_DATA="$GOOD" UNTANGLE_HISTORY=/dev/null "$U" --term none --html "$E/r.html" "$E/longer.md" 2>"$T/err"
 echo $? >"$T/rc") | head -c 1 >/dev/null
rc=$(cat "$T/rc")
if [ "$rc" != 0 ] && [ "$rc" -lt 128 ] && [ -s "$E/r.html" ] && grep -q 'Broken pipe' "$T/err" &&
    [ "$(grep -c 'error: ' "$T/err")" = 1 ]; then
    ok "output into a closed pipe: the report is written, exit $rc, one error line"
else
    not_ok "output into a closed pipe: the report is written, one error line" "exit $rc" "$(cat "$T/err")"
fi
if [ -w /dev/full ]; then
    UNTANGLE_DATA="$GOOD" UNTANGLE_HISTORY=/dev/null "$U" --term none -c "help" >/dev/full 2>"$T/err"
    rc=$?
    check_error "output to a full disk" "cannot write the output: No space left on device"
else
    skip "output to a full disk" "no /dev/full"
fi

# 9. Messages: a long word is shortened, never the advice; one number grammar.
run_u "$GOOD" -c "frobnicate$(head -c 5000 /dev/zero | tr '\0' q)"
check_error "a 5000-character word keeps the advice" "unknown command 'frobnicateq+…' \(5010 characters\); \`help\` lists the commands$"
run_u "$GOOD" -c "keep loss as ''"
check_error "keep as an empty name" "keep: the name is empty; give one"
run_u "$GOOD" -c "$M; $C lr 1e-320"
check_error "lr 1e-320" "lr 1e-320 is too close to 0 to compute with"
run_u "$GOOD" -c "$M; $C lr 0x10"
check_error "lr 0x10: no hexadecimal" "bad lr '0x10' \(should be a number"
run_u "$GOOD" -c "$L; $M; $C lr 0.5; fit epochs 0x10"
check_error "epochs 0x10: no hexadecimal" "bad epochs '0x10' \(should be a whole number"
run_u "$GOOD" -c "set seed ' 7'"
check_error "seed ' 7': no blanks" "bad seed ' 7'"
run_u "$GOOD" -c "set seed 1e3; $M; $C lr 5e-1"
if [ "$rc" = 0 ] && grep -q '^seed 1000$' "$T/out" && grep -q 'lr 0.5' "$T/out"; then
    ok "one grammar: 1e3 is a whole number, 5e-1 a real one"
else
    not_ok "one grammar: 1e3 is a whole number, 5e-1 a real one" "exit $rc" "$(cat "$T/err")"
fi

exit 0
