/*
 * guard.c - the public ss_* functions that are implemented in Go
 * (capi/exports.def). Each checks the fork guard here, in C, and only then
 * enters the Go runtime through its //export, ssgo_<name>. A child created by
 * fork() has none of the runtime's threads, and entering Go there can hang
 * (a lock a vanished thread held at fork time); with the check in C, every
 * function of the library returns SS_ERR_FORKED (NULL, 0) in such a child
 * without entering Go. The cost is one predictable branch per call.
 */
#include "capi.h"
#include "_cgo_export.h"

#define SSX(ret, name, params, args, forked) \
  ret ss_##name params {                     \
    if (ssi_forked) return forked;           \
    return ssgo_##name args;                 \
  }
#include "exports.def"
