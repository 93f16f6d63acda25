#ifndef OSHIRASE_CDRM_SHIM_H
#define OSHIRASE_CDRM_SHIM_H
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

/* Constants Swift cannot import: built with _IOWR, a fourcc macro, or too wide for Int32. */
static const uint32_t oshirase_drm_object_connector = DRM_MODE_OBJECT_CONNECTOR;
static const uint32_t oshirase_drm_format_xrgb8888 = DRM_FORMAT_XRGB8888;
static const uint32_t oshirase_drm_page_flip_event = DRM_MODE_PAGE_FLIP_EVENT;
static const uint64_t oshirase_drm_cap_dumb_buffer = DRM_CAP_DUMB_BUFFER;

/* Every helper returns 0 on success or a negative errno, as libdrm's mode calls do. */

/* DRM_IOCTL_MODE_CREATE_DUMB: a zero-flag buffer of width × height at bpp bits per pixel. */
static inline int oshirase_drm_create_dumb(int fd, uint32_t width, uint32_t height, uint32_t bpp,
                                           uint32_t *handle, uint32_t *pitch, uint64_t *size) {
    struct drm_mode_create_dumb request;
    memset(&request, 0, sizeof request);
    request.width = width;
    request.height = height;
    request.bpp = bpp;
    if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &request) != 0) return -errno;
    *handle = request.handle;
    *pitch = request.pitch;
    *size = request.size;
    return 0;
}

/* DRM_IOCTL_MODE_MAP_DUMB: the fake offset to pass to mmap on the same fd. */
static inline int oshirase_drm_map_dumb(int fd, uint32_t handle, uint64_t *offset) {
    struct drm_mode_map_dumb request;
    memset(&request, 0, sizeof request);
    request.handle = handle;
    if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &request) != 0) return -errno;
    *offset = request.offset;
    return 0;
}

/* DRM_IOCTL_MODE_DESTROY_DUMB. */
static inline int oshirase_drm_destroy_dumb(int fd, uint32_t handle) {
    struct drm_mode_destroy_dumb request;
    memset(&request, 0, sizeof request);
    request.handle = handle;
    if (drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &request) != 0) return -errno;
    return 0;
}

/* Page-flip completions counted for one device. Its address is the flip's user data, so it must
   live until the fd is closed (a late event can still arrive after a timeout). */
typedef struct oshirase_drm_flip_counter {
    uint64_t completed;
    unsigned int last_sequence;
    unsigned int last_seconds;
    unsigned int last_microseconds;
} oshirase_drm_flip_counter;

static inline void oshirase_drm_on_page_flip(int fd, unsigned int sequence, unsigned int seconds,
                                             unsigned int microseconds, void *user_data) {
    (void)fd;
    oshirase_drm_flip_counter *counter = (oshirase_drm_flip_counter *)user_data;
    if (counter == NULL) return;
    counter->completed += 1;
    counter->last_sequence = sequence;
    counter->last_seconds = seconds;
    counter->last_microseconds = microseconds;
}

/* drmModePageFlip with DRM_MODE_PAGE_FLIP_EVENT; the event increments *counter. */
static inline int oshirase_drm_page_flip(int fd, uint32_t crtc_id, uint32_t fb_id,
                                         oshirase_drm_flip_counter *counter) {
    return drmModePageFlip(fd, crtc_id, fb_id, DRM_MODE_PAGE_FLIP_EVENT, counter);
}

/* Waits up to timeout_ms for the fd to become readable, then reads and dispatches its events.
   Returns 1 when events were handled, 0 on timeout, or a negative errno. */
static inline int oshirase_drm_handle_events(int fd, int timeout_ms) {
    struct pollfd entry;
    entry.fd = fd;
    entry.events = POLLIN;
    entry.revents = 0;
    int ready = poll(&entry, 1, timeout_ms);
    if (ready < 0) return -errno;
    if (ready == 0) return 0;
    if ((entry.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (entry.revents & POLLIN) == 0) return -EIO;
    drmEventContext context;
    memset(&context, 0, sizeof context);
    /* Version 2 is the first with page_flip_handler; later fields stay NULL. */
    context.version = 2;
    context.page_flip_handler = oshirase_drm_on_page_flip;
    /* drmHandleEvent answers -1 also for a short read, which leaves errno as it was. */
    errno = 0;
    if (drmHandleEvent(fd, &context) != 0) return errno != 0 ? -errno : -EIO;
    return 1;
}

#endif
