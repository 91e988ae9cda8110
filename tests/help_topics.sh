#!/bin/sh
# help_topics.sh: every error that sends the user to a help topic sends them to
# one that exists. Two sources of topics, each run as `help TOPIC` through the
# binary (status 0, a page, no error line):
#   - the literal "`help WORDS`" texts in src/ (placeholders such as CMD aside);
#   - the topics the errors really name: for each command, sub-command and
#     variant (layer, terminal mode...) that `help` lists, the line with a
#     misspelt word after it, and the `help ...` its error points to.
# Prints "  ok NAME" or "  not ok NAME"; run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/cases.sh

run() { UNTANGLE_HISTORY=/dev/null timeout 60 "$U" --term none --output "$T/out" -c "$1"; }

# The topics an error points to, one a line, from the error lines given.
topics_of() { sed -n 's/.*`help \([a-z][a-z0-9_ ]*\)`.*/\1/p'; }

# Literal topics in the sources: lower-case words only (CMD, X, %s are
# placeholders filled in at run time; the run-time ones come below).
grep -rhoE '`help [a-z][a-z0-9_ ]*`' src | sed 's/^`help //; s/`$//' >"$T/topics"

# Commands, then their sub-commands and variants, from the help pages.
cmds=$(run help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ -n "$cmds" ] || not_ok "help lists the commands" "$(run help 2>&1 | head -n 3)"
n_lines=0
for c in $cmds; do
    case $c in quit | exit | help) continue ;; esac
    # "    CMD SUB ..." and "    CMD SUB VARIANT ..." lines of the pages of
    # CMD and of CMD SUB (`compile optimizer adam`, `model add dense`).
    {
        echo "$c"
        run "help $c" 2>/dev/null | sed -n "s/^    \($c [a-z][a-z_]*\).*/\1/p"
        run "help $c" 2>/dev/null | sed -n "s/^    \($c [a-z][a-z_]* [a-z][a-z0-9_]*\).*/\1/p"
        for s in $(run "help $c" 2>/dev/null | sed -n "s/^    $c \([a-z][a-z_]*\).*/\1/p" | sort -u); do
            run "help $c $s" 2>/dev/null | sed -n "s/^    \($c $s [a-z][a-z0-9_]*\).*/\1/p"
        done
    } | sort -u >"$T/paths"
    while IFS= read -r p; do
        run "$p qzxq" 2>&1 >/dev/null | topics_of >>"$T/topics"
        n_lines=$((n_lines + 1))
    done <"$T/paths"
done

sort -u "$T/topics" | sed '/^$/d' >"$T/uniq"
n=$(wc -l <"$T/uniq")
if [ "$n" -lt 10 ]; then
    not_ok "help topics gathered" "only $n topics from $n_lines misspelt lines" "$(cat "$T/uniq")"
fi
bad=""
while IFS= read -r topic; do
    topic=$(printf '%s' "$topic" | sed 's/ *$//')
    run "help $topic" >"$T/page" 2>"$T/err"
    rc=$?
    if [ "$rc" != 0 ] || [ -s "$T/err" ] || [ ! -s "$T/page" ]; then
        bad="$bad
help $topic: status $rc, $(head -n 1 "$T/err")"
    fi
done <"$T/uniq"
if [ -z "$bad" ]; then
    ok "every help topic an error names exists ($n topics, $n_lines misspelt lines)"
else
    not_ok "every help topic an error names exists" "$bad"
fi

# The check itself can fail: a topic that does not exist is an error.
if run "help model qzxq" >/dev/null 2>&1; then
    not_ok "help of a missing topic fails" "help model qzxq: status 0"
else
    ok "help of a missing topic fails"
fi
exit 0
