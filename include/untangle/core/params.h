/* params.h: words described once, parsed by one parser.
 *
 * A Param describes one word a user types after a command, or one field of a
 * thing a file records: its name, its type and range or choices, its default and
 * one line of help. Commands declare their options with it (the command table's
 * synopsis, `help`, completion and the handlers' typed getters all read it), and
 * each layer type declares its fields with it (`model add`, completion, `help
 * model add`, summaries and the model file). The parser is this file's
 * params_parse; nothing else reads words.
 *
 * Where a word goes (Param.place):
 *   PARAM_POS       required, in declaration order: `fit` has none, `load mnist`
 *   PARAM_POS_OPT   optional, taken when the next word looks like its type
 *   PARAM_BARE      one of its choices, anywhere after the positions, without
 *                   its name: `model add dense 10 softmax` (activation)
 *   PARAM_OPTION    `name value` (or `name` alone for PARAM_FLAG), in any order
 *   PARAM_REST      every remaining word (`echo TEXT...`)
 * A PARAM_KEYWORD is a literal word that must be typed: `keep nh as nh_raw`.
 *
 * A Param with `field` set (PARAM_AT) also says where its value lives in a
 * struct, so that params_store fills the struct and params_format writes it back
 * as `name value` words (model files, descriptions). Stored types: INT, CHOICE
 * and FLAG as int, REAL as double, DIMS as int[dims].
 *
 * Numbers, one grammar for every INT and REAL word and field: decimal, an
 * optional sign, fraction and exponent (`300`, `-3`, `0.5`, `.5`, `1e-3`,
 * `6e4`); a whole-number word takes any such number whose value is whole (`6e4`
 * is 60000, `1.5` is refused); no hexadecimal, `inf`, `nan`, blanks or digit
 * separators; a number is 0 or from PARAM_NUMBER_MIN to PARAM_NUMBER_MAX in size.
 * Sizes (DIMS) are plain digits joined by x.
 *
 * No allocation: values borrow the words they were read from. */
#ifndef UNTANGLE_PARAMS_H
#define UNTANGLE_PARAMS_H

#include <stddef.h>
#include "untangle/core/err.h"

#define PARAM_NUMBER_MIN 1e-300
#define PARAM_NUMBER_MAX 1e300

typedef enum ParamType {
    PARAM_FLAG,      /* a bare option name, no value: `nesterov` */
    PARAM_INT,       /* a whole number in [lo, hi] */
    PARAM_REAL,      /* a finite number in [lo, hi] */
    PARAM_CHOICE,    /* one of the choices */
    PARAM_DIMS,      /* `dims` sizes joined by x (5x5, 28x28x1), each in 1..hi;
                        dims 0 takes one or three sizes */
    PARAM_WORD,      /* any word: a name, a title */
    PARAM_KEYWORD,   /* the literal word `name` */
} ParamType;

typedef enum ParamPlace {
    PARAM_OPTION, PARAM_POS, PARAM_POS_OPT, PARAM_BARE, PARAM_REST
} ParamPlace;

/* What tab completion offers for a value (the front end lists the files). */
typedef enum ParamComplete {
    PARAM_COMPLETE_NONE,     /* choices when there are some, else nothing */
    PARAM_COMPLETE_FILE,     /* file names */
    PARAM_COMPLETE_MODEL,    /* saved models (*.model in the output folder and here) */
    PARAM_COMPLETE_FIGURE,   /* figures reported so far */
    PARAM_COMPLETE_COMMAND,  /* command names, then their sub-commands (`help`) */
    PARAM_COMPLETE_LESSON,   /* the lessons' names in lessons/LANG, then file names */
} ParamComplete;

