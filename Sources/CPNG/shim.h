#ifndef OSHIRASE_CPNG_SHIM_H
#define OSHIRASE_CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/// The simplified API's size and format macros do not import into Swift; expose them as functions.
static inline size_t oshirase_png_image_size(png_image *image) { return PNG_IMAGE_SIZE(*image); }
static inline png_uint_32 oshirase_png_format_bgra(void) { return PNG_FORMAT_BGRA; }
static inline png_uint_32 oshirase_png_format_argb(void) { return PNG_FORMAT_ARGB; }
static inline png_uint_32 oshirase_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline png_uint_32 oshirase_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 oshirase_png_flag_fast(void) { return PNG_IMAGE_FLAG_FAST; }
/// An upper bound on the encoded size of `image`, so one compression pass always fits.
static inline size_t oshirase_png_image_png_size_max(png_image *image) { return PNG_IMAGE_PNG_SIZE_MAX(*image); }

/// A growing output buffer for the fast encoder.
typedef struct {
    unsigned char *data;
    size_t length;
    size_t capacity;
    char message[256];
} oshirase_png_output;

static void oshirase_png_error_fn(png_structp png, png_const_charp text) {
    oshirase_png_output *out = (oshirase_png_output *)png_get_error_ptr(png);
    strncpy(out->message, text ? text : "libpng error", sizeof out->message - 1);
    out->message[sizeof out->message - 1] = 0;
    png_longjmp(png, 1);
}

static void oshirase_png_warning_fn(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void oshirase_png_write_fn(png_structp png, png_bytep bytes, png_size_t count) {
    oshirase_png_output *out = (oshirase_png_output *)png_get_io_ptr(png);
    if (out->length + count > out->capacity) {
        size_t wanted = (out->length + count) * 2;
        unsigned char *grown = (unsigned char *)realloc(out->data, wanted);
        if (!grown) png_error(png, "out of memory while writing PNG");
        out->data = grown;
        out->capacity = wanted;
    }
    memcpy(out->data + out->length, bytes, count);
    out->length += count;
}

static void oshirase_png_flush_fn(png_structp png) { (void)png; }

/// Encodes Cairo ARGB32 rows (native-endian, alpha dropped) as an 8-bit RGB PNG with a low zlib
/// level and no filtering, for speed. libpng's classic API longjmps on errors, so every setjmp
/// stays inside this one function. Returns 1 on success; `out->data` is malloc'd (free it with
/// `free`) and on failure `out->message` says why.
static inline int oshirase_png_encode_argb32(const unsigned char *pixels, png_uint_32 width, png_uint_32 height,
                                             size_t stride, int level, oshirase_png_output *out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, out, oshirase_png_error_fn,
                                              oshirase_png_warning_fn);
    if (!png) {
        strcpy(out->message, "cannot start the PNG encoder");
        return 0;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        strcpy(out->message, "cannot start the PNG encoder");
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    png_set_write_fn(png, out, oshirase_png_write_fn, oshirase_png_flush_fn);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    png_set_filler(png, 0, PNG_FILLER_AFTER);  /* memory order B,G,R,A */
    png_set_bgr(png);
#else
    png_set_filler(png, 0, PNG_FILLER_BEFORE); /* memory order A,R,G,B */
#endif
    for (png_uint_32 y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 1;
}
#endif
