#!/bin/sh
# Command-line tests: untangle as a person runs it (-c, pipes, lessons, errors).
# Prints "  ok NAME" or "  not ok NAME" per case; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/cases.sh"

check "--version" 0 '^untangle [0-9]' -- "$U" --version
check "--version names OpenBLAS's kernels" 0 '^matrix products: OpenBLAS [0-9.]+, [A-Za-z]+ kernels: ' -- "$U" --version
check "--version names untangle's kernels" 0 "^convolutions, activations, pooling: untangle's (AVX-512|AVX2\+FMA|portable C) kernels \((avx512|avx2|portable) path\), the best for .*family [0-9]+ model [0-9]+" -- "$U" --version
check "--version says why these OpenBLAS kernels" 0 '^matrix products: OpenBLAS [0-9.]+, [A-Za-z]+ kernels: (chosen by OpenBLAS|OpenBLAS did not recognise this CPU \(it picked [A-Za-z0-9_]+\))$' -- env -u OPENBLAS_CORETYPE "$U" --version
# the convolution path follows the CPU's flags as the kernel listing gives them
if grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    kpath=avx512
elif grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
    kpath=avx2
else
    kpath=portable
fi
case $(uname -m) in x86_64) ;; *) kpath=portable ;; esac
check "--version names the $kpath convolution path on this CPU" 0 "^convolutions, .*\($kpath path\)" -- "$U" --version
check "info names the convolution path" 0 "^convolutions, activations, pooling: .*\($kpath path\)" -- "$U" -c info
check "info names the kernels" 0 '^matrix products: OpenBLAS .* kernels' -- "$U" -c info
check "OPENBLAS_CORETYPE in the environment is kept" 0 'Prescott kernels: OPENBLAS_CORETYPE=Prescott in the environment' -- env OPENBLAS_CORETYPE=Prescott "$U" --version
# A CPU OpenBLAS does not know: untangle restarts itself once with better kernels
# (and the restarted program, finding OPENBLAS_CORETYPE set, does not restart).
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
    check "a fallback to Prescott restarts on better kernels" 0 '(SkylakeX|Haswell) kernels: OpenBLAS did not recognise this CPU \(it picked Prescott\)' -- env UNTANGLE_TEST_OPENBLAS_PICKED=Prescott "$U" --version
    check "the restart keeps the command line" 0 '^two$' -- env UNTANGLE_TEST_OPENBLAS_PICKED=Prescott "$U" -c "echo one; echo two"
else
    echo "  skip a fallback to Prescott restarts on better kernels: this CPU has no AVX2+FMA"
fi
check "--help" 0 'usage: untangle' -- "$U" --help
check "unknown option" 2 "unknown option '--nope'" -- "$U" --nope
check "-c runs commands" 0 '^hello world$' -- "$U" -c "echo hello world"
check "-c semicolons and comments" 0 '^two$' -- "$U" -c "echo one; echo two # not three"
check "-c unknown command suggests" 1 "^-c:1: error: unknown command 'lod'; did you mean 'load'" -- "$U" -c "lod mnist"
check "-c stops at the first error" 1 "" -- sh -c "\"$U\" -c 'echo a; nope; echo after' | grep -q after && exit 9; exit 1"
check "missing word names it and the help topic" 1 "error: set seed needs N: .*; see \`help set seed\`" -- "$U" -c "set seed"
check "bad number names the argument" 1 "bad seed 'abc'" -- "$U" -c "set seed abc"
check "bad choice lists the choices" 1 "bad set sub-command 'sede'; did you mean 'seed'\? \(should be seed, threads, term, live, lang, output or name\)" -- "$U" -c "set sede 3"
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

check "model save makes the output folder with its parents" 0 "saved $T/deep/er/m.model" -- \
    "$U" -c "set output $T/deep/er; model new; model add dense 3 input 4; model save m"
check "model add avgpool and dropout through the registry" 0 "dropout_1 \(Dropout\) +\(None, 3, 4, 2\)" -- \
    "$U" -c "model new; model add conv2d 2 3x3 input 8x10x1; model add avgpool 2x2; model add dropout 0.5; model summary"
check "bad dropout rate names its range" 1 "dropout rate 1.5 is out of range \(should be from 0 to 0.99\)" -- \
    "$U" -c "model new; model add dropout 1.5 input 4"

# Data-dependent cases need MNIST (make data): without it they are reported as
# skipped, which fails the run under CI=true (tests/run.sh).
if [ -f data/mnist/t10k-images-idx3-ubyte ]; then
    check "load and show the 10x20 grid" 0 "wrote $T/g.png \(720x380\)" -- "$U" -c "load mnist train 300 test 100; show images 200 to $T/g.png"
    # The training then the test images, with the FFT repulsion: every stage timed, and
    # the same embedding (its KL and NH to the printed digits) on 1 and 3 threads.
    TS="load mnist train 1500 test 300; tsne raw from all first 1700 iterations 300 method fft"
    check "tsne from all, method fft, verbose 1" 0 "stage the rest \(50 iterations\)" -- \
        "$U" -c "$TS verbose 1"
    check "tsne from all names its embedding" 0 "Neighborhood Hit \(k 6\) of raw all\[0:1700\]" -- \
        "$U" -c "$TS; nh"
    "$U" -c "set threads 1; $TS; nh" 2>&1 | sed -n 's/.*\(KL divergence [0-9.]*\).*/\1/p; /^Neighborhood/p' >"$T/t1"
    "$U" -c "set threads 3; $TS; nh" 2>&1 | sed -n 's/.*\(KL divergence [0-9.]*\).*/\1/p; /^Neighborhood/p' >"$T/t3"
    if [ -s "$T/t1" ] && cmp -s "$T/t1" "$T/t3"; then
        ok "tsne method fft: the same on 1 and 3 threads"
    else
        not_ok "tsne method fft: the same on 1 and 3 threads" "$(cat "$T/t1")" "$(cat "$T/t3")"
    fi
    # A person's own digit through -c, as typed at the prompt: a test image
    # written as a PNG, then classified by a small trained model.
    check "predict image FILE.png in -c" 0 "^predicted [0-9] \(probability" -- "$U" --term none --output "$T/pics" -c \
        "load mnist train 2000 test 10; show images 1 from test to $T/seven.png; model new; model add dense 10 softmax input 784; compile lr 0.5; fit epochs 2 verbose 0; predict image $T/seven.png to $T/seen.png"
    for lesson in lessons/en/*.md lessons/fr/*.md; do
        [ -f "$lesson" ] || continue
        check "replay $lesson (quick)" 0 "" -- "$U" --quick --output "$T/pics" --term none "$lesson"
    done
else
    echo "  skip MNIST cases (grid, predict image, lesson replays): no MNIST in data/mnist (make data)"
fi
exit 0
