#!/bin/sh
# What a session leaves behind, through the real binary: `handin FILE.html` (the
# student's page: name, date, commands with outputs and pictures, answers beside
# the reference answers, SHA-256), `untangle check-handin` (0 and one line when
# intact, 1 and one line when one byte was edited), and `save lesson FILE.md`
# (replaying the written lesson gives the same figures).
# Prints "  ok NAME", "  not ok NAME" or "  skip NAME: why"; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-handin-XXXXXX)
trap 'rm -rf "$T"' EXIT
export UNTANGLE_DATA="$(pwd)/data/mnist"
export UNTANGLE_HISTORY=/dev/null

. "$(dirname "$0")/cases.sh"

check "handin refuses a page that is not .html" 1 "does not end in .html" -- \
    "$U" -c "handin $T/page.txt"
check "save lesson refuses a file that is not .md" 1 "does not end in .md" -- \
    "$U" -c "save lesson $T/l.txt"
check "save lesson with nothing typed says so" 1 "no command was typed in this session yet" -- \
    "$U" -c "save lesson $T/l.md"
check "set name takes every word" 0 "^name Ada King Lovelace$" -- "$U" -c "set name Ada King Lovelace"
check "check-handin needs a page" 2 "check-handin needs the page" -- "$U" check-handin
check "check-handin on a missing page" 1 "^$T/none.html: error: cannot open" -- "$U" check-handin "$T/none.html"
printf '<html><body>hello</body></html>\n' >"$T/plain.html"
check "check-handin on a page untangle did not write" 1 "holds no untangle checksum" -- \
    "$U" check-handin "$T/plain.html"

if [ ! -f data/mnist/t10k-images-idx3-ubyte ]; then
    echo "  skip handin of a session: no MNIST (make data)"
    exit 0
fi

# ---- a session typed at a plain prompt (a pipe), then handed in ----
cat >"$T/session" <<EOF
set name Ada Lovelace
load mnist train 600 test 200
model new
model add dense 10 softmax input 784
compile lr 0.5
fit batch 100 epochs 2
evaluate
show images 20
handin $T/work.html
EOF
check "handin at a plain prompt writes the page" 0 "^wrote $T/work.html: 9 commands, 1 picture, .*SHA-256 [0-9a-f]{64}$" -- \
    sh -c "cd '$T' && '$U' --term none --output '$T/out' <'$T/session'"
grep -q 'The work of <strong>Ada Lovelace</strong>' "$T/work.html" &&
    grep -q 'untangle&gt; fit batch 100 epochs 2' "$T/work.html" &&
    grep -q 'test accuracy: 0\.' "$T/work.html" &&
    grep -q 'src="data:image/png;base64,' "$T/work.html" &&
    ok "the page holds the name, every command with its output, and the picture" ||
    not_ok "the page holds the name, every command with its output, and the picture"

# Without `set name`, the page carries $USER.
printf 'echo hi\nhandin %s/user.html\n' "$T" | USER=grace "$U" >/dev/null 2>&1
grep -q 'The work of <strong>grace</strong>' "$T/user.html" &&
    ok "without set name the page carries \$USER" ||
    not_ok "without set name the page carries \$USER"

# check-handin: one line and 0 when intact; one byte edited anywhere: one line and 1.
"$U" check-handin "$T/work.html" >"$T/chk" 2>&1
st=$?
if [ "$st" = 0 ] && [ "$(wc -l <"$T/chk")" = 1 ] &&
    grep -q "^$T/work.html: intact: the page is as untangle wrote it for Ada Lovelace on " "$T/chk"; then
    ok "check-handin: an intact page gives status 0 and one line"
else
    not_ok "check-handin: an intact page gives status 0 and one line" "status $st" "$(head -n 2 "$T/chk")"
