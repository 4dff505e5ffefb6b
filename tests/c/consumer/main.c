/* A program built against the installed package (run.sh): it only needs the
 * header and the library found the way a consumer finds them. */
#include <securesocket.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (ss_version_number() != SS_VERSION_NUMBER) {
    fprintf(stderr, "header %s but library %s\n", SS_VERSION, ss_version());
    return 1;
  }
  ss_socket *s = ss_socket_new();
  const char *status = NULL;
  int rc = ss_get_server_certificate_status(s, &status);
  ss_socket_free(s);
  if (rc != SS_OK || strcmp(status, SS_CERT_UNKNOWN) != 0) return 1;
  printf("consumer ok: securesocket %s\n", ss_version());
  return 0;
}
