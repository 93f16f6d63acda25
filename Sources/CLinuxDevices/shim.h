#ifndef OSHIRASE_CLINUXDEVICES_SHIM_H
#define OSHIRASE_CLINUXDEVICES_SHIM_H
#include <sys/ioctl.h>
#include <sys/inotify.h>
#include <linux/fb.h>
#include <linux/kd.h>
#endif
