/* interrupt.c: the stop flag and its handlers. */
#include <string.h>

#include "untangle/core/interrupt.h"

volatile sig_atomic_t interrupt_flag = 0;

static void on_signal(int sig)
{
    /* A request to end the process is not turned back into a Ctrl-C. */
    if (interrupt_flag != SIGTERM)
        interrupt_flag = sig;
}

const char *interrupt_name(void)
{
    return interrupt_flag == SIGTERM ? "SIGTERM" : "Ctrl-C";
}

void interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGXFSZ, &sa, NULL);
}
