/*
 * capi.h - the library's internal C interface: what the Go half of capi/
 * calls in the C half. Not installed. Every name here starts with ssi_ and is
 * hidden, so the version script's "ss_*" never exports it.
 */
#ifndef SECURESOCKET_CAPI_H
#define SECURESOCKET_CAPI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compat.h" /* SSI_HIDDEN, threads and the event fd per platform */
#include "securesocket.h"

/* Marks p[0..n), memory Go handed to C, as readable for memcheck. Go's heap
 * and goroutine stacks are invisible to memcheck, which takes reused stack
 * memory for dead stack; the valgrind pass (capi/build.sh --valgrind) says
 * so here, at the exact ranges Go passes, instead of suppressing every error
 * in the C code that copies them. A no-op in the library that ships.
 * Goroutine stacks live in Go's heap, so when any thread switches between
 * two of them less than memcheck's --max-stackframe apart, memcheck paints
 * the heap between as undefined or dead: a mark on Go memory holds only
 * until another thread runs. Mark right before the read (not before a lock
 * or a malloc), and mark the C copy after it (ssi_dup). */
#ifdef SS_VALGRIND
#include <valgrind/memcheck.h>
#define SSI_VALGRIND 1
#define SSI_GO_MEMORY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define SSI_VALGRIND 0
#define SSI_GO_MEMORY(p, n) ((void)0)
#endif
/* The same for an argument Go computed: lengths and ids Go derives from its
 * own memory are "undefined" to memcheck too. Taking the address makes the
 * compiler read the (now defined) stack copy afterwards. */
#define SSI_GO_ARG(x) SSI_GO_MEMORY(&(x), sizeof(x))

/* The same for what Go stores through the caller's pointers (out-parameters,
 * read buffers): the values come from Go memory whose definedness memcheck
 * cannot know. Called from Go only in the valgrind build. */
SSI_HIDDEN void ssi_go_wrote(void *p, size_t n);

/* cgo cannot spell const in Go signatures; exporting with these typedefs
 * makes the generated header say "const char *" and "const void *", so it
 * agrees with securesocket.h. */
typedef const char ssi_cchar;
typedef const void ssi_cvoid;

/* Set in a child created by fork(); every entry point then fails fast with
 * SS_ERR_FORKED instead of hanging on runtime threads that do not exist
 * there. Go reads it as a plain variable (no cgo call). */
extern SSI_HIDDEN volatile int ssi_forked;

/* Handle records: the C side of each live handle (callback, last error,
 * coalescing state). Keyed by the handle value. */
SSI_HIDDEN int ssi_register(void *h);   /* 0, or -1 when out of memory */
SSI_HIDDEN void ssi_unregister(void *h); /* drops the record and its events */
SSI_HIDDEN void ssi_purge(void *h);      /* drops the events waiting for h */
/* Host-driven input (queue.c, core's hostread.go): watch h's TCP descriptor
 * in the set behind ss_event_fd; 1 if watched, 0 where there is no set. */
SSI_HIDDEN int ssi_watch(void *h, int fd);
SSI_HIDDEN void ssi_unwatch(void *h);
/* Offers h's connect attempt to the host's next blocking wait (core's
 * offer.go); left_ms is what remains of its timeout. */
SSI_HIDDEN void ssi_offer(void *h, int64_t left_ms);
/* Lists a freed handle in a C array so leak checkers see it as reachable
 * (tombstone.c); 0, or -1 when out of memory. Callers serialise. */
SSI_HIDDEN int ssi_tombstone(void *h);
SSI_HIDDEN void ssi_set_error(void *h, int id, const char *msg, size_t len);

/* Appends an event of handle h to the queue, coalescing data and progress
 * events; dropped if h is no longer registered. Strings are copied. */
SSI_HIDDEN void ssi_push(void *h, int type, const char *name, size_t name_len,
                         const char *text, size_t text_len, const char *detail,
                         size_t detail_len, int32_t error_id, uint64_t loaded,
                         uint64_t pending, uint64_t total);

/* A copy of p[0..n) plus a NUL in C memory, or NULL when out of memory. */
SSI_HIDDEN char *ssi_dup(const char *p, size_t n);

/* A static, NUL-terminated copy of p[0..n) that lives as long as the process;
 * equal strings give the same pointer. NULL when out of memory. For the few
 * distinct strings getters return (statuses, endians, TLS versions). */
SSI_HIDDEN const char *ssi_intern(const char *p, size_t n);

/* "securesocket: out of memory", static: ss_error_text's answer when it
 * cannot intern a text. */
extern SSI_HIDDEN const char ssi_text_nomem[];

#endif
