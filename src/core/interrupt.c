/* interrupt.c: the Ctrl-C flag and its handler. */
#include <string.h>

#include "untangle/core/interrupt.h"

volatile sig_atomic_t interrupt_flag = 0;

static void on_sigint(int sig)
{
    (void)sig;
    interrupt_flag = 1;
}

void interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR */
    sigaction(SIGINT, &sa, NULL);
}
