/* Mostly header-only (see include/clinux.h); this file holds the build's commit. */
#include "clinux.h"

/*
 * The git commit tradectl was built from. A plain `swift build` leaves "unknown";
 * scripts/package.sh overwrites this section of the finished binary with
 * `objcopy --update-section .tradectl_commit=...` (same size, NUL-padded), so the
 * commit costs no compiler flag and no rebuild, and a checkout needs no generated file.
 */
__attribute__((section(".tradectl_commit"), used))
const char tradectl_commit_text[TRADECTL_COMMIT_SIZE] = "unknown";

const char *tradectl_commit(void) {
    return tradectl_commit_text;
}
