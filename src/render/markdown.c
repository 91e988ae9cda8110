/* markdown.c: Markdown through cmark, to HTML and to terminal text (see
 * markdown.h).
 *
 * The terminal renderer walks cmark's tree with its iterator (no recursion, so
 * a hostile nesting depth costs nothing but time). Containers (quotes, list
 * items) push a Frame: the margin printed at the start of each of their lines.
 * A paragraph or heading is first gathered into Pieces (words, spaces, hard
 * breaks) with their style, then laid out greedily on lines of the width left
 * after the margins. */
#include <cmark.h>
#include <stdint.h>
#include <string.h>

#include "untangle/core/strbuf.h"
#include "untangle/core/xalloc.h"
#include "untangle/render/markdown.h"

#define MD_WIDTH_DEFAULT 80
#define MD_MIN_LINE 20    /* a deeply nested paragraph still gets this many columns */
#define MD_MAX_FRAMES 16  /* containers whose margin is drawn; deeper ones add none */
#define MD_CODE_INDENT 4  /* code blocks are indented, as in the source */
#define MD_TAB_STOP 4

int md_wrap_width(int columns)
{
    if (columns <= 0)
        return MD_WIDTH_DEFAULT;
    if (columns < MD_MIN_LINE)
        return MD_MIN_LINE;
    return columns < MD_WIDTH_MAX ? columns : MD_WIDTH_MAX;
}

static const char *literal(cmark_node *n)
{
    const char *s = cmark_node_get_literal(n);
    return s ? s : "";
}

static cmark_node *parse(const char *md, size_t len)
{
    return cmark_parse_document(md ? md : "", md ? len : 0, CMARK_OPT_VALIDATE_UTF8);
}

/* ---- pipe tables (not CommonMark: recognised here, kept as they are) ---- */

/* The paragraph's text with its Markdown marks, one source line per line. */
static void paragraph_source(cmark_node *para, StrBuf *b)
{
    cmark_iter *it = cmark_iter_new(para);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        int enter = ev == CMARK_EVENT_ENTER;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_HTML_INLINE: sb_str(b, literal(n)); break;
        case CMARK_NODE_CODE: sb_printf(b, "`%s`", literal(n)); break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK: sb_char(b, '\n'); break;
        case CMARK_NODE_EMPH: sb_char(b, '*'); break;
        case CMARK_NODE_STRONG: sb_str(b, "**"); break;
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
            if (enter)
                sb_str(b, cmark_node_get_type(n) == CMARK_NODE_IMAGE ? "![" : "[");
            else
                sb_printf(b, "](%s)", cmark_node_get_url(n) ? cmark_node_get_url(n) : "");
            break;
        default: break;
        }
    }
    cmark_iter_free(it);
}

/* A delimiter row: cells of dashes with optional alignment colons, between pipes. */
static int is_delimiter_row(const char *s, size_t n)
{
    size_t i = 0;
    int cells = 0, pipes = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        if (i == n)
            break;
        if (s[i] == '|') {
            pipes++;
            i++;
            continue;
        }
        if (s[i] == ':')
            i++;
        size_t dashes = i;
        while (i < n && s[i] == '-')
            i++;
        if (i == dashes)
            return 0;
        if (i < n && s[i] == ':')
            i++;
        while (i < n && s[i] == ' ')
            i++;
        if (i < n && s[i] != '|')
            return 0;
        cells++;
    }
    return cells > 0 && pipes > 0;
}

/* 1 when the paragraph is a pipe table; its lines are then in src. */
static int table_source(cmark_node *para, StrBuf *src)
{
    paragraph_source(para, src);
    const char *s = sb_cstr(src);
    const char *nl = strchr(s, '\n');
    if (!nl || !memchr(s, '|', (size_t)(nl - s)))
        return 0;
    const char *row = nl + 1, *end = strchr(row, '\n');
    return is_delimiter_row(row, end ? (size_t)(end - row) : strlen(row));
}

/* ---- HTML ---- */

