/*
 * Compiled (never run) by capi/build.sh with -Werror after every build: the
 * hand-written public header and the header cgo generates from the //export
 * signatures in one translation unit. Each public function implemented in Go
 * (capi/exports.def) must have exactly the type of its Go export ssgo_<name>,
 * so the two cannot drift apart; guard.c, which defines the public functions,
 * is itself compiled against the public header. (Functions missing from the
 * library are caught by the exported-symbols test, tests/c/check_symbols.sh.)
 */
#include "securesocket.h"
#include "securesocket_cgo.h"

#define SSX(ret, name, params, args, forked)                                        \
  _Static_assert(__builtin_types_compatible_p(__typeof__(ss_##name), __typeof__(ssgo_##name)), \
                 "ss_" #name " and its Go export ssgo_" #name " differ");
#include "exports.def"
