#ifndef TRADECTL_CZSTD_SHIM_H
#define TRADECTL_CZSTD_SHIM_H
/* libzstd's streaming API: the backup compresses zstd itself to bound its worker buffers
   (ZSTD_c_jobSize), which libarchive's zstd filter does not expose. */
#include <zstd.h>
#endif