char *md_to_html(const char *md, size_t len, int heading_shift)
{
    cmark_node *doc = parse(md, len);
    if (!doc)
        return xstrdup("");
    cmark_node **tables = NULL, **raw = NULL;
    size_t n_tables = 0, n_raw = 0;
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node_type type = cmark_node_get_type(n);
        if (type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_HTML_BLOCK) {
            raw = xrealloc(raw, (n_raw + 1) * sizeof *raw);
            raw[n_raw++] = n;
        } else if (type == CMARK_NODE_HEADING) {
            int level = cmark_node_get_heading_level(n) + heading_shift;
            cmark_node_set_heading_level(n, level < 1 ? 1 : level > 6 ? 6 : level);
        } else if (type == CMARK_NODE_PARAGRAPH) {
            StrBuf src = {0};
            if (table_source(n, &src)) {
                tables = xrealloc(tables, (n_tables + 1) * sizeof *tables);
                tables[n_tables++] = n;
            }
            sb_free(&src);
        }
    }
    cmark_iter_free(it);
    /* The tree changes only after the walk. Raw HTML is shown as the text it is,
     * escaped: `a<b et c>d` in a student's answer must neither vanish, as cmark's
     * safe mode would have it, nor run. Before the tables, whose paragraphs (and
     * the nodes in them) are freed there. */
    for (size_t i = 0; i < n_raw; i++) {
        int block = cmark_node_get_type(raw[i]) == CMARK_NODE_HTML_BLOCK;
        cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
        StrBuf lit = {0};
        sb_str(&lit, literal(raw[i]));
        while (block && lit.len > 0 && lit.s[lit.len - 1] == '\n')
            lit.s[--lit.len] = '\0';
        cmark_node_set_literal(text, sb_cstr(&lit));
        sb_free(&lit);
        if (block) {
            cmark_node *para = cmark_node_new(CMARK_NODE_PARAGRAPH);
            cmark_node_append_child(para, text);
            text = para;
        }
        cmark_node_replace(raw[i], text);
        cmark_node_free(raw[i]);
    }
    free(raw);
    /* A table becomes preformatted text. */
    for (size_t i = 0; i < n_tables; i++) {
        StrBuf src = {0};
        table_source(tables[i], &src);
        sb_char(&src, '\n');
        cmark_node *code = cmark_node_new(CMARK_NODE_CODE_BLOCK);
        cmark_node_set_literal(code, sb_cstr(&src));
        cmark_node_replace(tables[i], code);
        cmark_node_free(tables[i]);
        sb_free(&src);
    }
    free(tables);
    char *html = cmark_render_html(doc, CMARK_OPT_DEFAULT); /* no raw HTML is left */
    cmark_node_free(doc);
    char *copy = xstrdup(html ? html : "");
    cmark_get_default_mem_allocator()->free(html);
    return copy;
}

/* ---- terminal text ---- */

/* Decodes one UTF-8 sequence of s (n > 0 bytes left) into *cp; returns its length.
 * cmark already replaced invalid sequences; a stray byte still reads as itself. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (len == 0 || len > n) {
        *cp = 0x80 | s[0]; /* shown escaped below */
        return 1;
    }
    unsigned v = len == 1 ? s[0] : s[0] & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0x80 | s[0];
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

/* Characters a terminal acts on instead of showing: C0, DEL, C1 (CSI is U+009B),
 * and the bidirectional marks and overrides that reorder what is shown. */