fi
edited=0
for what in 'test accuracy: 0' 'Ada Lovelace' 'SHA-256 of this page' 'untangle-sha256">'; do
    cp "$T/work.html" "$T/edit.html"
    # One byte, just after the first match, becomes another.
    at=$(grep -abo -m 1 -- "$what" "$T/edit.html" | head -n 1 | cut -d: -f1)
    at=$((at + ${#what}))
    byte=$(dd if="$T/edit.html" bs=1 skip="$at" count=1 2>/dev/null)
    [ "$byte" = 7 ] && new=8 || new=7
    printf '%s' "$new" | dd of="$T/edit.html" bs=1 seek="$at" conv=notrunc 2>/dev/null
    if [ "$(cmp -l "$T/work.html" "$T/edit.html" | wc -l)" != 1 ]; then
        not_ok "check-handin: the test changes one byte after '$what'"
        continue
    fi
    "$U" check-handin "$T/edit.html" >"$T/chk" 2>&1
    st=$?
    if [ "$st" = 1 ] && [ "$(wc -l <"$T/chk")" = 1 ] && grep -q "edited after it was written" "$T/chk"; then
        edited=$((edited + 1))
    else
        not_ok "check-handin: one byte edited after '$what' gives status 1 and one line" "status $st" "$(head -n 2 "$T/chk")"
    fi
done
[ "$edited" = 4 ] && ok "check-handin: one byte edited (output, name, footer, the checksum itself) gives status 1 and one line"

# ---- a lesson with a question, the student's answer and the reference ----
cat >"$T/q.md" <<'MD'
# Questions

```untangle
load mnist train 300 test 100
show images 10
```

> **Question** How many pixels has an image?

> **My answer** 28 × 28 = 784 pixels.

> **Answer** 784: 28 rows of 28 pixels.

> **Question** Which digit is hardest?

> **Answer** Often 8 or 9.
MD
check "--html writes the student's page of a replay" 0 "wrote $T/q.html \(1 figures; SHA-256 [0-9a-f]{64}\)" -- \
    "$U" --term none --output "$T/out" --html "$T/q.html" "$T/q.md"
check "the --html page passes check-handin" 0 "intact" -- "$U" check-handin "$T/q.html"

# ---- a failed command at the interactive prompt is on the page, marked ----
if command -v script >/dev/null 2>&1; then
    printf 'lod mnist\necho after\nhandin %s/tty.html\n' "$T" >"$T/typed"
    script -qec "cd '$T' && exec '$U' --term none" /dev/null <"$T/typed" >"$T/tty.log" 2>&1
    if grep -q '<div class="cmd failed"><code class="in">untangle&gt; lod mnist' "$T/tty.html" 2>/dev/null &&
        grep -q 'untangle&gt; echo after' "$T/tty.html"; then
        ok "at the interactive prompt, handin records failed commands too"
    else
        not_ok "at the interactive prompt, handin records failed commands too" "$(tail -n 3 "$T/tty.log")"
    fi
else
    echo "  skip handin at the interactive prompt: no script(1)"
fi

# ---- the pages in a browser ----
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
    echo "  skip hand-in pages in a browser: chromium is not installed"
else
    flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
--disable-background-networking --disable-component-update --disable-sync"
    for page in work q; do
        # shellcheck disable=SC2086
        timeout 120 "$CHROME" $flags --user-data-dir="$T/profile" --virtual-time-budget=5000 \
            --dump-dom "file://$T/$page.html" >"$T/$page.dom" 2>/dev/null
    done
    sha=$(grep -o 'untangle-sha256">[0-9a-f]*' "$T/work.html" | cut -d'>' -f2)
    if grep -q 'data-figures="1/1"' "$T/work.dom" && grep -q "$sha" "$T/work.dom" &&
        grep -q 'Ada Lovelace' "$T/work.dom"; then
        ok "the hand-in opens in Chromium with its picture, name and checksum"
    else
        not_ok "the hand-in opens in Chromium with its picture, name and checksum" \
            "$(grep -o 'data-figures="[^"]*"' "$T/work.dom")"
    fi
    if grep -q 'data-figures="1/1"' "$T/q.dom" &&
        grep -q '<div class="student"><p><strong>My answer</strong> 28 × 28 = 784 pixels.</p>' "$T/q.dom" &&
        grep -q '<details class="reference"><summary>Reference answer</summary>' "$T/q.dom" &&
        grep -q 'No answer.' "$T/q.dom" && grep -q 'Questions answered: 1 of 2.' "$T/q.dom"; then
        ok "in Chromium the student's answers stand beside the folded reference answers"
    else
        not_ok "in Chromium the student's answers stand beside the folded reference answers"
    fi
fi

# ---- save lesson, then replay it: the same figures ----
cat >"$T/author" <<EOF
set seed 7
load mnist train 600 test 200
model new
model add dense 32 relu input 784
model add dense 10 softmax
compile lr 0.3
fit batch 50 epochs 2
evaluate
show confusion
figures
figures confusion.
save lesson $T/made.md
EOF
"$U" --term none --output "$T/out1" <"$T/author" >"$T/author.log" 2>&1
st=$?
# Timings differ from run to run; every other figure must be the same.
grep -E '^  [a-z_.0-9]+ +[-0-9.e]+$' "$T/author.log" | grep -v '_seconds ' | sort >"$T/fig1"
printf 'figures\nfigures confusion.\n' >"$T/figures.cmds"
if [ "$st" != 0 ] || ! grep -q "^wrote $T/made.md: 9 commands and [0-9]* expect lines" "$T/author.log"; then
    not_ok "save lesson writes the typed commands" "status $st" "$(tail -n 2 "$T/author.log")"
elif ! "$U" --term none --output "$T/out2" "$T/made.md" "$T/figures.cmds" >"$T/replay.log" 2>&1; then
    not_ok "the saved lesson replays, its expect lines holding" "$(grep error "$T/replay.log" | head -n 2)"
else
    grep -E '^  [a-z_.0-9]+ +[-0-9.e]+$' "$T/replay.log" | grep -v '_seconds ' | sort >"$T/fig2"
    n=$(wc -l <"$T/fig1")
    if [ "$n" -gt 100 ] && cmp -s "$T/fig1" "$T/fig2" && grep -q '^expect test_accuracy ~ 0\.' "$T/made.md" &&
        grep -q '^set seed 7$' "$T/made.md" && ! grep -q '^figures\|^save' "$T/made.md"; then
        ok "save lesson, then its replay gives the same $n figures"
    else
        not_ok "save lesson, then its replay gives the same figures" "$(diff "$T/fig1" "$T/fig2" | head -n 4)"
    fi
fi
# Saving again keeps the edited lesson beside it.
echo "# edited by the teacher" >>"$T/made.md"
printf 'echo again\nsave lesson %s/made.md\n' "$T" | "$U" >"$T/again.log" 2>&1
if grep -q 'the old lesson is kept as' "$T/again.log" && grep -q '# edited by the teacher' "$T/made.md.bak"; then
    ok "save lesson over a lesson keeps the old one as .bak"
else
    not_ok "save lesson over a lesson keeps the old one as .bak" "$(tail -n 1 "$T/again.log")"
fi
exit 0
