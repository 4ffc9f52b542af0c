#ifndef TRADECTL_CARCHIVE_SHIM_H
#define TRADECTL_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* archive_set_error is variadic, which Swift cannot call. */
static inline void tradectl_archive_set_error(struct archive *a, int error, const char *message) {
    archive_set_error(a, error, "%s", message);
}
#endif
