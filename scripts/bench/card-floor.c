/*
 * The floor of oshirase's rendering stack, for scripts/bench-render: the same benchmark card
 * (title and three body lines, white on #0B3D91, Noto Sans CJK JP) drawn with nothing but the
 * libraries oshirase must use (Pango, Cairo, fontconfig, libpng), with no fitting, no phrase
 * breaking and no playlist, then written as PNG at zlib level 1 with no filter, as oshirase does.
 * A whole-process render of this card on this stack, with these PNG settings, cannot be faster.
 *
 * Little-endian only (Cairo ARGB32 rows are B,G,R,A in memory there), like the machines we bench on.
 *
 * Usage: card-floor OUTPUT.png
 */
#include <pango/pangocairo.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>

static void show(cairo_t *cr, PangoLayout *layout, const char *font, const char *text, double x, double y) {
    PangoFontDescription *desc = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout, desc);
    pango_font_description_free(desc);
    pango_layout_set_text(layout, text, -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: card-floor OUTPUT.png\n");
        return 2;
    }
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1920, 1080);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 0x0B / 255.0, 0x3D / 255.0, 0x91 / 255.0);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    pango_layout_set_width(layout, 1728 * PANGO_SCALE);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    show(cr, layout, "Noto Sans CJK JP Bold 96px", "マイナンバーカードの申請", 96, 96);
    show(cr, layout, "Noto Sans CJK JP 56px",
         "オンライン申請を受け付けています。\n本庁舎1階正面玄関にて検温と消毒にご協力ください。\n"
         "受付時間は平日8時45分から17時15分までです。", 96, 283);
    cairo_surface_flush(surface);

    FILE *file = fopen(argv[1], "wb");
    if (!file) {
        perror(argv[1]);
        return 1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fclose(file);
        return 1;
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, 1920, 1080, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 1);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
    png_set_filler(png, 0, PNG_FILLER_AFTER);
    png_set_bgr(png);
    const unsigned char *pixels = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < 1080; y++) png_write_row(png, (png_const_bytep)(pixels + y * stride));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(file);
    return 0;
}
