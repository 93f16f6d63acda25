#ifndef OSHIRASE_CLINUXDEVICES_SHIM_H
#define OSHIRASE_CLINUXDEVICES_SHIM_H
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <linux/fb.h>
#include <linux/kd.h>
#include <errno.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ioctl is variadic in C; these typed wrappers give Swift one checked signature per request,
   and constants built with _IOW (which Swift cannot import) become plain values. Each returns
   ioctl's result: -1 with errno set on failure. */

static const unsigned long oshirase_FBIO_WAITFORVSYNC = FBIO_WAITFORVSYNC;

static inline int oshirase_fb_get_variable_info(int fd, struct fb_var_screeninfo *info) {
    return ioctl(fd, FBIOGET_VSCREENINFO, info);
}

static inline int oshirase_fb_get_fixed_info(int fd, struct fb_fix_screeninfo *info) {
    return ioctl(fd, FBIOGET_FSCREENINFO, info);
}

/* The driver reads xoffset and yoffset (and vmode) from `info`. */
static inline int oshirase_fb_pan_display(int fd, struct fb_var_screeninfo *info) {
    return ioctl(fd, FBIOPAN_DISPLAY, info);
}

/* Waits for the next vertical blank on CRTC `crtc` (0: the first). Many drivers lack it (ENOTTY). */
static inline int oshirase_fb_wait_for_vsync(int fd, __u32 crtc) {
    return ioctl(fd, FBIO_WAITFORVSYNC, &crtc);
}

/* `level` is one of FB_BLANK_*: FB_BLANK_UNBLANK, FB_BLANK_POWERDOWN, … */
static inline int oshirase_fb_blank(int fd, int level) {
    return ioctl(fd, FBIOBLANK, (unsigned long)level);
}

/* Console (virtual terminal) text/graphics mode: KD_TEXT or KD_GRAPHICS. */
static inline int oshirase_kd_set_mode(int fd, int mode) {
    return ioctl(fd, KDSETMODE, (unsigned long)mode);
}

static inline int oshirase_kd_get_mode(int fd, int *mode) {
    return ioctl(fd, KDGETMODE, mode);
}
/* Pseudo-terminals (the serial thermometer's stand-in): unlock the slave and learn its number,
   as unlockpt(3) and ptsname(3) do, without the feature macros those need. */
static inline int oshirase_pty_unlock(int fd) {
    int unlock = 0;
    return ioctl(fd, TIOCSPTLCK, &unlock);
}

static inline int oshirase_pty_number(int fd, unsigned int *number) {
    return ioctl(fd, TIOCGPTN, number);
}


/* Adds `delta` to the calling thread's nice value, and only that thread's (at most 19): on Linux,
   setpriority(PRIO_PROCESS) given a thread id acts on that one thread (see setpriority(2), NOTES).
   A positive delta (lower priority) needs no privilege. */
static inline int oshirase_lower_thread_priority(int delta) {
    id_t thread = (id_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, thread);
    if (current == -1 && errno != 0) return -1;
    int wanted = current + delta > 19 ? 19 : current + delta;
    return setpriority(PRIO_PROCESS, thread, wanted);
}

/* The calling thread's nice value (-20...19), or 99 when the kernel would not say. */
static inline int oshirase_thread_nice(void) {
    errno = 0;
    int value = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    return value == -1 && errno != 0 ? 99 : value;
}

/* Names the calling thread for top -H, ps -L and debuggers (the kernel keeps 15 bytes). */
static inline int oshirase_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/* glibc's malloc: allocations of at least `bytes` get their own mapping, returned to the system
   when freed. Setting it also ends glibc's sliding threshold, which after one large free would
   serve later frame-sized buffers from the heap and keep them. Returns 1 on success. */
static inline int oshirase_malloc_set_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}

#endif
