#ifndef TRADECTL_CCURL_SHIM_H
#define TRADECTL_CCURL_SHIM_H
/* The gcc type-check macros wrap curl_easy_setopt; the typed wrappers below do that job. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* CURL_GLOBAL_DEFAULT is a macro of macros, which Swift does not import. */
static inline CURLcode tradectl_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
   wrapper per argument kind. */
static inline CURLcode tradectl_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode tradectl_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode tradectl_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode tradectl_curl_setopt_read(CURL *curl, curl_read_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_READFUNCTION, callback);
}

static inline CURLcode tradectl_curl_setopt_xferinfo(CURL *curl, curl_xferinfo_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode tradectl_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
#endif
