#ifndef OSHIRASE_CMOSQUITTO_SHIM_H
#define OSHIRASE_CMOSQUITTO_SHIM_H
// libmosquitto, the MQTT client of the fleet link (docs/fleet.md), driven by our own poll loop.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <openssl/ssl.h>
#include <sys/ioctl.h>

// While libmosquitto shakes hands over TLS, its want_write flag can stay set from the first,
// premature attempt; OpenSSL itself says whether the handshake goes on and what it waits for.
static inline int oshirase_tls_handshaking(void *ssl) {
    return ssl != NULL && !SSL_is_init_finished((const SSL *)ssl);
}
static inline int oshirase_tls_wants_write(void *ssl) {
    return ssl != NULL && SSL_want_write((const SSL *)ssl);
}
// Bytes waiting in a socket's receive buffer (0 when none or on error).
static inline int oshirase_socket_pending(int fd) {
    int bytes = 0;
    return ioctl(fd, FIONREAD, &bytes) == 0 ? bytes : 0;
}
#endif
