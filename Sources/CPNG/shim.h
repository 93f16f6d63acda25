#ifndef OSHIRASE_CPNG_SHIM_H
#define OSHIRASE_CPNG_SHIM_H
#include <png.h>
/// The simplified API's size and format macros do not import into Swift; expose them as functions.
static inline size_t oshirase_png_image_size(png_image *image) { return PNG_IMAGE_SIZE(*image); }
static inline png_uint_32 oshirase_png_format_bgra(void) { return PNG_FORMAT_BGRA; }
static inline png_uint_32 oshirase_png_format_argb(void) { return PNG_FORMAT_ARGB; }
static inline png_uint_32 oshirase_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline png_uint_32 oshirase_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 oshirase_png_flag_fast(void) { return PNG_IMAGE_FLAG_FAST; }
/// An upper bound on the encoded size of `image`, so one compression pass always fits.
static inline size_t oshirase_png_image_png_size_max(png_image *image) { return PNG_IMAGE_PNG_SIZE_MAX(*image); }
#endif
