#ifndef TRADECTL_CLINUX_H
#define TRADECTL_CLINUX_H
/* Linux calls glibc declares only under _GNU_SOURCE, wrapped for Swift. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

/* Atomically exchanges two paths (renameat2 with RENAME_EXCHANGE, Linux >= 3.15). */
static inline int tradectl_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}
#endif
