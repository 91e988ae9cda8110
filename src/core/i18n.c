/* i18n.c: the locale, the catalogue's folder and `set lang`. */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/i18n.h"

#ifndef UNTANGLE_LOCALEDIR
#define UNTANGLE_LOCALEDIR "/usr/local/share/locale"
#endif

/* The locale that makes glibc honour LANGUAGE when none the student asked for
 * is generated: every glibc since 2.35 has it built in. Under "C" or "POSIX"
 * glibc ignores LANGUAGE, by design (POSIX output of POSIX programs). */
#define FALLBACK_LOCALE "C.UTF-8"

const char *const i18n_langs[] = {"en", "fr", NULL};

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The catalogue of the build tree beside the executable, so that ./untangle
 * speaks French before (and without) `make install`: make compiles po/fr.po to
 * BUILD/locale/fr/LC_MESSAGES/untangle.mo. */
static void bind_catalogue(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *dir = UNTANGLE_LOCALEDIR;
    char found[PATH_MAX + 32];
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* ./untangle (build/locale), build-san/untangle (build-san/locale),
             * build/tests/check_x (build/locale) */
            static const char *const below[] = {"/build/locale", "/locale", "/../locale", NULL};
            for (size_t i = 0; below[i]; i++) {
                snprintf(found, sizeof found, "%s%s", exe, below[i]);
                if (is_dir(found)) {
                    dir = found;
                    break;
                }
            }
        }
    }
    bindtextdomain(UNTANGLE_TEXTDOMAIN, dir);
    /* Messages are written as UTF-8 whatever LC_CTYPE says (under "C" gettext
     * would otherwise turn every accent into '?'). */
    bind_textdomain_codeset(UNTANGLE_TEXTDOMAIN, "UTF-8");
    textdomain(UNTANGLE_TEXTDOMAIN);
}

/* The first of LC_ALL, LC_MESSAGES, LANG that is set: the locale the
 * environment asks messages in. */
static const char *env_messages_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG", NULL};
    for (size_t i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

static int is_c_locale(const char *name)
{
    return !name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

void i18n_init(void)
{
    if (!setlocale(LC_ALL, "")) {
        /* A locale that is not generated here (LANG=fr_FR.UTF-8 on a machine
         * with only C.UTF-8): everything stays "C". Its language is still
         * honoured through LANGUAGE, under C.UTF-8. */
        const char *want = env_messages_locale();
        if (!is_c_locale(want) && setlocale(LC_ALL, FALLBACK_LOCALE)) {
            const char *language = getenv("LANGUAGE");
            if (!language || !*language) {
                char lang[64];
                snprintf(lang, sizeof lang, "%s", want);
                lang[strcspn(lang, ".@")] = '\0'; /* fr_FR.UTF-8 -> fr_FR */
                setenv("LANGUAGE", lang, 1);
            }
        }
    }
    /* Figures, `expect`, models and reports keep a decimal point. */
    setlocale(LC_NUMERIC, "C");
    bind_catalogue();
}

int i18n_set_lang(const char *lang)
{
    size_t i = 0;
    while (i18n_langs[i] && strcmp(i18n_langs[i], lang) != 0)
        i++;
    if (!i18n_langs[i])
        return -1;
    setenv("LANGUAGE", lang, 1);
    const char *now = setlocale(LC_MESSAGES, NULL);
    if (is_c_locale(now))
        setlocale(LC_MESSAGES, FALLBACK_LOCALE);
    /* Binding again drops what gettext has cached for the former language. */
    bind_catalogue();
    return 0;
}

const char *i18n_lang(void)
{
    /* TRANSLATORS: the code of the language this catalogue is in ("fr"), which
     * `set lang` prints; not a word to translate. */
    const char *code = _("en");
    for (size_t i = 0; i18n_langs[i]; i++)
        if (strcmp(code, i18n_langs[i]) == 0)
            return i18n_langs[i];
    return "en";
}