static int is_control(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x61c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Terminal columns of a printable code point, without the locale: the East
 * Asian wide blocks and emoji take 2, combining marks 0, the rest 1. */
static int cp_columns(unsigned cp)
{
    if ((cp >= 0x300 && cp < 0x370) || (cp >= 0x200b && cp <= 0x200d) || cp == 0xfe0f)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* Appends n bytes of text with every control character escaped (tabs expand to
 * the next stop, counted from column `col`); returns the columns it takes. */
static int put_visible(StrBuf *b, const char *s, size_t n, int col)
{
    const unsigned char *p = (const unsigned char *)s;
    int cols = 0;
    size_t i = 0;
    while (i < n) {
        unsigned cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        if (cp == '\t') {
            int to = MD_TAB_STOP - (col + cols) % MD_TAB_STOP;
            for (int t = 0; t < to; t++)
                sb_char(b, ' ');
            cols += to;
        } else if (is_control(cp)) {
            char esc[16];
            int m = cp < 0x80 ? snprintf(esc, sizeof esc, "\\x%02x", cp)
                              : snprintf(esc, sizeof esc, "\\u%04x", cp);
            sb_put(b, esc, (size_t)m);
            cols += m;
        } else {
            sb_put(b, s + i, k);
            cols += cp_columns(cp);
        }
        i += k;
    }
    return cols;
}

char *md_escape_controls(const char *s)
{
    StrBuf b = {0};
    put_visible(&b, s, strlen(s), 0);
    return sb_take(&b);
}

enum { ST_STRONG = 1, ST_EMPH = 2, ST_CODE = 4, ST_LINK = 8, ST_HEADING = 16, ST_TITLE = 32 };
enum { PIECE_TEXT, PIECE_SPACE, PIECE_BREAK };

/* A run of text of one style with no break opportunity inside, a space, or a
 * hard line break. Text pieces next to each other form one word. */
typedef struct Piece {
    int kind, style, cols;
    size_t at, len; /* in Term.text (escaped, unstyled) */
} Piece;

/* The margin a container puts at the start of its lines. */
typedef struct Frame {
    char first[24]; /* on its first line: "- ", "12. ", "> " */
    char rest[24];  /* on the following lines */
    char blank[24]; /* on a blank line inside it (rest without trailing blanks) */
    int cols;
    int used;       /* first was printed */
} Frame;

typedef struct Term {
    StrBuf out;
    int width, ansi;
    Frame frames[MD_MAX_FRAMES];
    int n_frames, depth; /* depth counts open containers; n_frames <= depth */
    StrBuf text;         /* the paragraph being laid out */
    Piece *pieces;       /* owned */
    size_t n_pieces, cap;
    int line_cols;       /* columns used after the margin; -1 when no line is open */
} Term;

static void push_frame(Term *t, const char *first, const char *rest, const char *blank, int cols)
{
    if (t->n_frames == t->depth && t->n_frames < MD_MAX_FRAMES) {
        Frame *f = &t->frames[t->n_frames++];
        snprintf(f->first, sizeof f->first, "%s", first);
        snprintf(f->rest, sizeof f->rest, "%s", rest);
        snprintf(f->blank, sizeof f->blank, "%s", blank);
        f->cols = cols;
        f->used = 0;
    }
    t->depth++;
}

static void pop_frame(Term *t)
{
    t->depth--;
    if (t->n_frames > t->depth)
        t->n_frames--;
}

static int margin_cols(const Term *t)
{
    int cols = 0;
    for (int i = 0; i < t->n_frames; i++)
        cols += t->frames[i].cols;
    return cols;
}

static void line_open(Term *t)
{
    for (int i = 0; i < t->n_frames; i++) {
        Frame *f = &t->frames[i];
        sb_str(&t->out, f->used ? f->rest : f->first);
        f->used = 1;
    }
    t->line_cols = 0;
}

static void line_close(Term *t)
{
    if (t->line_cols < 0)
        return;
    sb_char(&t->out, '\n');
    t->line_cols = -1;
}

static void blank_line(Term *t)
{
    line_close(t);
    for (int i = 0; i < t->n_frames; i++)
        sb_str(&t->out, t->frames[i].blank);
    sb_char(&t->out, '\n');
}

static void style_on(Term *t, int style)
{
    if (!t->ansi || !style)
        return;
    sb_str(&t->out, "\033[0");
    if (style & (ST_STRONG | ST_HEADING))
        sb_str(&t->out, ";1");
    if (style & ST_EMPH)
        sb_str(&t->out, ";3");
    if (style & (ST_LINK | ST_TITLE))
        sb_str(&t->out, ";4");
    if (style & ST_CODE)
        sb_str(&t->out, ";32");
    else if (style & ST_HEADING)
        sb_str(&t->out, ";36");
    sb_char(&t->out, 'm');
}

static void style_off(Term *t, int style)
{
    if (t->ansi && style)
        sb_str(&t->out, "\033[0m");
}

static void add_piece(Term *t, int kind, int style, const char *s, size_t n)
{
    if (t->n_pieces == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->pieces = xrealloc(t->pieces, t->cap * sizeof *t->pieces);
    }
    Piece *p = &t->pieces[t->n_pieces++];
    p->kind = kind;
    p->style = style;
    p->at = t->text.len;
    p->cols = kind == PIECE_TEXT ? put_visible(&t->text, s, n, 0) : 0;
    p->len = t->text.len - p->at;
}

/* Words of s, split at blanks (a run of blanks is one break opportunity). */
static void add_words(Term *t, const char *s, size_t n, int style)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        if (s[i] == ' ' || s[i] == '\t') {
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            add_piece(t, PIECE_SPACE, 0, NULL, 0);
        } else {
            while (j < n && s[j] != ' ' && s[j] != '\t')
                j++;
            add_piece(t, PIECE_TEXT, style, s + i, j - i);
        }
        i = j;
    }
}

