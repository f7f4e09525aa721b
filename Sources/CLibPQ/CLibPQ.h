// libpq's client API. pkg-config puts /usr/include/postgresql on the include path; without it,
// Debian's header is still found under its full name.
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
