/*
 * tombstone.c - keeps the handles of freed sockets reachable from C.
 *
 * A freed handle is never returned to malloc (capi/handles.go: a stale
 * handle must never reach a newer socket), but go-pointer's map, the only
 * other reference to it, lives in Go's heap, which leak checkers do not
 * scan: LeakSanitizer (-fsanitize=address) reported every freed socket's
 * handle as a direct leak and failed the host program at exit, and valgrind
 * called it lost. Listing the tombstones in an array that a C global points
 * to makes them reachable, as they are, at 8 bytes per freed socket.
 * Callers serialise (Go holds a mutex).
 */
#include <stdlib.h>

#include "capi.h"

static void **tombstones;
static size_t tombstones_len, tombstones_cap;

int ssi_tombstone(void *h) {
  if (tombstones_len == tombstones_cap) {
    size_t cap = tombstones_cap ? 2 * tombstones_cap : 64;
    void **grown = realloc(tombstones, cap * sizeof *grown);
    if (grown == NULL) return -1; /* the handle stays dead; only a leak checker would notice */
    tombstones = grown;
    tombstones_cap = cap;
  }
  tombstones[tombstones_len++] = h;
  return 0;
}
