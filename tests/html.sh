#!/bin/sh
# The HTML report in a real browser: every figure decodes, no console error, and a
# screenshot is kept (build/report-screenshot.png). Skipped when Chromium is absent
# (`make check` installs it).
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
SHOT="$(pwd)/${BUILD:-build}/report-screenshot.png"
T=$(mktemp -d /tmp/untangle-html-XXXXXX)
trap 'rm -rf "$T"' EXIT

if [ ! -f data/mnist/t10k-images-idx3-ubyte ]; then
    echo "  skip html report: no MNIST (make data)"
    exit 0
fi
if ! "$U" --quick --term none --output "$T/out" --html "$T/report.html" \
    lessons/en/00-images.md lessons/en/01-logistic.md lessons/en/04-tsne.md >"$T/log" 2>&1; then
    echo "  not ok html report: the replay failed"
    tail -n 5 "$T/log" | sed 's/^/      /'
    exit 0
fi
grep -q 'data:image/png;base64,' "$T/report.html" &&
    echo "  ok html report embeds its figures" ||
    echo "  not ok html report embeds its figures"
# A replay does no exercise by hand: its summary counts commands and pictures, not
# "0 done, 0 skipped, 0 open" exercises.
if grep -qE '<p class="summary">Commands: [0-9]+, of which 0 failed\. Pictures: [1-9]' "$T/report.html" &&
    ! grep -q 'Exercises: 0 done' "$T/report.html"; then
    echo "  ok html report of a replay: its summary counts commands and pictures, no empty exercise counts"
else
    echo "  not ok html report of a replay: its summary counts commands and pictures, no empty exercise counts"
    grep -o '<p class="summary">[^<]*' "$T/report.html" | sed 's/^/      /'
fi
# Lesson 04's `tsne raw first 1000 live`: the run as an animation in the page
# (Chromium below loads it with the other pictures)
if [ "$(grep -c 'src="data:image/gif;base64,R0lGODlh' "$T/report.html")" = 1 ]; then
    echo "  ok html report of lesson 04 holds the t-SNE run as an animated GIF"
else
    echo "  not ok html report of lesson 04 holds the t-SNE run as an animated GIF"
fi
# Lesson 01 through cmark: the indented formula is one preformatted block with
# its two lines (not merged into a paragraph), and a code span running across a
# line break is one span (no stray backtick).
if grep -q '^<pre><code>s = W x + b  ' "$T/report.html" &&
    grep -A1 '^<pre><code>s = W x + b  ' "$T/report.html" | grep -q '^p_k = exp(s_k)'; then
    echo "  ok html report of lesson 01: the formula is one block, line for line"
else
    echo "  not ok html report of lesson 01: the formula is one block, line for line"
    grep -B1 -A2 's = W x + b' "$T/report.html" | head -n 4 | sed 's/^/      /'
fi
if grep -q "<code>model.add(Dense(10, input_dim=784, name='fc1'))</code>" "$T/report.html" &&
    ! grep -q '`model.add' "$T/report.html"; then
    echo "  ok html report of lesson 01: a code span across a line break, no stray backtick"
else
    echo "  not ok html report of lesson 01: a code span across a line break, no stray backtick"
    grep -n 'model.add(Dense' "$T/report.html" | head -n 3 | sed 's/^/      /'
fi

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
    echo "  skip html report in a browser: chromium is not installed"
    exit 0
fi
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
--disable-background-networking --disable-component-update --disable-sync"
# shellcheck disable=SC2086
timeout 120 "$CHROME" $flags --user-data-dir="$T/profile" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --dump-dom "file://$T/report.html" >"$T/dom" 2>"$T/console"
want=$(grep -c '<img ' "$T/report.html")
got=$(grep -o 'data-figures="[0-9]*/[0-9]*"' "$T/dom" | head -n 1)
if [ "$got" = "data-figures=\"$want/$want\"" ] && [ "$want" -gt 0 ]; then
    echo "  ok html report: $want of $want figures load in Chromium"
else
    echo "  not ok html report: figures in Chromium: '$got', expected $want/$want"
fi
if grep -E 'CONSOLE|Uncaught' "$T/console" >/dev/null; then
    echo "  not ok html report: no console message"
    grep -E 'CONSOLE|Uncaught' "$T/console" | head -n 3 | sed 's/^/      /'
else
    echo "  ok html report: no console message"
fi
mkdir -p "$(dirname "$SHOT")"
# shellcheck disable=SC2086
timeout 120 "$CHROME" $flags --user-data-dir="$T/profile" --window-size=1000,2400 \
    --hide-scrollbars --screenshot="$SHOT" "file://$T/report.html" >/dev/null 2>&1
if [ -s "$SHOT" ]; then
    echo "  ok html report: screenshot kept in ${SHOT#"$(pwd)/"}"
else
    echo "  not ok html report: no screenshot"
fi
exit 0
