/* handin.c: the student's page from the session (see handin.h). */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "untangle/session/handin.h"

void sh_student_name(const Shell *sh, char *buf, size_t cap)
{
    const char *user = getenv("USER");
    const struct passwd *pw = NULL;
    if (sh->student_name[0])
        snprintf(buf, cap, "%s", sh->student_name);
    else if (user && *user)
        snprintf(buf, cap, "%s", user);
    else if ((pw = getpwuid(getuid())) != NULL && pw->pw_name && *pw->pw_name)
        snprintf(buf, cap, "%s", pw->pw_name);
    else
        snprintf(buf, cap, "unknown");
}

int sh_handin(Shell *sh, const char *path, ReportSummary *s, char sha256[REPORT_SHA256_HEX])
{
    if (sh_check_write(sh, path) != 0)
        return -1;
    char name[sizeof sh->student_name], date[64];
    sh_student_name(sh, name, sizeof name);
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        snprintf(date, sizeof date, "%lld seconds after 1970", (long long)now);
    ReportMeta m = {.name = name, .date = date, .program = "untangle " UNTANGLE_VERSION};
    Err e;
    err_clear(&e);
    if (report_write(sh->report, &m, path, sha256, &e) != 0)
        return sh_error_err(sh, &e), -1;
    if (s)
        report_summarize(sh->report, s);
    return 0;
}
