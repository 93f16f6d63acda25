#ifndef OSHIRASE_CTURBOJPEG_SHIM_H
#define OSHIRASE_CTURBOJPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif
