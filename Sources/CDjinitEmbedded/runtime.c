#define _GNU_SOURCE
#include "CDjinitEmbedded.h"

#include <locale.h>
#include <stdlib.h>

// `Double(text)` (a statsD timing, a Prometheus sample): the standard library parses through this,
// in the C locale whatever the environment says, and returns where the number ended.
const char *_swift_stdlib_strtod_clocale(const char *text, double *result) {
    static locale_t c_locale;
    if (c_locale == (locale_t)0) c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    char *end;
    *result = strtod_l(text, &end, c_locale);
    return end;
}
