#ifndef OSHIRASE_CPANGOCAIRO_SHIM_H
#define OSHIRASE_CPANGOCAIRO_SHIM_H
#include <cairo.h>
#include <pango/pangocairo.h>
#include <fontconfig/fontconfig.h>

/// PANGO_SCALE is a macro Swift imports, but keep one typed constant for clarity.
static inline int oshirase_pango_scale(void) { return PANGO_SCALE; }

/// g_object_unref takes a gpointer; give Swift a typed entry for Pango objects.
static inline void oshirase_unref_layout(PangoLayout *layout) { g_object_unref(layout); }
static inline void oshirase_unref_context(PangoContext *ctx) { g_object_unref(ctx); }
#endif
