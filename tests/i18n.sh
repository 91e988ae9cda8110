#!/bin/sh
# Languages through the real binary: the French catalogue holds every message of
# the sources, translated; the language follows the locale, LANGUAGE and
# `set lang`, and works on a machine where only C.UTF-8 is generated; an error
# keeps its one-line form in French ("WHERE: erreur : what; what to do"); LANG=C
# is English. Run by tests/run.sh.
set -u
U=${UNTANGLE:-./untangle}
case "$U" in /*) ;; *) U="$(pwd)/$U" ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/untangle-i18n-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/cases.sh"

# ---- the catalogue ----

if ! command -v xgettext >/dev/null 2>&1 || ! command -v msgcmp >/dev/null 2>&1; then
    skip "catalogue" "gettext is not installed (make deps)"
else
    # The same extraction as `make pot`, into a fresh template.
    (cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
        --add-comments=TRANSLATORS: -o "$T/fresh.pot" $(find src include -name '*.[ch]' | sort)) \
        2>"$T/xgettext.err"
    n=$(grep -c '^msgid ' "$T/fresh.pot" 2>/dev/null || echo 0)
    if [ "$n" -lt 2 ]; then
        not_ok "catalogue: xgettext finds the messages of src/" "$(cat "$T/xgettext.err")"
    else
        ok "catalogue: xgettext finds $((n - 1)) messages in src/ and include/"
    fi
    # msgcmp counts an untranslated or fuzzy entry as missing.
    if msgcmp "$SRC/po/fr.po" "$T/fresh.pot" >"$T/cmp.out" 2>&1; then
        ok "catalogue: every message of src/ is in po/fr.po, translated"
    else
        not_ok "catalogue: every message of src/ is in po/fr.po, translated (make pot, then translate)" \
            "$(grep -c 'this message' "$T/cmp.out") missing or untranslated, e.g." \
            "$(grep -A1 'this message' "$T/cmp.out" | head -n 6)"
    fi
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$SRC/po/fr.po" | grep -c '^msgid ' )
    untr=$(msgattrib --untranslated --no-obsolete "$SRC/po/fr.po" | grep -c '^msgid ')
    if [ "$fuzzy" = 0 ] && [ "$untr" = 0 ]; then
        ok "catalogue: po/fr.po has no fuzzy or untranslated entry"
    else
        not_ok "catalogue: po/fr.po has no fuzzy or untranslated entry" \
            "fuzzy: $fuzzy, untranslated: $untr (a header counts as one)"
    fi
    if msgfmt --check -o /dev/null "$SRC/po/fr.po" 2>"$T/fmt.err"; then
        ok "catalogue: po/fr.po passes msgfmt --check (formats match their msgid)"
    else
        not_ok "catalogue: po/fr.po passes msgfmt --check" "$(head -n 5 "$T/fmt.err")"
    fi
fi

# ---- which language ----

# in_env ENV... -- ARGS: untangle -c with exactly these locale variables.
run_env() {
    env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# lang_case NAME FORM ENV... : `-c fitt` under ENV fails with one line of FORM
# ("error: " or "erreur : ").
lang_case() {
    name=$1 form=$2
    shift 2
    run_env "$@" "$U" --term none -c "fitt"
    msg=$(cat "$T/err")
    if [ "$rc" != 1 ] || [ "$(wc -l <"$T/err")" != 1 ]; then
        not_ok "$name" "status $rc, expected 1 and one line" "$msg"
    elif ! printf '%s\n' "$msg" | grep -qF -- "-c:1: $form"; then
        not_ok "$name" "expected '-c:1: $form...'" "$msg"
    else
        ok "$name"
    fi
}

lang_case "LANG=C speaks English" "error: unknown command 'fitt'" LANG=C
lang_case "LANG=C with LANGUAGE=fr stays English (POSIX)" "error: " LANG=C LANGUAGE=fr
lang_case "LANGUAGE=fr under C.UTF-8 speaks French" "erreur : commande inconnue 'fitt'" \
    LANG=C.UTF-8 LANGUAGE=fr
lang_case "LANG=fr_FR.UTF-8 speaks French, generated or not" "erreur : " LANG=fr_FR.UTF-8
lang_case "LC_MESSAGES=fr_FR.UTF-8 speaks French" "erreur : " LANG=C.UTF-8 LC_MESSAGES=fr_FR.UTF-8
lang_case "LC_ALL=C over LANG=fr_FR.UTF-8 speaks English" "error: " LANG=fr_FR.UTF-8 LC_ALL=C
lang_case "LANGUAGE=en over LANG=fr_FR.UTF-8 speaks English" "error: " LANG=fr_FR.UTF-8 LANGUAGE=en

# set lang: under LANG=C (where LANGUAGE alone is ignored) too, and back.
run_env LANG=C "$U" --term none -c "set lang fr; fitt"
if grep -qF -- "-c:1: erreur : commande inconnue 'fitt'" "$T/err" && grep -q "^lang fr : " "$T/out"; then
    ok "set lang fr under LANG=C"
else
    not_ok "set lang fr under LANG=C" "$(cat "$T/out" "$T/err")"
fi
run_env LANG=fr_FR.UTF-8 "$U" --term none -c "set lang fr; set lang en; fitt"
if grep -qF -- "-c:1: error: unknown command 'fitt'" "$T/err" && grep -q "^lang en: " "$T/out"; then
    ok "set lang en after French"
else
    not_ok "set lang en after French" "$(cat "$T/out" "$T/err")"
fi
run_env LANG=C "$U" --term none -c "set lang de"
if [ "$rc" = 1 ] && grep -qE -- "-c:1: error: .*'de'.*(should be|en, fr|en or fr)" "$T/err"; then
    ok "set lang de is refused with the choices"
else
    not_ok "set lang de is refused with the choices" "$(cat "$T/err")"
fi

# A lesson of lessons/fr/ speaks French unless `set lang` said otherwise; one of
# lessons/en/ keeps the locale's language.
mkdir -p "$T/fr" "$T/en"
printf '# Leçon\n\n```untangle\nfitt\n```\n' >"$T/fr/bad.md"
cp "$T/fr/bad.md" "$T/en/bad.md"
run_env LANG=C "$U" --term none "$T/fr/bad.md"
if grep -qF -- "$T/fr/bad.md:4: erreur : commande inconnue" "$T/err"; then
    ok "a French lesson speaks French"
else
    not_ok "a French lesson speaks French" "$(cat "$T/err")"
fi
run_env LANG=C "$U" --term none "$T/en/bad.md"
if grep -qF -- "$T/en/bad.md:4: error: unknown command" "$T/err"; then
    ok "an English lesson speaks the locale's language"
else
    not_ok "an English lesson speaks the locale's language" "$(cat "$T/err")"
fi
run_env LANG=C "$U" --term none -c "set lang en" "$T/fr/bad.md"
if grep -qF -- "$T/fr/bad.md:4: error: unknown command" "$T/err"; then
    ok "set lang en before a French lesson keeps English"
else
    not_ok "set lang en before a French lesson keeps English" "$(cat "$T/err")"
fi

# A French lesson replayed in --quick shows no English line from the program: no
# output line is an English message of the catalogue (each line of each msgid,
# its conversions standing for anything), and none holds two English function
# words. The same replay with `set lang en` first must be caught, so that the
# check itself is seen to work.
LESSON="$SRC/lessons/fr/01-logistic.md"
if [ ! -f "$SRC/data/mnist/train-images-idx3-ubyte" ] && [ -z "${UNTANGLE_DATA:-}" ]; then
    skip "French replay of lesson 01 has no English line" "data/mnist is missing; run make data"
elif ! command -v msgcat >/dev/null 2>&1; then
    skip "French replay of lesson 01 has no English line" "gettext is not installed (make deps)"
else
    msgcat --no-wrap "$SRC/po/fr.po" >"$T/po.flat"
    (cd "$SRC" && env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 "$U" --quick --term none \
        --output "$T/pics" "$LESSON") >"$T/fr.out" 2>&1
    frc=$?
    tr '\r' '\n' <"$T/fr.out" | awk -f "$SRC/tests/english_lines.awk" "$T/po.flat" - >"$T/fr.english"
    (cd "$SRC" && env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 "$U" --quick --term none \
        --output "$T/pics" -c "set lang en" "$LESSON") >"$T/en.out" 2>&1
    tr '\r' '\n' <"$T/en.out" | awk -f "$SRC/tests/english_lines.awk" "$T/po.flat" - >"$T/en.english"
    if [ "$frc" != 0 ]; then
        not_ok "French replay of lesson 01 (quick)" "status $frc" "$(tail -n 5 "$T/fr.out")"
    elif [ -s "$T/fr.english" ]; then
        not_ok "French replay of lesson 01 has no English line" "$(head -n 8 "$T/fr.english")"
    elif [ "$(wc -l <"$T/en.english")" -lt 8 ]; then
        not_ok "French replay of lesson 01 has no English line" \
            "the check finds only $(wc -l <"$T/en.english") English lines in the English replay"
    else
        ok "French replay of lesson 01 has no English line ($(wc -l <"$T/en.english") in English)"
    fi
    # Numbers keep their decimal point in French: what `expect` printed.
    if grep -qE '^ok: accuracy = 0\.[0-9]+ ' "$T/fr.out" && ! grep -qE '[0-9],[0-9]+ s\b|= [0-9]+,[0-9]' "$T/fr.out"; then
        ok "French replay keeps decimal points"
    else
        not_ok "French replay keeps decimal points" "$(grep -E '^ok: ' "$T/fr.out" | head -n 3)"
    fi
fi

# ---- help pages: wrapped at 78 columns, counted in characters ----

# Every command's help page, in both languages. The wrapped lines (indent 2, 6 or 25)
# hold at most 78 characters; a line does not end where the next one's first word
# would still fit (greedy); no line starts with the French ; : ! ? its word left behind;
# every word of a command has its line of help.
# Byte counts would wrap French early: awk counts here without UTF-8 continuation bytes.
help_fit() { # LANGUAGE-VALUE NAME
    : >"$T/help.$2"
    for c in $(env -u LC_ALL LANG=C.UTF-8 "$U" --term none -c help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p'); do
        env -u LC_ALL LANG=C.UTF-8 LANGUAGE=$1 UNTANGLE_HISTORY=/dev/null "$U" --term none -c "help $c" \
            >>"$T/help.$2" 2>&1
    done
    bad=$(LC_ALL=C awk '
        function cols(s) { gsub(/[\200-\277]/, "", s); return length(s) }
        { match($0, /^ */); ind = RLENGTH; n = cols($0) }
        ind == 2 || ind == 6 || ind == 25 {
            if (n > 78) print NR ": " n " columns: " $0
            if (ind == pind && n > ind) {
                w = substr($0, ind + 1); sub(/ [^;:!?].*/, "", w) # a word and its marks
                if (pn + 1 + cols(w) <= 78) print NR ": \"" w "\" would fit on the line before: " prev
            }
            if ($0 ~ /^ *[;:!?]/) print NR ": starts with a mark: " $0
        }
        ind == 4 && $0 ~ /[^ ]  +$/ { print NR ": a word without its help: " $0 }
        { pind = ind; pn = n; prev = $0 }' "$T/help.$2")
    lines=$(wc -l <"$T/help.$2")
    if [ "$lines" -gt 200 ] && [ -z "$bad" ]; then
        ok "help pages in $2 wrap at 78 columns, greedily ($lines lines)"
    else
        not_ok "help pages in $2 wrap at 78 columns, greedily ($lines lines)" "$(printf '%s\n' "$bad" | head -n 5)"
    fi
}
help_fit en English
help_fit fr French

