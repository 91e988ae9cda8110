/* fuzz_line.c: the command-line reader alone, the tokenizer and the argument
 * parser against every command's spec, without running the commands (fuzz_cmd
 * runs them, at a thousandth of the speed).
 *
 * Each line of the input is split into commands and words (tok_split), and each
 * command is read against the table (cmd_parse), as shell_run_line does before a
 * handler runs. Contract checked: nothing crashes or leaks; a line refused, or a
 * command refused, says why in one line; the words joined back (tok_join, what
 * the record and `save lesson` write) split again into the same words. */
#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/commands/commands.h"
#include "untangle/frontend/tokenizer.h"

#define FZ_LINE_MAX_INPUT 4096

/* The same words, in the same order, in one command. */
static void fz_line_round_trip(const TokCommand *c)
{
    char *joined = tok_join(c->argc, c->argv);
    TokLine again;
    Err e;
    err_clear(&e);
    if (tok_split(joined, &again, &e) != 0)
        fz_fail("tok_join gave a line tok_split refuses: %s (%s)", joined, e.msg);
    if (again.ncmds != 1 || again.cmds[0].argc != c->argc)
        fz_fail("tok_join of %d words split again into %zu commands: %s", c->argc, again.ncmds,
                joined);
    for (int w = 0; w < c->argc; w++)
        if (strcmp(again.cmds[0].argv[w], c->argv[w]) != 0)
            fz_fail("word %d changed through tok_join: '%s' -> '%s'", w, c->argv[w],
                    again.cmds[0].argv[w]);
    tok_free(&again);
    free(joined);
}

static void fz_line_one_line(Shell *sh, const char *line)
{
    TokLine t;
    Err e;
    err_clear(&e);
    if (tok_split(line, &t, &e) != 0) {
        fz_check_msg("tok_split", e.msg);
        return;
    }
    for (size_t i = 0; i < t.ncmds; i++) {
        const TokCommand *c = &t.cmds[i];
        fz_line_round_trip(c);
        CmdArgs a;
        sh->errmsg[0] = '\0';
        if (cmd_parse(sh, c->argc, c->argv, &a) != 0)
            fz_check_msg("cmd_parse", sh->errmsg);
    }
    tok_free(&t);
}

int fuzz_line_one(const uint8_t *data, size_t size)
{
    if (size > FZ_LINE_MAX_INPUT)
        return 0;
    static Shell sh; /* cmd_parse writes only its error into it */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL ends the input, as the line readers refuse one */
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        fz_line_one_line(&sh, line);
    }
    free(text);
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_line_one(data, size);
}
#endif
