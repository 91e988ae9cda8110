/* testpty.h: a pseudo-terminal whose other side plays the terminal: it records
 * everything written to it and, once it hears DA1's query (ESC [ c), answers it
 * with the bytes given (a kitty, a sixel terminal, a multiplexer), or never. */
#ifndef UNTANGLE_TESTPTY_H
#define UNTANGLE_TESTPTY_H

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

typedef struct Pty {
    int master, slave;
    FILE *out;             /* the slave side as a stream, for a Shell's tty */
    const char *answer;    /* NULL: never answers */
    char *heard;           /* what the terminal side received; owned */
    size_t len, cap;
    int answered;
    volatile int stop;
    pthread_mutex_t mu;
    pthread_t th;
} Pty;

static void *pty_play(void *arg)
{
    Pty *p = arg;
    while (!p->stop) {
        struct pollfd fd = {p->master, POLLIN, 0};
        if (poll(&fd, 1, 20) <= 0 || !(fd.revents & POLLIN))
            continue;
        char buf[4096];
        ssize_t n = read(p->master, buf, sizeof buf);
        if (n <= 0)
            break;
        pthread_mutex_lock(&p->mu);
        if (p->len + (size_t)n + 1 > p->cap) {
            p->cap = (p->len + (size_t)n + 1) * 2;
            p->heard = realloc(p->heard, p->cap);
        }
        memcpy(p->heard + p->len, buf, (size_t)n);
        p->len += (size_t)n;
        p->heard[p->len] = '\0';
        int ask = !p->answered && memmem(p->heard, p->len, "\033[c", 3) != NULL;
        pthread_mutex_unlock(&p->mu);
        if (ask) {
            p->answered = 1;
            if (p->answer && write(p->master, p->answer, strlen(p->answer)) < 0)
                break;
        }
    }
    return NULL;
}

static inline void pty_open(Pty *p, const char *answer)
{
    memset(p, 0, sizeof *p);
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(p->master, 0);
    ck_assert_int_eq(grantpt(p->master), 0);
    ck_assert_int_eq(unlockpt(p->master), 0);
    p->slave = open(ptsname(p->master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(p->slave, 0);
    p->out = fdopen(dup(p->slave), "w");
    ck_assert_ptr_nonnull(p->out);
    p->answer = answer;
    p->cap = 1 << 16;
    p->heard = calloc(1, p->cap);
    pthread_mutex_init(&p->mu, NULL);
    ck_assert_int_eq(pthread_create(&p->th, NULL, pty_play, p), 0);
}

/* Lets the terminal side read what is on its way, then stops it. The record
 * stays in p->heard (p->len bytes) until pty_free. */
static inline void pty_close(Pty *p)
{
    fflush(p->out);
    usleep(100 * 1000);
    p->stop = 1;
    pthread_join(p->th, NULL);
    fclose(p->out);
    close(p->slave);
    close(p->master);
    pthread_mutex_destroy(&p->mu);
}

static inline void pty_free(Pty *p)
{
    free(p->heard);
    p->heard = NULL;
}

#endif
