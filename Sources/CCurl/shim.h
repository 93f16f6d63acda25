#ifndef OSHIRASE_CCURL_SHIM_H
#define OSHIRASE_CCURL_SHIM_H
// libcurl for the push client and feed polling. curl_easy_setopt and curl_easy_getinfo are
// variadic and do not import into Swift: typed wrappers follow, one per argument type.
#include <curl/curl.h>

static inline CURLcode oshirase_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode oshirase_curl_setopt_ptr(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode oshirase_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*oshirase_curl_write_callback)(char *data, size_t size, size_t count, void *user);
static inline CURLcode oshirase_curl_setopt_write(CURL *handle, CURLoption option, oshirase_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLcode oshirase_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list) {
    return curl_easy_setopt(handle, option, list);
}
static inline CURLcode oshirase_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode oshirase_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode oshirase_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode oshirase_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
/// The result code of a CURLMSG_DONE message (a member of an anonymous union in CURLMsg).
static inline CURLcode oshirase_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}
/// curl_global_init's flags: a macro built from shifts, re-exported as a constant.
static const long oshirase_curl_global_default = CURL_GLOBAL_DEFAULT;
/// The size curl writes into a CURLOPT_ERRORBUFFER.
static const int oshirase_curl_error_size = CURL_ERROR_SIZE;
#endif