static void add_mark(Term *t, const char *mark)
{
    if (!t->ansi)
        add_piece(t, PIECE_TEXT, 0, mark, strlen(mark));
}

/* A code span stays one word when it fits on a line (a command to type should
 * not be cut in two), else breaks at its blanks. */
static void add_code(Term *t, const char *s, int style, int avail)
{
    add_mark(t, "`");
    size_t mark = t->n_pieces, text_len = t->text.len;
    add_piece(t, PIECE_TEXT, style, s, strlen(s));
    if (t->pieces[mark].cols + (t->ansi ? 0 : 2) > avail) {
        t->n_pieces = mark;
        t->text.len = text_len;
        add_words(t, s, strlen(s), style);
    }
    add_mark(t, "`");
}

/* An autolink (<https://...>) shows its address once. */
static int is_autolink(cmark_node *link)
{
    cmark_node *c = cmark_node_first_child(link);
    const char *url = cmark_node_get_url(link);
    if (!c || cmark_node_next(c) || cmark_node_get_type(c) != CMARK_NODE_TEXT || !url)
        return 0;
    const char *text = literal(c);
    return strcmp(text, url) == 0 ||
           (strncmp(url, "mailto:", 7) == 0 && strcmp(text, url + 7) == 0);
}

static void add_url(Term *t, cmark_node *n)
{
    const char *url = cmark_node_get_url(n);
    if (!url || !*url)
        return;
    add_piece(t, PIECE_SPACE, 0, NULL, 0);
    add_piece(t, PIECE_TEXT, 0, "<", 1);
    add_words(t, url, strlen(url), 0);
    add_piece(t, PIECE_TEXT, 0, ">", 1);
}

/* The inlines of a paragraph or heading as pieces. */
static void gather_inlines(Term *t, cmark_node *block, int base, int avail)
{
    int strong = 0, emph = 0, link = 0;
    cmark_iter *it = cmark_iter_new(block);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (n == block)
            continue;
        int enter = ev == CMARK_EVENT_ENTER;
        int style = base | (strong ? ST_STRONG : 0) | (emph ? ST_EMPH : 0) | (link ? ST_LINK : 0);
        const char *s = literal(n);
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_HTML_INLINE: add_words(t, s, strlen(s), style); break;
        case CMARK_NODE_SOFTBREAK: add_piece(t, PIECE_SPACE, 0, NULL, 0); break;
        case CMARK_NODE_LINEBREAK: add_piece(t, PIECE_BREAK, 0, NULL, 0); break;
        case CMARK_NODE_CODE: add_code(t, s, style | ST_CODE, avail); break;
        case CMARK_NODE_EMPH:
            emph += enter ? 1 : -1;
            add_mark(t, "*");
            break;
        case CMARK_NODE_STRONG:
            strong += enter ? 1 : -1;
            add_mark(t, "**");
            break;
        case CMARK_NODE_LINK:
            link += enter ? 1 : -1;
            if (!enter && !is_autolink(n))
                add_url(t, n);
            break;
        case CMARK_NODE_IMAGE:
            if (enter) {
                add_piece(t, PIECE_TEXT, 0, "[image:", 7);
                add_piece(t, PIECE_SPACE, 0, NULL, 0);
            } else {
                add_piece(t, PIECE_TEXT, 0, "]", 1);
                add_url(t, n);
            }
            break;
        default: break;
        }
    }
    cmark_iter_free(it);
}

