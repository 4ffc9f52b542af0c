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
/* Writeback of a file range (sync_file_range): start it, or start it and wait for it. */
static const unsigned int tradectl_sync_start = SYNC_FILE_RANGE_WRITE;
static const unsigned int tradectl_sync_wait =
    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
static inline int tradectl_sync_file_range(int fd, long long offset, long long length, unsigned int flags) {
    return sync_file_range(fd, offset, length, flags);
}

/* Size of the commit section scripts/package.sh patches (40 hex digits and a NUL). */
#define TRADECTL_COMMIT_SIZE 41

/* The git commit this binary was built from, or "unknown" (see clinux.c). */
const char *tradectl_commit(void);
#endif
