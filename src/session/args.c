/* args.c: reading one number a handler checks itself, with the messages of the
 * command specs' parser (untangle/core/params.h). */
#include "untangle/core/params.h"
#include "untangle/session/shell.h"

int arg_long(Shell *sh, const char *what, const char *text, long lo, long hi, long *out)
{
    Err e;
    if (param_read_long(what, text, lo, hi, out, &e) != 0)
        return sh_error_err(sh, &e), -1;
    return 0;
}

int arg_double(Shell *sh, const char *what, const char *text, double lo, double hi, double *out)
{
    Err e;
    if (param_read_double(what, text, lo, hi, out, &e) != 0)
        return sh_error_err(sh, &e), -1;
    return 0;
}