/* Whether the space at pieces[k] holds its neighbours together, as French
 * typography has it: "mot ;" "mot :" "mot ?" "mot !" "« mot" "mot »" are not
 * broken across lines. */
static int glued_space(const Term *t, size_t k)
{
    if (k == 0 || k + 1 >= t->n_pieces || t->pieces[k - 1].kind != PIECE_TEXT ||
        t->pieces[k + 1].kind != PIECE_TEXT)
        return 0;
    const Piece *before = &t->pieces[k - 1], *after = &t->pieces[k + 1];
    const char *a = t->text.s + after->at, *b = t->text.s + before->at;
    if (after->len > 0 && strchr(";:!?", a[0]))
        return 1;
    if (after->len >= 2 && memcmp(a, "\xc2\xbb", 2) == 0) /* » */
        return 1;
    return before->len >= 2 && memcmp(b + before->len - 2, "\xc2\xab", 2) == 0; /* « */
}

/* Lays the gathered pieces out on lines of `avail` columns after the margin. */
static void layout(Term *t, int avail)
{
    size_t i = 0;
    while (i < t->n_pieces) {
        const Piece *p = &t->pieces[i];
        if (p->kind == PIECE_SPACE) {
            i++;
            continue;
        }
        if (p->kind == PIECE_BREAK) {
            if (t->line_cols < 0)
                line_open(t);
            line_close(t);
            i++;
            continue;
        }
        size_t j = i;
        int cols = 0;
        while (j < t->n_pieces) {
            if (t->pieces[j].kind == PIECE_TEXT) {
                cols += t->pieces[j++].cols;
            } else if (t->pieces[j].kind == PIECE_SPACE && glued_space(t, j)) {
                cols++;
                j++;
            } else {
                break;
            }
        }
        if (t->line_cols > 0 && t->line_cols + 1 + cols > avail)
            line_close(t);
        if (t->line_cols < 0) {
            line_open(t);
        } else if (t->line_cols > 0) {
            sb_char(&t->out, ' ');
            t->line_cols++;
        }
        for (size_t k = i; k < j; k++) {
            const Piece *w = &t->pieces[k];
            if (w->kind == PIECE_SPACE) {
                sb_char(&t->out, ' ');
                continue;
            }
            style_on(t, w->style);
            sb_put(&t->out, t->text.s + w->at, w->len);
            style_off(t, w->style);
        }
        t->line_cols += cols;
        i = j;
    }
    line_close(t);
}

/* Lines kept as they are (code, tables, raw HTML), each after the margin. */
static void verbatim_lines(Term *t, const char *s, int indent)
{
    const char *end = s + strlen(s);
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        line_open(t);
        for (int i = 0; i < indent; i++)
            sb_char(&t->out, ' ');
        put_visible(&t->out, s, n, 0);
        t->line_cols = 1;
        line_close(t);
        s = nl ? nl + 1 : end;
    }
}

static int avail_cols(const Term *t)
{
    int avail = t->width - margin_cols(t);
    return avail < MD_MIN_LINE ? MD_MIN_LINE : avail;
}

static void inline_block(Term *t, cmark_node *n)
{
    t->n_pieces = 0;
    t->text.len = 0;
    int avail = avail_cols(t), base = 0;
    if (cmark_node_get_type(n) == CMARK_NODE_HEADING) {
        int level = cmark_node_get_heading_level(n);
        if (t->ansi) {
            base = ST_HEADING | (level == 1 ? ST_TITLE : 0);
        } else {
            add_piece(t, PIECE_TEXT, 0, "######", (size_t)(level < 1 ? 1 : level > 6 ? 6 : level));
            add_piece(t, PIECE_SPACE, 0, NULL, 0);
        }
    } else {
        StrBuf src = {0};
        int table = table_source(n, &src);
        if (table)
            verbatim_lines(t, sb_cstr(&src), 0);
        sb_free(&src);
        if (table)
            return;
    }
    gather_inlines(t, n, base, avail);
    layout(t, avail);
}

