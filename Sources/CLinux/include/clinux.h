#ifndef TRADECTL_CLINUX_H
#define TRADECTL_CLINUX_H
/* Linux calls glibc declares only under _GNU_SOURCE, wrapped for Swift. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>

/* Atomically exchanges two paths (renameat2 with RENAME_EXCHANGE, Linux >= 3.15). */
static inline int tradectl_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

/* An anonymous in-memory file (memfd_create, Linux >= 3.17), closed on exec. */
static inline int tradectl_memfd(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}
/* Size of the commit section scripts/package.sh patches (40 hex digits and a NUL). */
#define TRADECTL_COMMIT_SIZE 41

/* The git commit this binary was built from, or "unknown" (see clinux.c). */
const char *tradectl_commit(void);
#endif
