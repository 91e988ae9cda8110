/* interrupt.h: the stop flag (Ctrl-C, SIGTERM), the only global variable in untangle.
 *
 * The handlers only store the signal's number (async-signal-safe): SIGINT for
 * Ctrl-C, SIGTERM when the process is asked to end (which Ctrl-C never
 * overrides). Long loops (fit, evaluate, predict, t-SNE, drawing, saving) poll
 * interrupt_pending() and return cleanly with err_interrupted(). The flag is
 * cleared only where a person is back at the prompt (the REPL): a
 * non-interactive run stops at the first command after it, with status
 * 128 + the signal's number. */
#ifndef UNTANGLE_INTERRUPT_H
#define UNTANGLE_INTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t interrupt_flag;

static inline int interrupt_pending(void) { return interrupt_flag != 0; }
/* SIGINT, SIGTERM, or 0 when nothing stopped the work. */
static inline int interrupt_signal(void) { return (int)interrupt_flag; }
static inline void interrupt_clear(void) { interrupt_flag = 0; }

/* Holds the flag off for a short, bounded piece of work owed even after a stop
 * (a live view's last frame and animation, well under a second): returns what to
 * give back to interrupt_resume, which sets the flag again unless a signal came
 * meanwhile (that one stays, and will have cut the work short). */
static inline int interrupt_hold(void)
{
    int s = interrupt_signal();
    interrupt_flag = 0;
    return s;
}
static inline void interrupt_resume(int held)
{
    if (held && !interrupt_flag)
        interrupt_flag = held;
}

/* "Ctrl-C" or "SIGTERM": how messages name what stopped the work. */
const char *interrupt_name(void);

/* Installs the handlers of SIGINT and SIGTERM (without SA_RESTART, so that a
 * blocking read returns), and ignores SIGPIPE and SIGXFSZ: a closed pipe or the
 * file-size limit then fail the write that met them (EPIPE, EFBIG), which is
 * reported like any failed write, instead of killing the process mid-save. */
void interrupt_install(void);

#endif
