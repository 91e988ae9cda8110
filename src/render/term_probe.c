/* term_probe.c: the terminal's own answer to what it can draw (see term_probe.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "untangle/render/term_probe.h"

#define PROBE_KITTY_ID "31"
/* kitty: query (a=q) whether a 1x1 RGB image sent directly (t=d) would be accepted */
static const char probe_queries[] = "\033_Gi=" PROBE_KITTY_ID ",s=1,v=1,a=q,t=d,f=24;AAAA\033\\"
                                    "\033[16t"
                                    "\033[c";
#define PROBE_BUF 512

static double probe_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads numbers separated by ';' from s[0..n) into v (at most cap); returns how many. */
static int probe_numbers(const char *s, size_t n, long *v, int cap)
{
    int k = 0;
    long cur = 0;
    int digits = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] >= '0' && s[i] <= '9') {
            if (cur < 100000)
                cur = cur * 10 + (s[i] - '0');
            digits = 1;
            continue;
        }
        if (k < cap)
            v[k++] = digits ? cur : -1;
        cur = 0;
        digits = 0;
    }
    return k;
}

int term_probe_parse(const char *buf, size_t len, TermCaps *caps)
{
    int da1 = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\033')
            continue;
        if (buf[i + 1] == '_' && i + 2 < len && buf[i + 2] == 'G') {
            /* APC G ... ST: kitty's reply "i=31;OK" */
            const char *body = buf + i + 3;
            const char *end = memmem(body, len - (i + 3), "\033\\", 2);
            if (!end)
                continue;
            size_t bl = (size_t)(end - body);
            if (memmem(body, bl, "i=" PROBE_KITTY_ID, strlen("i=" PROBE_KITTY_ID)) &&
                memmem(body, bl, ";OK", 3))
                caps->kitty = 1;
            i = (size_t)(end - buf) + 1;
        } else if (buf[i + 1] == '[') {
            /* CSI: parameters then a final byte in 0x40..0x7e */
            size_t j = i + 2;
            int private = j < len && buf[j] == '?';
            if (private)
                j++;
            size_t p0 = j;
            while (j < len && ((buf[j] >= '0' && buf[j] <= '9') || buf[j] == ';'))
                j++;
            if (j >= len)
                break; /* incomplete: wait for more */
            long v[32];
            int nv = probe_numbers(buf + p0, j - p0, v, 32);
            if (private && buf[j] == 'c') {
                da1 = 1;
                caps->answered = 1;
                for (int k = 1; k < nv; k++) /* v[0] is the terminal class */
                    if (v[k] == 4)
                        caps->sixel = 1;
            } else if (!private && buf[j] == 't' && nv == 3 && v[0] == 6 && v[1] > 0 &&
                       v[2] > 0 && v[1] < 1000 && v[2] < 1000) {
                caps->cell_h = (int)v[1];
                caps->cell_w = (int)v[2];
            }
            i = j;
        }
    }
    return da1;
}

TermMode term_caps_mode(const TermCaps *caps)
{
    return caps->kitty ? TERM_KITTY : caps->sixel ? TERM_SIXEL : TERM_BLOCKS;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int term_probe(int in_fd, int out_fd, int timeout_ms, TermCaps *caps)
{
    memset(caps, 0, sizeof *caps);
    if (in_fd < 0 || out_fd < 0 || !isatty(in_fd) || !isatty(out_fd))
        return -1;
    pid_t fg = tcgetpgrp(in_fd);
    if (fg != -1 && fg != getpgrp())
        return -1; /* in the background: tcsetattr would stop us */
    struct termios saved, raw;
    if (tcgetattr(in_fd, &saved) != 0)
        return -1;
    raw = saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(in_fd, TCSANOW, &raw) != 0)
        return -1;

    double t0 = probe_now();
    caps->probed = 1;
    char buf[PROBE_BUF];
    size_t len = 0;
    if (write_all(out_fd, probe_queries, sizeof probe_queries - 1) == 0) {
        double deadline = t0 + timeout_ms / 1000.0;
        for (;;) {
            double left = deadline - probe_now();
            if (left <= 0)
                break;
            struct pollfd p = {in_fd, POLLIN, 0};
            int r = poll(&p, 1, (int)(left * 1000) + 1);
            if (r < 0 && errno == EINTR)
                break; /* Ctrl-C: stop waiting */
            if (r <= 0 || !(p.revents & POLLIN))
                break;
            ssize_t got = read(in_fd, buf + len, sizeof buf - 1 - len);
            if (got <= 0)
                break;
            len += (size_t)got;
            TermCaps now = *caps;
            if (term_probe_parse(buf, len, &now)) {
                *caps = now;
                break;
            }
            if (len >= sizeof buf - 1)
                break; /* not an answer we know: give up */
        }
        if (!caps->answered)
            term_probe_parse(buf, len, caps); /* what came before the timeout */
    }
    /* An answer still on its way would reach the prompt as typed text. */
    if (!caps->answered)
        tcflush(in_fd, TCIFLUSH);
    tcsetattr(in_fd, TCSANOW, &saved);
    caps->seconds = probe_now() - t0;
    return 0;
}
