/* tokenizer.c: splitting a line into commands and words (see tokenizer.h). */
#include <string.h>

#include "untangle/commands/commands.h"
#include "untangle/core/i18n.h"
#include "untangle/core/strbuf.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/core/xalloc.h"

/* Whether the command named by the word just read takes the rest of its line as
 * typed (see CmdSpec.line_as_typed). */
static int takes_line_as_typed(const char *word)
{
    const CmdSpec *c = cmd_find(word);
    return c && c->line_as_typed;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void tok_free(TokLine *t)
{
    free(t->cmds);
    free(t->storage);
    free(t->words);
    memset(t, 0, sizeof *t);
}

int tok_split(const char *line, TokLine *out, Err *e)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(line);
    if (len > TOK_LINE_MAX)
        return err_set(e, _("the line is %zu bytes long, more than the %zu a line may hold; "
                          "split it into shorter lines"), len, TOK_LINE_MAX);
    /* Every word is at most as long as the line and the blank or `;` after it holds
     * its NUL, but for a command's name glued to the text it takes as typed
     * (`answer;x`): one byte more. */
    char *store = xmalloc(len + 2);
    size_t nstore = 0;
    /* word_start[i] = offset of word i; cmd_of[i] = index of its command. */
    size_t *word_start = xmalloc(sizeof(size_t) * TOK_MAX_WORDS);
    size_t *cmd_of = xmalloc(sizeof(size_t) * TOK_MAX_WORDS);
    size_t nwords = 0, cmd = 0;
    size_t cmd_first = 0; /* index of the current command's first word */
    const char *p = line;
    int rc = -1;

    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            break;
        int as_typed = nwords == cmd_first + 1 && takes_line_as_typed(store + word_start[cmd_first]);
        if (!as_typed && *p == '#')
            break;
        if (!as_typed && *p == ';') {
            cmd++;
            cmd_first = nwords;
            p++;
            continue;
        }
        if (nwords == TOK_MAX_WORDS) {
            err_set(e, _("too many words on one line (more than %d); split it"), TOK_MAX_WORDS);
            goto out;
        }
        if (as_typed) {
            /* The rest of the line, trailing blanks aside, is the command's one word. */
            size_t n = strlen(p);
            while (n > 0 && is_blank(p[n - 1]))
                n--;
            word_start[nwords] = nstore;
            cmd_of[nwords] = cmd;
            nwords++;
            memcpy(store + nstore, p, n);
            nstore += n;
            store[nstore++] = '\0';
            break;
        }
        word_start[nwords] = nstore;
        cmd_of[nwords] = cmd;
        nwords++;
        /* One word: runs of plain characters and quoted parts, glued together. */
        while (*p && !is_blank(*p) && *p != ';') {
            if (*p == '"' || *p == '\'') {
                char q = *p++;
                const char *open = p - 1;
                while (*p && *p != q) {
                    if (q == '"' && *p == '\\' && p[1])
                        p++;
                    store[nstore++] = *p++;
                }
                if (*p != q) {
                    err_set(e, _("unterminated %s quote starting at column %zu; close it with %c"),
                            q == '"' ? _("double") : _("single"), (size_t)(open - line) + 1, q);
                    goto out;
                }
                p++;
            } else {
                store[nstore++] = *p++;
            }
        }
        store[nstore++] = '\0';
    }

    /* Group words by command, dropping empty commands. */
    out->storage = store;
    store = NULL;
    out->words = xmalloc(sizeof(char *) * (nwords + cmd + 1));
    out->cmds = xmalloc(sizeof(TokCommand) * (cmd + 1));
    size_t w = 0, slot = 0;
    for (size_t c = 0; c <= cmd; c++) {
        size_t first = w;
        while (w < nwords && cmd_of[w] == c)
            w++;
        if (w == first)
            continue;
        TokCommand *tc = &out->cmds[out->ncmds++];
        tc->argc = (int)(w - first);
        tc->argv = out->words + slot;
        for (size_t i = first; i < w; i++)
            out->words[slot++] = out->storage + word_start[i];
        out->words[slot++] = NULL;
    }
    rc = 0;
out:
    free(store);
    free(word_start);
    free(cmd_of);
    if (rc != 0)
        tok_free(out);
    return rc;
}

char *tok_join(int argc, char *const *argv)
{
    StrBuf b = {0};
    int as_typed = argc == 2 && takes_line_as_typed(argv[0]);
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (i)
            sb_char(&b, ' ');
        if ((i == 1 && as_typed) || (w[0] != '\0' && w[strcspn(w, " \t\r\n;#\"'")] == '\0')) {
            sb_str(&b, w);
            continue;
        }
        sb_char(&b, '"'); /* inside double quotes a backslash keeps the next character */
        for (; *w; w++) {
            if (*w == '"' || *w == '\\')
                sb_char(&b, '\\');
            sb_char(&b, *w);
        }
        sb_char(&b, '"');
    }
    return sb_take(&b);
}
