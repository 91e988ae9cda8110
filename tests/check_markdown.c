/* check_markdown.c: Markdown for the terminal and for the report (cmark): the
 * real lessons' prose re-wrapped without a broken word at 40, 80 and 120
 * columns, code blocks and tables kept, control characters escaped, and the
 * HTML of the constructs the old renderer got wrong. */
#include <dirent.h>

#include "testutil.h"
#include "untangle/frontend/lesson.h"
#include "untangle/render/markdown.h"

/* The whitespace-separated words of s, in order, joined by one space; a line of
 * only a fence (```...) counts for nothing, as the renderer drops fences. */
static char *words(const char *s)
{
    size_t n = strlen(s);
    char *w = malloc(n + 2), *o = w;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\n' && *q != '\t')
            q++;
        if (q > p && !(strncmp(p, "```", 3) == 0 || strncmp(p, "~~~", 3) == 0)) {
            if (o > w)
                *o++ = ' ';
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
        }
        p = q;
    }
    *o = '\0';
    return w;
}

/* Columns of a line of plain output (UTF-8 code points; lessons have no wide
 * characters). */
static int columns(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* Checks one rendering: every line fits in width, unless it is a line of the
 * source kept as it is (code, table) or holds one word after its margin. */
static void check_lines(const char *out, const char *src, int width, const char *where)
{
    const char *p = out;
    while (*p) {
        const char *nl = strchr(p, '\n');
        ck_assert_ptr_nonnull(nl);
        size_t n = (size_t)(nl - p);
        if (columns(p, n) > width) {
            char line[4096];
            snprintf(line, sizeof line, "%.*s", (int)n, p);
            const char *body = line;
            while (*body == '>' || *body == ' ' || *body == '-')
                body++;
            int verbatim = strstr(src, body) != NULL && strchr(body, ' ') != NULL;
            int one_word = strchr(body, ' ') == NULL;
            ck_assert_msg(verbatim || one_word, "%s at %d columns: line too long: '%s'", where,
                          width, line);
        }
        p = nl + 1;
    }
}

static size_t checked_items;

static void check_lesson(const char *path)
{
    Lesson l;
    Err e;
    ck_assert_msg(lesson_load(path, &l, &e) == 0, "%s: %s", path, e.msg);
    for (size_t i = 0; i < l.n; i++) {
        const LessonItem *it = &l.items[i];
        if (it->kind == LESSON_COMMAND || !it->text)
            continue;
        char where[1100];
        snprintf(where, sizeof where, "%s:%ld", path, it->line);
        char *src_words = words(it->text);
        static const int widths[] = {40, 80, 120};
        for (size_t k = 0; k < 3; k++) {
            char *out = md_to_terminal(it->text, strlen(it->text), md_wrap_width(widths[k]), 0);
            char *out_words = words(out);
            /* Same words in the same order: none broken, none lost, none merged. */
            ck_assert_msg(strcmp(src_words, out_words) == 0, "%s at %d columns:\n%s\n---\n%s",
                          where, widths[k], src_words, out_words);
            check_lines(out, it->text, md_wrap_width(widths[k]), where);
            ck_assert_ptr_null(strchr(out, '\033'));
            free(out_words);
            free(out);
        }
        free(src_words);
        checked_items++;
    }
    lesson_free(&l);
}

START_TEST(real_lessons_wrap_without_breaking_words)
{
    static const char *const dirs[] = {"lessons/en", "lessons/fr"};
    size_t lessons = 0;
    checked_items = 0;
    for (size_t d = 0; d < 2; d++) {
        DIR *dir = opendir(dirs[d]);
        ck_assert_ptr_nonnull(dir);
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            size_t n = strlen(de->d_name);
            if (n < 3 || strcmp(de->d_name + n - 3, ".md") != 0)
                continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", dirs[d], de->d_name);
            check_lesson(path);
            lessons++;
        }
        closedir(dir);
    }
    ck_assert_uint_ge(lessons, 14);
    ck_assert_uint_ge(checked_items, 200);
}
END_TEST

