#ifndef TRADECTL_CARCHIVE_SHIM_H
#define TRADECTL_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
