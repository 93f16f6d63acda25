#ifndef OSHIRASE_CLIBFUZZER_SHIM_H
#define OSHIRASE_CLIBFUZZER_SHIM_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, `-sanitize=fuzzer`): parses libFuzzer's flags from argv and
/// runs `callback` over every input, as libFuzzer's own `main` would. Declared here because
/// SwiftPM names an executable's entry point itself, so the harness must bring `main` and call
/// the driver rather than let libFuzzer's `main` in.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
