#!/bin/sh
# Lesson prose as the replay prints it: re-wrapped to the terminal's width (at
# most 100 columns), words never broken, code kept, control characters escaped.
# In a pipe the width is $COLUMNS or 80 and nothing is styled; on a terminal
# (script(1) gives one) the width is the terminal's and headings are styled.
# The lessons' prose is replayed without their commands (no data needed).
# Prints "  ok NAME", "  not ok NAME" or "  skip NAME: why"; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case $U in /*) ;; *) U="$(pwd)/$U" ;; esac
T=$(mktemp -d /tmp/untangle-prose-XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/cases.sh"

# The words of a text, one per line, without fence lines and quote marks (a
# quote has one per line, and the lines are not the source's).
words() { tr -s ' \t' '\n\n' <"$1" | grep -av '^```' | grep -av '^>*$'; }
# Lines wider than $2 columns (UTF-8 continuation bytes do not count) that are
# neither one word nor a line of the source (code blocks are kept as they are).
too_wide() {
    LC_ALL=C sed 's/[\x80-\xbf]//g' "$1" | awk -v w="$2" 'length($0) > w' |
        while IFS= read -r line; do
            body=$(printf '%s' "$line" | sed 's/^[> -]*//')
            case "$body" in *" "*) ;; *) continue ;; esac
            LC_ALL=C sed 's/[\x80-\xbf]//g' "$3" | grep -qF -- "$body" || printf '%s\n' "$line"
        done
}

n=0
for lesson in lessons/en/*.md lessons/fr/*.md; do
    [ -f "$lesson" ] || continue
    name=$(basename "$lesson" .md)
    lang=$(basename "$(dirname "$lesson")")
    prose="$T/$lang-$name.md"
    # an exercise's block stays, empty, so that its hints still have it
    awk '/^```untangle exercise/ { print; skip = 2; next } /^```untangle/ { skip = 1; next }
         skip && /^```/ { if (skip == 2) print; skip = 0; next } !skip' "$lesson" >"$prose"
    grep -av '^```' "$prose" >"$T/nofence"
    words "$T/nofence" >"$T/want"
    for w in 40 80 120; do
        limit=$w
        [ "$limit" -gt 100 ] && limit=100
        if ! COLUMNS=$w "$U" "$prose" >"$T/out" 2>"$T/err"; then
            not_ok "prose of $lang/$name at $w columns" "the replay failed: $(head -n 2 "$T/err")"
            continue
        fi
        words "$T/out" >"$T/got"
        wide=$(too_wide "$T/out" "$limit" "$prose")
        if ! cmp -s "$T/want" "$T/got"; then
            not_ok "prose of $lang/$name at $w columns keeps every word whole" \
                "$(diff "$T/want" "$T/got" | head -n 6)"
        elif [ -n "$wide" ]; then
            not_ok "prose of $lang/$name at $w columns fits in $limit" "$(echo "$wide" | head -n 3)"
        elif grep -aqE '^[> ]*([;:!?]|»)( |$)' "$T/out"; then
            not_ok "prose of $lang/$name at $w columns keeps ; : ! ? » with their word" \
                "$(grep -anE '^[> ]*([;:!?]|»)( |$)' "$T/out" | head -n 3)"
        elif grep -aq "$(printf '\033')" "$T/out"; then
            not_ok "prose of $lang/$name in a pipe has no escape sequence"
        else
            n=$((n + 1))
        fi
    done
done
[ "$n" -ge 42 ] && ok "lesson prose re-wrapped at 40, 80 and 120 columns, words whole ($n replays)" ||
    not_ok "lesson prose re-wrapped: only $n of 42 replays passed"

# Without COLUMNS, a pipe is wrapped as an 80-column terminal.
env -u COLUMNS "$U" "$T/en-01-logistic.md" >"$T/out" 2>&1
max=$(LC_ALL=C sed 's/[\x80-\xbf]//g' "$T/out" | grep -av '^    ' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
if [ "$max" -le 80 ] && [ "$max" -ge 70 ]; then
    ok "a pipe without COLUMNS wraps at 80 columns (longest prose line $max)"
else
    not_ok "a pipe without COLUMNS wraps at 80 columns" "longest prose line: $max"
fi

# A shared lesson cannot send escape sequences: an OSC title, a colour, BEL.
printf '# Hostile \033[31mlesson\n\nSets the title \033]0;pwned\007 and clears \033[2J the screen.\n\n> **Question** \033[5mblink?\n' >"$T/hostile.md"
"$U" "$T/hostile.md" >"$T/out" 2>&1
if grep -aq "$(printf '\033')\|$(printf '\007')" "$T/out"; then
    not_ok "control characters of a lesson are shown escaped in a pipe" "$(cat -v "$T/out" | head -n 3)"
elif grep -aqF 'title \x1b]0;pwned\x07 and clears \x1b[2J the' "$T/out"; then
    ok "control characters of a lesson are shown escaped in a pipe"
else
    not_ok "control characters of a lesson are shown escaped in a pipe" "$(head -n 3 "$T/out")"
fi

if ! command -v script >/dev/null 2>&1; then
    echo "  skip prose on a terminal: no script(1) to give the replay one"
    exit 0
fi
# On a terminal 50 columns wide: wrapped at 50, headings styled, and the only
# escapes are the styling untangle adds (ESC [ digits m), never the lesson's.
script -qec "stty cols 50 rows 40; env TERM=xterm '$U' '$T/en-01-logistic.md' '$T/hostile.md'" /dev/null \
    >"$T/tty" 2>&1 </dev/null
tr -d '\r' <"$T/tty" | LC_ALL=C sed 's/\x1b\[[0-9;]*m//g' >"$T/plain"
max=$(LC_ALL=C sed 's/[\x80-\xbf]//g' "$T/plain" | grep -av '^    ' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
if [ "$max" -le 50 ] && [ "$max" -ge 40 ]; then
    ok "on a terminal prose wraps at its width (50 columns, longest line $max)"
else
    not_ok "on a terminal prose wraps at its width (50 columns)" "longest line: $max"
fi
if grep -aq "$(printf '\033')\[0;1;4;36mLesson" "$T/tty"; then
    ok "on a terminal headings are styled"
else
    not_ok "on a terminal headings are styled" "$(head -n 2 "$T/tty" | cat -v)"
fi
others=$(tr -d '\r' <"$T/tty" | LC_ALL=C sed 's/\x1b\[[0-9;]*m//g' | LC_ALL=C grep -ac "$(printf '\033')\|$(printf '\007')")
if [ "$others" = 0 ] && grep -aqF '\x1b]0;pwned\x07' "$T/plain"; then
    ok "on a terminal a lesson's escapes are shown, only untangle's styling is sent"
else
    not_ok "on a terminal a lesson's escapes are shown, only untangle's styling is sent" \
        "$others lines with other escapes"
fi
exit 0
