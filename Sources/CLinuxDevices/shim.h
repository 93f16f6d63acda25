#ifndef OSHIRASE_CLINUXDEVICES_SHIM_H
#define OSHIRASE_CLINUXDEVICES_SHIM_H
#include <sys/ioctl.h>
#include <sys/inotify.h>
#include <linux/fb.h>
#include <linux/kd.h>

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

#endif