START_TEST(wrap_fills_lines_and_keeps_code_spans_whole)
{
    const char *md = "one two three four five six seven eight nine ten eleven twelve thirteen "
                     "fourteen fifteen, then `model add dense 10 softmax input 784` to type.\n";
    char *out = md_to_terminal(md, strlen(md), 40, 0);
    ck_assert_str_eq(out, "one two three four five six seven eight\n"
                          "nine ten eleven twelve thirteen fourteen\n"
                          "fifteen, then\n"
                          "`model add dense 10 softmax input 784`\n"
                          "to type.\n");
    free(out);
    /* A word wider than the line gets a line of its own, whole. */
    const char *wide = "short aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa end\n";
    out = md_to_terminal(wide, strlen(wide), 20, 0);
    ck_assert_str_eq(out, "short\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nend\n");
    free(out);
}
END_TEST

START_TEST(code_blocks_and_tables_are_kept_verbatim)
{
    const char *md = "Formula:\n\n    s = W x + b            W: a 10 x 784 matrix, b: a vector of 10 biases, and more\n"
                     "    p_k = exp(s_k) / sum\n\n```python\nmodel.add(Dense(10,   input_dim=784))  # a comment that is long\n\tindented\n```\n\n"
                     "| layer | output shape | params |\n|---|:---:|---:|\n| dense | (None, 10) | 7850 |\n";
    for (int ansi = 0; ansi <= 1; ansi++) {
        char *out = md_to_terminal(md, strlen(md), 40, ansi);
        ck_assert_ptr_nonnull(strstr(out, "\n    s = W x + b            W: a 10 x 784 matrix, b: a vector of 10 biases, and more\n"
                                          "    p_k = exp(s_k) / sum\n"));
        ck_assert_ptr_nonnull(strstr(out, "\n    model.add(Dense(10,   input_dim=784))  # a comment that is long\n"
                                          "        indented\n"));
        ck_assert_ptr_nonnull(strstr(out, "\n| layer | output shape | params |\n|---|:---:|---:|\n"
                                          "| dense | (None, 10) | 7850 |\n"));
        free(out);
    }
}
END_TEST

START_TEST(control_characters_are_shown_escaped)
{
    /* ESC (an OSC title and a colour), BEL, CR, backspace, C1 CSI, a bidi override. */
    const char *md = "# Title \033[31mred\n\nA \033]0;pwned\007 title, \rback\bspace, "
                     "\xc2\x9b" "2J and \xe2\x80\xae" "evil. `code \033[2J`\n\n    code \033c\n\n"
                     "> quote \033[5m\n";
    for (int ansi = 0; ansi <= 1; ansi++) {
        char *out = md_to_terminal(md, strlen(md), 80, ansi);
        ck_assert_ptr_nonnull(strstr(out, "\\x1b[31mred"));
        ck_assert_ptr_nonnull(strstr(out, "\\x1b]0;pwned\\x07"));
        ck_assert_ptr_nonnull(strstr(out, "back\\x08space")); /* CR ends a line in CommonMark */
        ck_assert_ptr_nonnull(strstr(out, "\\u009b2J"));
        ck_assert_ptr_nonnull(strstr(out, "\\u202eevil"));
        ck_assert_ptr_nonnull(strstr(out, "\\x1b[2J"));
        ck_assert_ptr_nonnull(strstr(out, "\\x1bc"));
        ck_assert_ptr_nonnull(strstr(out, "\\x1b[5m"));
        ck_assert_ptr_null(strchr(out, '\007'));
        ck_assert_ptr_null(strchr(out, '\r'));
        ck_assert_ptr_null(strstr(out, "\xc2\x9b"));
        /* The only escapes left are the styling the renderer adds: ESC [ digits ; m. */
        for (const char *p = strchr(out, '\033'); p; p = strchr(p + 1, '\033')) {
            ck_assert_msg(ansi, "an escape in plain output");
            ck_assert_int_eq(p[1], '[');
            size_t k = 2;
            while ((p[k] >= '0' && p[k] <= '9') || p[k] == ';')
                k++;
            ck_assert_int_eq(p[k], 'm');
        }
        free(out);
    }
    char *e = md_escape_controls("load \033]8;;x\007 \xc2\x85");
    ck_assert_str_eq(e, "load \\x1b]8;;x\\x07 \\u0085");
    free(e);
}
END_TEST