/* Blocks are separated by a blank line, except inside a tight list. */
static void separate(Term *t, cmark_node *n)
{
    if (!cmark_node_previous(n))
        return;
    cmark_node *parent = cmark_node_parent(n);
    if (cmark_node_get_type(n) == CMARK_NODE_ITEM && cmark_node_get_list_tight(parent))
        return;
    if (parent && cmark_node_get_type(parent) == CMARK_NODE_ITEM &&
        cmark_node_get_list_tight(cmark_node_parent(parent)))
        return;
    blank_line(t);
}

/* The marker of a list item: its number is kept in the node (user data) so that
 * the next item needs only its previous sibling. */
static void push_item(Term *t, cmark_node *item)
{
    cmark_node *list = cmark_node_parent(item);
    char first[24], rest[24];
    if (cmark_node_get_list_type(list) == CMARK_ORDERED_LIST) {
        cmark_node *prev = cmark_node_previous(item);
        intptr_t number = prev ? (intptr_t)cmark_node_get_user_data(prev) + 1
                               : (intptr_t)cmark_node_get_list_start(list);
        cmark_node_set_user_data(item, (void *)number);
        snprintf(first, sizeof first, "%ld%c ", (long)number,
                 cmark_node_get_list_delim(list) == CMARK_PAREN_DELIM ? ')' : '.');
    } else {
        snprintf(first, sizeof first, "%s", t->ansi ? "\xe2\x80\xa2 " : "- "); /* U+2022 bullet */
    }
    int cols = t->ansi && cmark_node_get_list_type(list) != CMARK_ORDERED_LIST ? 2 : (int)strlen(first);
    snprintf(rest, sizeof rest, "%*s", cols, "");
    push_frame(t, first, rest, "", cols);
}

static void thematic_break(Term *t)
{
    line_open(t);
    int n = avail_cols(t);
    for (int i = 0; i < n; i++)
        sb_str(&t->out, t->ansi ? "\xe2\x94\x80" : "-"); /* U+2500 box line */
    t->line_cols = n;
    line_close(t);
}

char *md_to_terminal(const char *md, size_t len, int width, int ansi)
{
    Term t = {.width = width < MD_MIN_LINE ? MD_MIN_LINE : width, .ansi = ansi, .line_cols = -1};
    cmark_node *doc = parse(md, len);
    if (!doc)
        return xstrdup("");
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        int enter = ev == CMARK_EVENT_ENTER;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_BLOCK_QUOTE:
            if (enter) {
                separate(&t, n);
                if (ansi)
                    push_frame(&t, "\033[33m\xe2\x94\x82\033[0m ", "\033[33m\xe2\x94\x82\033[0m ",
                               "\033[33m\xe2\x94\x82\033[0m", 2); /* a yellow U+2502 bar */
                else
                    push_frame(&t, "> ", "> ", ">", 2);
            } else {
                pop_frame(&t);
            }
            break;
        case CMARK_NODE_LIST:
            if (enter)
                separate(&t, n);
            break;
        case CMARK_NODE_ITEM:
            if (enter) {
                separate(&t, n);
                push_item(&t, n);
            } else {
                if (t.n_frames == t.depth && !t.frames[t.n_frames - 1].used) {
                    line_open(&t); /* an empty item still shows its marker */
                    line_close(&t);
                }
                pop_frame(&t);
            }
            break;
        case CMARK_NODE_PARAGRAPH:
        case CMARK_NODE_HEADING:
            separate(&t, n);
            inline_block(&t, n);
            cmark_iter_reset(it, n, CMARK_EVENT_EXIT); /* its inlines are done */
            break;
        case CMARK_NODE_CODE_BLOCK:
            separate(&t, n);
            verbatim_lines(&t, literal(n), MD_CODE_INDENT);
            break;
        case CMARK_NODE_HTML_BLOCK:
            separate(&t, n);
            verbatim_lines(&t, literal(n), 0);
            break;
        case CMARK_NODE_THEMATIC_BREAK:
            separate(&t, n);
            thematic_break(&t);
            break;
        default: break;
        }
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
    free(t.pieces);
    sb_free(&t.text);
    return sb_take(&t.out);
}
