#ifndef OSHIRASE_BUILD_H
#define OSHIRASE_BUILD_H
/// The date this file was compiled, as the C preprocessor spells it: "Nov 27 2026".
const char *oshirase_build_date(void);
#endif