typedef struct Param {
    const char *name;      /* option name; for a position, the name getters use */
    ParamType type;
    ParamPlace place;
    double lo, hi;         /* INT, REAL: the range; DIMS: hi is the largest size */
    int lo_open;           /* REAL: lo itself is refused (a learning rate > 0) */
    int dims;              /* DIMS: how many sizes (2 or 3; 0 = one or three) */
    /* CHOICE: the names, NULL-terminated; or a table of structs whose first member
     * is the name (choice_table, choice_stride), ending with a NULL name; or a
     * function giving them one by one (choice_fn). */
    const char *const *choices;
    const void *choice_table;
    size_t choice_stride;
    const char *(*choice_fn)(size_t i); /* or the i-th name from a registry, NULL past it */
    const char *def;       /* the default as typed ("300"), or NULL */
    const char *meta;      /* the value's word in synopses ("N", "FILE"); NULL: derived */
    const char *what;      /* what errors call it ("number of images"); NULL: name */
    const char *help;      /* one line for `help` */
    ParamComplete complete;
    size_t field;          /* PARAM_AT(struct, member), or 0: not stored */
} Param;

/* offsetof + 1, so that 0 can mean "not stored" in tables that leave it out. */
#define PARAM_AT(type, member) (offsetof(type, member) + 1)

/* The i-th choice name of p, or NULL past the end. */
const char *param_choice(const Param *p, size_t i);
/* Index of word among p's choices, or -1. */
int param_choice_index(const Param *p, const char *word);
/* "a, b or c" into buf (cap bytes); returns buf. */
char *param_choice_list(const Param *p, const char *sep_last, char *buf, size_t cap);
/* The value's word in synopses: meta, or "a|b|c", "N", "X", "AxB"... */
const char *param_meta(const Param *p, char *buf, size_t cap);

/* Parsed values, one per Param of the lists given to params_parse. */
#define PARAMS_MAX 32
typedef struct ParamValue {
    int given;             /* typed (or read from the file); else the default applies */
    const char *text;      /* the word, or the default's text; NULL when neither */
    long i;                /* INT; CHOICE: the index; FLAG: 1 when given */
    double x;              /* REAL (and INT as a double) */
    int d[3];              /* DIMS */
    int nd;                /* DIMS: how many sizes */
    int first, count;      /* REST: the words argv[first .. first+count) */
} ParamValue;

typedef struct ParamValues {
    size_t n;
    const Param *p[PARAMS_MAX];
    ParamValue v[PARAMS_MAX];
} ParamValues;

/* Reads argv[0..argc) against the Params of `lists` (up to 4 arrays, each ending
 * with a NULL name; NULL entries skipped), in the order the places say. Defaults
 * fill what is absent. `by_name` reads every Param, positions too, as `name
 * value` pairs (how files record fields). Errors name the word, the parameter
 * and what would be valid: "bad activation 'softmx' (should be linear, sigmoid,
 * softmax, relu or tanh)", "batch 0 is out of range (should be from 1 to
 * 10000000)", "unknown word 'xyz' (options: input, name)". `what` is the thing
 * being read ("fit", "model add dense"), used in those messages. */
int params_parse(const Param *const *lists, size_t n_lists, int argc, char **argv, int by_name,
                 const char *what, ParamValues *out, Err *e);

/* The value of the Param called name, or NULL when there is none (a bug in the
 * caller: every name a handler asks for is declared). */
const ParamValue *params_get(const ParamValues *pv, const char *name);

/* Writes every value whose Param has a field into the struct at target. */
void params_store(const ParamValues *pv, void *target);
/* Appends (after what buf already holds) the `name value` words of the fields of params read from target to buf
 * (one space between words; choices by name, DIMS as AxB). Fields equal to their
 * default are left out when skip_defaults. Returns the length written. */
size_t params_format(const Param *params, const void *target, int skip_defaults, char *buf,
                     size_t cap);

/* Reading one word, with the same messages as params_parse (what names it). */
int param_read_long(const char *what, const char *text, long lo, long hi, long *out, Err *e);
int param_read_double(const char *what, const char *text, double lo, double hi, double *out,
                      Err *e);
/* "5x5" -> 2 sizes; n = 0 accepts one or three sizes (784, 28x28x1). Returns the
 * count or -1. */
int param_read_dims(const char *what, const char *text, int n, long hi, int out[3], Err *e);

/* Levenshtein distance of two short words (99 past 31 characters). */
size_t param_edit_distance(const char *a, const char *b);

#endif
