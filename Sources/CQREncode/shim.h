#ifndef OSHIRASE_CQRENCODE_SHIM_H
#define OSHIRASE_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