# ---- French in tables, titles, pictures and the hand-in page ----

if [ ! -f "$SRC/data/mnist/train-images-idx3-ubyte" ] && [ ! -f "$SRC/data/mnist/train-images-idx3-ubyte.gz" ]; then
    skip "French tables, titles and hand-in page" "data/mnist is missing; run make data"
else
    (cd "$SRC" && env -u LC_ALL LANG=C.UTF-8 LANGUAGE=fr UNTANGLE_HISTORY=/dev/null "$U" --term none \
        --output "$T/fr-out" -c "load mnist train 100 test 100; info; model new; model add dense 10 softmax input 784; model summary; show image 3; show activations 0; handin $T/fr.html") \
        >"$T/fr-words" 2>&1
    fr_has() { # CASE PATTERN FILE
        if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1" "no /$2/ in:" "$(head -n 12 "$3")"; fi
    }
    fr_has "French info: the label table's head and rows in French" "^  classe +0 +1" "$T/fr-words"
    fr_has "... its rows too" "^  appr\. +[0-9]+" "$T/fr-words"
    fr_has "French model summary: digits grouped by a narrow space, not a comma" \
        "^Paramètres au total : 7 850$" "$T/fr-words"
    fr_has "French image title: the set in French" "^image d'apprentissage 3 : étiquette [0-9]" "$T/fr-words"
    fr_has "French hand-in page: the footer in French" "SHA-256 de cette page" "$T/fr.html"
    if grep -qE "SHA-256 of this page|does not tell who|train image|values -?[0-9]" "$T/fr.html"; then
        not_ok "French hand-in page: no English left in the footer and titles" \
            "$(grep -oE "SHA-256 of this page|does not tell who|train image|values -?[0-9]" "$T/fr.html" | head -n 3)"
    else
        ok "French hand-in page: no English left in the footer and titles"
    fi
fi

# The catalogue is found beside the binary, from any folder.
(cd "$T" && env -u LANGUAGE -u LC_ALL LANG=C.UTF-8 LANGUAGE=fr "$U" --term none -c fitt) 2>"$T/err"
if grep -qF "erreur : " "$T/err"; then
    ok "the catalogue is found from another folder"
else
    not_ok "the catalogue is found from another folder" "$(cat "$T/err")"
fi
exit 0
