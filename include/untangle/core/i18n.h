/* i18n.h: what untangle says, in the student's language (GNU gettext).
 *
 * Every message a person reads goes through _() where it is printed or
 * formatted; a string that sits in a table (a command's summary, an option's
 * help) is marked N_() there and translated with _() when it is shown. Names a
 * person types (commands, options, figures, settings) are never translated.
 *
 * The language follows the locale (LANGUAGE, then LC_ALL, LC_MESSAGES, LANG)
 * and `set lang`. Numbers are always written with a decimal point: LC_NUMERIC
 * stays "C", so that figures, `expect` and every file read back keep one form.
 *
 * Without i18n_init (the unit tests, the fuzzers) nothing is translated: the
 * program's locale is then "C" and gettext returns its argument. */
#ifndef UNTANGLE_I18N_H
#define UNTANGLE_I18N_H

#include <libintl.h>

#define UNTANGLE_TEXTDOMAIN "untangle"

/* gettext, but NULL and "" stay as they are (gettext("") is the catalogue's
 * header), so that a table's optional text can go through it unchecked. */
__attribute__((format_arg(1))) static inline const char *i18n_text(const char *s)
{
    return s && *s ? gettext(s) : s;
}

#define _(s) i18n_text(s)
#define N_(s) (s)

/* A word translated in a context, for the same English word that two places
 * translate differently ("test" a table's row, "test" in "test images"): the
 * catalogue's msgctxt, as gettext's pgettext has it (xgettext --keyword=C_:1c,2). */
__attribute__((format_arg(2))) static inline const char *i18n_ctext(const char *key,
                                                                    const char *s)
{
    const char *t = gettext(key);
    return t == key ? s : t;
}

#define C_(ctx, s) i18n_ctext(ctx "\004" s, s)

/* Sets the locale from the environment (LC_NUMERIC kept "C") and binds the
 * catalogue: next to the executable when it runs from the build tree
 * (DIR/build/locale or DIR/locale, DIR holding /proc/self/exe), else the
 * installed one. A language asked for by the environment whose locale is not
 * generated (LANG=fr_FR.UTF-8 on a machine with only C.UTF-8) is still used,
 * through LANGUAGE under C.UTF-8. Once, at the start of main. */
void i18n_init(void);

/* Switches the messages to `lang` ("fr", "en"): sets LANGUAGE and makes sure
 * the message locale is not "C" (which makes glibc ignore LANGUAGE). Returns
 * 0, or -1 when the language is not one untangle speaks. The locale is the
 * process's: the session records the language it chose (Shell.lang). */
int i18n_set_lang(const char *lang);

/* The language messages are in now: "fr" or "en". */
const char *i18n_lang(void);

/* The languages untangle speaks, NULL-terminated ("en" first: the sources'). */
extern const char *const i18n_langs[];

#endif
