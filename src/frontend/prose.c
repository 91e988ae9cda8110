/* prose.c: lesson text rendered for the terminal (see prose.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "untangle/core/strbuf.h"
#include "untangle/frontend/prose.h"
#include "untangle/render/markdown.h"
#include "untangle/render/term.h"

int prose_styled(const Shell *sh)
{
    const char *term = getenv("TERM");
    const char *no_color = getenv("NO_COLOR");
    return sh->tty_out && !(term && strcmp(term, "dumb") == 0) && !(no_color && *no_color);
}

int prose_width(const Shell *sh)
{
    return md_wrap_width(term_columns(sh->tty_out ? STDOUT_FILENO : -1));
}

void prose_print(Shell *sh, const char *md, ProseKind kind)
{
    StrBuf quoted = {0};
    if (kind == PROSE_QUOTE) {
        /* Every line gets the quote mark back, so that cmark reads one quote. */
        for (const char *p = md; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
            sb_str(&quoted, "> ");
            sb_put(&quoted, p, n);
            p += n;
        }
        md = sb_cstr(&quoted);
    }
    char *text = md_to_terminal(md, strlen(md), prose_width(sh), prose_styled(sh));
    fputs(text, sh->out);
    free(text);
    sb_free(&quoted);
}
