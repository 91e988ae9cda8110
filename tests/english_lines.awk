# english_lines.awk: used by tests/i18n.sh (awk -f english_lines.awk PO_FLAT OUTPUT).
# Prints the lines of the second file that are English from the program: the
# whole line matches a line of a msgid of the first file (msgcat --no-wrap output)
# whose translation differs, or it holds two English function words.
function unesc(s) { gsub(/\\"/, "\"", s); gsub(/\\t/, "\t", s); gsub(/\\\\/, "\\", s); return s }
function pattern(line,   lit, words, re) {
    lit = line
    gsub(/%[-+ #0-9.*]*[hlLqjzt]*[a-zA-Z%]/, " ", lit)
    words = 0
    while (match(lit, /[A-Za-z][a-z][a-z]+/)) { words++; lit = substr(lit, RSTART + RLENGTH) }
    if (words < 2) return ""
    re = line
    gsub(/%%/, "\001", re)
    gsub(/%[-+ #0-9.*]*[hlLqjzt]*[a-zA-Z]/, "\002", re)
    gsub(/[][\\.^$*+?(){}|\/]/, "\\\\&", re)
    gsub(/\002/, ".*", re)
    gsub(/\001/, "%", re)
    return "^[ \t]*" re "[ \t]*$"
}
function flush(   n, i, p, parts) {
    if (id != "" && str != "" && str != id) {
        n = split(id, parts, /\\n/)
        for (i = 1; i <= n; i++) { p = pattern(unesc(parts[i])); if (p != "") pats[p] = 1 }
    }
    id = ""; str = ""; field = ""
}
FNR == NR {
    if ($0 ~ /^msgid "/) { flush(); field = "id"; id = substr($0, 8, length($0) - 8); next }
    if ($0 ~ /^msgstr "/) { field = "str"; str = substr($0, 9, length($0) - 9); next }
    if ($0 ~ /^"/) {
        if (field == "id") id = id substr($0, 2, length($0) - 2)
        else if (field == "str") str = str substr($0, 2, length($0) - 2)
        next
    }
    flush()
    next
}
!flushed { flush(); flushed = 1 }
/^untangle> / { next }
{
    line = $0
    for (p in pats) if (line ~ p) { print "msgid: " line; next }
    low = tolower(line); found = 0; delete seen
    n = split(low, w, /[^a-z']+/)
    for (i = 1; i <= n; i++)
        if (w[i] ~ /^(the|of|and|is|are|with|from|this|that|was|were|not|by|its|each|every|which|when|into|than|has|have|been|should|would|will|there|their|them|it|you|your)$/ && !(w[i] in seen)) { seen[w[i]] = 1; found++ }
    if (found >= 2) print "words: " line
}
