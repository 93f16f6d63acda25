#include "oshirase_build.h"

// __DATE__ is fixed when this file is compiled: the daemon takes any earlier clock reading
// as a clock that has not been set yet.
const char *oshirase_build_date(void) { return __DATE__; }
