/* interrupt.h: the Ctrl-C flag, the only global variable in untangle.
 *
 * The SIGINT handler only sets the flag (async-signal-safe). Long loops (fit,
 * evaluate, predict, t-SNE) poll interrupt_pending() and return cleanly with
 * err_interrupted(); the shell clears the flag before each command. */
#ifndef UNTANGLE_INTERRUPT_H
#define UNTANGLE_INTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t interrupt_flag;

static inline int interrupt_pending(void) { return interrupt_flag != 0; }
static inline void interrupt_clear(void) { interrupt_flag = 0; }

/* Installs the SIGINT handler (without SA_RESTART, so a blocking read returns). */
void interrupt_install(void);

#endif
