/* markdown.h: Markdown (CommonMark, parsed by cmark, the reference library)
 * rendered as HTML for the reports and as text for a terminal.
 *
 * Both renderers read the same tree, so a lesson looks the same in the report
 * and in the replay: an indented block is code in both, an inline `code` span
 * may run across a line break, emphasis is emphasis. CommonMark has no tables;
 * a paragraph whose second line is a pipe-table delimiter row (|---|:--|) is kept
 * line for line (preformatted in HTML). */
#ifndef UNTANGLE_MARKDOWN_H
#define UNTANGLE_MARKDOWN_H

#include <stddef.h>

/* The width prose is wrapped to on a terminal of `columns` columns: the terminal's
 * width, at most MD_WIDTH_MAX (longer lines are hard to read), 80 when unknown
 * (columns <= 0). */
#define MD_WIDTH_MAX 100
int md_wrap_width(int columns);

/* len bytes of Markdown (need not be NUL-terminated) as an HTML fragment. Raw
 * HTML in the text is not passed through (cmark's safe mode shows it as a
 * comment), nor are javascript: links, so a lesson cannot put script in a
 * report; invalid UTF-8 becomes U+FFFD. Headings move down `heading_shift`
 * levels (at most h6): the page's h1 is the lesson's name. Caller frees. */
char *md_to_html(const char *md, size_t len, int heading_shift);

/* len bytes of Markdown as text for a terminal `width` columns wide:
 * - paragraphs, headings, quotes and list items re-wrapped to the width; words
 *   are never broken (a word wider than the line gets a line of its own), and an
 *   inline code span that fits on a line is never split;
 * - code blocks and pipe tables kept line for line (code indented 4 spaces);
 * - with `ansi`, headings, **strong**, *emphasis*, `code`, links and quote bars
 *   styled with SGR sequences and the Markdown marks dropped; without, no escape
 *   at all and the marks kept (# heading, **strong**, `code`, > quote);
 * - every control character of the text (C0 such as ESC, BEL, CR, BS; DEL; the
 *   C1 controls U+0080..U+009F such as CSI; the bidirectional overrides) shown
 *   as \xHH or \uHHHH, so that only the styling added here reaches the terminal.
 * The result ends with a newline unless it is empty. Caller frees. */
char *md_to_terminal(const char *md, size_t len, int width, int ansi);

/* A copy of s with its control characters escaped as md_to_terminal shows them,
 * for any text of a lesson printed without rendering (command lines). Caller
 * frees. */
char *md_escape_controls(const char *s);

#endif