START_TEST(styles_on_a_terminal_marks_in_plain)
{
    const char *md = "## Part *two*\n\nSome **bold**, *em* and `code`; a [link](https://example.org).\n\n"
                     "- one\n- two\n\n3. three\n4. four\n\n> **Question** why?\n";
    char *plain = md_to_terminal(md, strlen(md), 80, 0);
    ck_assert_str_eq(plain, "## Part *two*\n\n"
                            "Some **bold**, *em* and `code`; a link <https://example.org>.\n\n"
                            "- one\n- two\n\n3. three\n4. four\n\n> **Question** why?\n");
    free(plain);
    char *ansi = md_to_terminal(md, strlen(md), 80, 1);
    ck_assert_ptr_nonnull(strstr(ansi, "\033[0;1;36mPart\033[0m \033[0;1;3;36mtwo\033[0m\n"));
    ck_assert_ptr_nonnull(strstr(ansi, "Some \033[0;1mbold\033[0m, \033[0;3mem\033[0m and "
                                       "\033[0;32mcode\033[0m;"));
    ck_assert_ptr_null(strstr(ansi, "**"));
    ck_assert_ptr_null(strchr(ansi, '`'));
    ck_assert_ptr_nonnull(strstr(ansi, "\n3. three\n4. four\n"));
    ck_assert_ptr_nonnull(strstr(ansi, "\033[33m\xe2\x94\x82\033[0m \033[0;1mQuestion\033[0m why?\n"));
    free(ansi);
}
END_TEST

START_TEST(nested_quotes_and_lists_keep_their_margins)
{
    /* One loose item (a blank line inside it): its blocks are apart. */
    const char *md = "> - first item that is long enough to wrap around the line\n>   - nested\n>\n"
                     ">   more\n";
    char *out = md_to_terminal(md, strlen(md), 30, 0);
    ck_assert_str_eq(out, "> - first item that is long\n"
                          ">   enough to wrap around the\n"
                          ">   line\n"
                          ">\n"
                          ">   - nested\n"
                          ">\n"
                          ">   more\n");
    free(out);
    /* A hostile nesting depth renders (margins stop at a depth) without recursion. */
    size_t n = 200000;
    char *deep = malloc(n + 8);
    memset(deep, '>', n);
    memcpy(deep + n, " x\n", 4);
    out = md_to_terminal(deep, strlen(deep), 80, 0);
    ck_assert_ptr_nonnull(strstr(out, "x\n"));
    free(out);
    free(deep);
}
END_TEST

START_TEST(html_formula_block_code_spans_and_no_raw_html)
{
    /* Lesson 01: an indented formula block, and a code span across a line break. */
    const char *md = "For an image x:\n\n    s = W x + b\n    p_k = exp(s_k)\n\n"
                     "As in the lab (`model.add(Dense(10, input_dim=784,\nname='fc1'))`).\n\n"
                     "# Part <1>\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) *em* "
                     "**bold** a<b\n";
    char *h = md_to_html(md, strlen(md), 1);
    ck_assert_ptr_nonnull(strstr(h, "<pre><code>s = W x + b\np_k = exp(s_k)\n</code></pre>"));
    ck_assert_ptr_nonnull(strstr(h, "<code>model.add(Dense(10, input_dim=784, name='fc1'))</code>"));
    ck_assert_ptr_null(strstr(h, "`"));
    ck_assert_ptr_nonnull(strstr(h, "<h2>Part &lt;1&gt;</h2>"));
    ck_assert_ptr_null(strstr(h, "<script>"));
    ck_assert_ptr_null(strstr(h, "javascript:"));
    ck_assert_ptr_nonnull(strstr(h, "<em>em</em> <strong>bold</strong> a&lt;b"));
    free(h);
    const char *table = "| a | b |\n|---|---|\n| 1 | <2> |\n";
    h = md_to_html(table, strlen(table), 1);
    ck_assert_str_eq(h, "<pre><code>| a | b |\n|---|---|\n| 1 | &lt;2&gt; |\n</code></pre>\n");
    free(h);
}
END_TEST

static Suite *markdown_suite(void)
{
    Suite *s = suite_create("markdown");
    TCase *t = tcase_create("markdown");
    tcase_add_test(t, real_lessons_wrap_without_breaking_words);
    tcase_add_test(t, wrap_fills_lines_and_keeps_code_spans_whole);
    tcase_add_test(t, code_blocks_and_tables_are_kept_verbatim);
    tcase_add_test(t, control_characters_are_shown_escaped);
    tcase_add_test(t, styles_on_a_terminal_marks_in_plain);
    tcase_add_test(t, nested_quotes_and_lists_keep_their_margins);
    tcase_add_test(t, html_formula_block_code_spans_and_no_raw_html);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(markdown_suite()); }
