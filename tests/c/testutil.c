#include "portable.h"
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tu_failures;

int tu_main(int argc, char **argv, const tu_test *tests) {
  int ran = 0;
  for (const tu_test *t = tests; t->name != NULL; t++) {
    int selected = argc <= 1;
    for (int i = 1; i < argc; i++)
      if (strcmp(argv[i], t->name) == 0) selected = 1;
    if (!selected) continue;
    int before = tu_failures;
    int64_t t0 = tu_now_ms();
    t->fn();
    tu_forget(NULL);
    printf("%-4s %s (%lld ms)\n", tu_failures == before ? "ok" : "FAIL", t->name,
           (long long)(tu_now_ms() - t0));
    fflush(stdout);
    ran++;
  }
  if (ran == 0) {
    fprintf(stderr, "no test matched\n");
    return 2;
  }
  return tu_failures == 0 ? 0 : 1;
}

int tu_memcheck(void) { return getenv("SS_MEMCHECK") != NULL; }

int64_t tu_now_ms(void) {
#ifdef _WIN32
  return (int64_t)GetTickCount64();
#endif
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- lab ------------------------------------------------------------------ */

static char *lab_json;
static char lab_paths[32][512];
static int lab_npaths;

void lab_require(void) {
  if (lab_json != NULL) return;
  const char *path = getenv("SS_LAB_JSON");
  /* SS_CHILD_CA: test_net's child that sets SSL_CERT_FILE itself, late. */
  if (path == NULL || (getenv("SSL_CERT_FILE") == NULL && getenv("SS_CHILD_CA") == NULL)) {
    fprintf(stderr, "SS_LAB_JSON and SSL_CERT_FILE must be set: run the tests through ctest "
                    "or tests/c/lab.sh run DIR ...\n");
    exit(2);
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  lab_json = calloc(1, 1 << 16);
  size_t n = fread(lab_json, 1, (1 << 16) - 1, f);
  lab_json[n] = 0;
  fclose(f);
}

/* The value after "key": in the lab's JSON (keys are unique there). */
static const char *lab_value(const char *key) {
  lab_require();
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(lab_json, pat);
  return p != NULL ? p + strlen(pat) : NULL;
}

const char *lab_host(void) {
  static char host[256];
  const char *v = lab_value("host");
  if (v == NULL || *v != '"') return "localhost";
  size_t n = strcspn(v + 1, "\"");
  if (n >= sizeof host) n = sizeof host - 1;
  memcpy(host, v + 1, n);
  host[n] = 0;
  return host;
}

int lab_port(const char *scenario) {
  const char *v = lab_value(scenario);
  if (v == NULL) {
    fprintf(stderr, "the lab has no scenario %s\n", scenario);
    exit(2);
  }
  return atoi(v);
}

const char *lab_file(const char *key) {
  const char *v = lab_value(key);
  if (v == NULL || *v != '"' || lab_npaths == 32) return NULL;
  char *dst = lab_paths[lab_npaths++];
  size_t n = strcspn(v + 1, "\"");
  if (n >= sizeof lab_paths[0]) n = sizeof lab_paths[0] - 1;
  memcpy(dst, v + 1, n);
  dst[n] = 0;
  return dst;
}

/* Copies the JSON string at *p (at its opening quote) into dst and moves *p
 * past it. The lab writes these strings without escapes (its own test
 * checks that). 0 if *p is not a string. */
static int json_string(const char **p, char *dst, size_t cap) {
  if (**p != '"') return 0;
  size_t n = strcspn(*p + 1, "\"");
  if (n >= cap) n = cap - 1;
  memcpy(dst, *p + 1, n);
  dst[n] = 0;
  *p += 1 + strcspn(*p + 1, "\"") + 1;
  return 1;
}

/* Skips the literal lit at *p; 0 if it is not there. */
static int json_lit(const char **p, const char *lit) {
  size_t n = strlen(lit);
  if (strncmp(*p, lit, n) != 0) return 0;
  *p += n;
  return 1;
}

int lab_expect(size_t i, lab_expectation *out) {
  const char *p = lab_value("expect");
  if (p == NULL || !json_lit(&p, "{")) {
    fprintf(stderr, "the lab publishes no \"expect\"\n");
    exit(2);
  }
  for (size_t k = 0;; k++) {
    lab_expectation e;
    if (*p == '}') return 0;
    if (!json_string(&p, e.scenario, sizeof e.scenario) || !json_lit(&p, ":{\"status\":") ||
        !json_string(&p, e.status, sizeof e.status) || !json_lit(&p, ",\"detail\":") ||
        !json_string(&p, e.detail, sizeof e.detail) || !json_lit(&p, "}")) {
      fprintf(stderr, "cannot read the lab's \"expect\" at %.40s\n", p);
      exit(2);
    }
    if (k == i) {
      *out = e;
      return 1;
    }
    json_lit(&p, ",");
  }
}

uint8_t *lab_read_file(const char *key, size_t *len) {
  const char *path = lab_file(key);
  FILE *f = path != NULL ? fopen(path, "rb") : NULL;
  if (f == NULL) {
    fprintf(stderr, "cannot read the lab file %s\n", key);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

/* ---- events ---------------------------------------------------------------- */

#define KEPT_MAX 256
static tu_event kept[KEPT_MAX];
static int nkept;

static void cpy(char *dst, size_t cap, const char *src, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = 0;
}

void tu_copy_event(tu_event *dst, const ss_event *ev) {
  dst->type = ev->type;
  dst->socket = ev->socket;
  dst->error_id = ev->error_id;
  cpy(dst->type_name, sizeof dst->type_name, ev->type_name, strlen(ev->type_name));
  cpy(dst->text, sizeof dst->text, ev->text, ev->text_len);
  cpy(dst->detail, sizeof dst->detail, ev->detail, ev->detail_len);
  dst->loaded = ev->bytes_loaded;
  dst->pending = ev->bytes_pending;
  dst->total = ev->bytes_total;
}

static int take_kept(ss_socket *s, int type, tu_event *out) {
  for (int i = 0; i < nkept; i++) {
    if (kept[i].socket == s && (type == 0 || kept[i].type == type)) {
      *out = kept[i];
      memmove(&kept[i], &kept[i + 1], (size_t)(nkept - i - 1) * sizeof kept[0]);
      nkept--;
      return 1;
    }
  }
  return 0;
}

void tu_forget(ss_socket *s) {
  int j = 0;
  for (int i = 0; i < nkept; i++)
    if (s != NULL && kept[i].socket != s) kept[j++] = kept[i];
  nkept = j;
}

int tu_wait_event(ss_socket *s, int type, int timeout_ms, tu_event *out) {
  int64_t deadline = tu_now_ms() + timeout_ms;
  for (;;) {
    if (take_kept(s, type, out)) return 1;
    ss_event ev;
    int got = 0;
    while (ss_next_event(&ev) == 1) {
      got = 1;
      tu_event e;
      tu_copy_event(&e, &ev);
      if (e.socket == s && (type == 0 || e.type == type)) {
        *out = e;
        return 1;
      }
      if (nkept < KEPT_MAX) kept[nkept++] = e;
    }
    if (got) continue;
    int64_t left = deadline - tu_now_ms();
    if (left <= 0) return 0;
    struct pollfd p = {ss_event_fd(), POLLIN, 0};
    if (poll(&p, 1, (int)left) < 0 && errno != EINTR) return 0;
  }
}

int tu_connect(ss_socket *s, const char *scenario) {
  if (ss_connect(s, lab_host(), SS_NTS, lab_port(scenario)) != SS_OK) return 0;
  for (;;) {
    tu_event e;
    if (!tu_wait_event(s, 0, 30000, &e)) return 0;
    if (e.type == SS_EVENT_CONNECT) return 1;
    if (e.type == SS_EVENT_IO_ERROR || e.type == SS_EVENT_SECURITY_ERROR) return 0;
  }
}

int tu_wait_available(ss_socket *s, uint64_t n, int timeout_ms) {
  int64_t deadline = tu_now_ms() + timeout_ms;
  for (;;) {
    uint64_t av = 0;
    if (ss_get_bytes_available(s, &av) != SS_OK) return 0;
    if (av >= n) return 1;
    int64_t left = deadline - tu_now_ms();
    if (left <= 0) return 0;
    tu_event e;
    tu_wait_event(s, SS_EVENT_SOCKET_DATA, (int)(left < 200 ? left : 200), &e);
  }
}

int tu_spins_here(void) {
#ifdef __linux__
  char path[64], link[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", ss_event_fd());
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n <= 0) return 0;
  link[n] = '\0';
  return strstr(link, "eventpoll") != NULL && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
#else
  return 0;
#endif
}
