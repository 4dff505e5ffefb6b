/*
 * bcryptprimitives.c - ProcessPrng for wine before 9.0, test environment
 * only (tests/cross/windows.sh installs it into the wine prefix when wine
 * has no bcryptprimitives.dll). Go's runtime (1.22 and later) takes its
 * random bytes from bcryptprimitives.dll's ProcessPrng, which Windows 10
 * and later have and Debian 12's wine 8.0 lacks; without it every Go program
 * stops at start-up. This one fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), wine's own system random source. It never
 * ships: the DLL runs on Windows with Windows' own.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
