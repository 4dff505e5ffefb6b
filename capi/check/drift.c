/*
 * Compiled (never run) by capi/build.sh with -Werror after every build: the
 * hand-written public header and the header cgo generates from the //export
 * signatures in one translation unit. A prototype that differs in any
 * parameter or result type is a "conflicting types" error, so the two cannot
 * drift apart. (Functions missing from the library are caught by the
 * exported-symbols test, tests/c/check_symbols.sh.)
 */
#include "securesocket.h"
#include "securesocket_cgo.h"
