// The public header from C++: extern "C", no C-only constructs, -pedantic.
#include "securesocket.h"

#include <cstdio>
#include <cstring>

int main() {
  if (ss_version_number() != SS_VERSION_NUMBER || std::strcmp(ss_version(), SS_VERSION) != 0) {
    std::fprintf(stderr, "header %s, library %s\n", SS_VERSION, ss_version());
    return 1;
  }
  ss_socket *s = ss_socket_new();
  const char *endian = nullptr;
  int rc = ss_get_endian(s, &endian);
  ss_event ev;
  int got = ss_next_event(&ev);
  ss_socket_free(s);
  return rc == SS_OK && std::strcmp(endian, SS_BIG_ENDIAN) == 0 && got == 0 ? 0 : 1;
}
