'use strict';
// The C ABI of libsecuresocket as koffi declarations: the one place that knows
// the library's file, its signatures and the layout of ss_event. Everything
// here is marshalling; the behaviour lives in the library (include/securesocket.h).
//
// Conventions used below, measured with koffi 3.3.4 (docs/ffi-notes.md, https://koffi.dev):
//   - ss_socket* is a koffi opaque pointer: a BigInt in JS. Handle values are
//     never reused by the library, so a stale BigInt is rejected with
//     SS_ERR_HANDLE, never routed to another socket.
//   - Out-parameters are TypedArrays of the pointee's type (one shared scratch
//     buffer): koffi passes their memory without a copy and without building
//     a JS array per call.
//   - char** outs come back as a pointer in a BigUint64Array; the string is
//     decoded with its explicit length and released with ss_free().
//   - const char** outs (static strings) are decoded by koffi (_Out_).
//
// Objects (AMF) cross as tagged JSON text (core/amf/JSON.md); lib/amf.js
// turns it into JS values and back.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

/** SS_VERSION_NUMBER of the header these declarations follow. */
const HEADER_VERSION_NUMBER = 1000;

/**
 * SS_EVENT_* of include/securesocket.h, the numbers of ss_event.type
 * (test/rules.test.js holds them against the header).
 */
const EVENT = Object.freeze({
  CONNECT: 1, CLOSE: 2, SOCKET_DATA: 3, IO_ERROR: 4, SECURITY_ERROR: 5, OUTPUT_PROGRESS: 6,
});

/** SS_NTS: "NUL-terminated, measure it". */
const NTS = 0xffffffffffffffffn;

/**
 * Whether a library of SS_VERSION_NUMBER `have` serves this binding, written
 * for `want` (docs/versioning.md): the same major, and while the major is 0
 * the same minor (a 0.x minor may break the ABI); from 1.0 on a minor at
 * least `want`'s (minors only add).
 */
function abiCompatible(have, want = HEADER_VERSION_NUMBER) {
  const major = Math.floor(have / 1000000);
  const minor = Math.floor(have / 1000) % 1000;
  const wantMajor = Math.floor(want / 1000000);
  const wantMinor = Math.floor(want / 1000) % 1000;
  if (major !== wantMajor) return false;
  return major === 0 ? minor === wantMinor : minor >= wantMinor;
}

function versionText(n) {
  return `${Math.floor(n / 1000000)}.${Math.floor(n / 1000) % 1000}.${n % 1000}`;
}

/** The library's file name on this system (a prebuild's, and the SONAME asked for when none is bundled). */
const LIBRARY_FILE = process.platform === 'win32' ? 'securesocket.dll' : 'libsecuresocket.so.0';

/**
 * Where the library may be, in the order tried: SECURESOCKET_LIBRARY (taken
 * as given, even a bare name for the linker's search path), the prebuild for
 * this platform and CPU that the npm package carries
 * (prebuilds/<platform>-<arch>/), a source checkout's build/, and last an
 * installed library by its SONAME (`make install`, `cmake --install`: the
 * dynamic linker's own search, LD_LIBRARY_PATH, the ldconfig cache, ...).
 */
function candidates() {
  const list = [];
  if (process.env.SECURESOCKET_LIBRARY) {
    list.push({ where: '$SECURESOCKET_LIBRARY', file: process.env.SECURESOCKET_LIBRARY, given: true });
    return list;
  }
  const pkg = path.join(__dirname, '..');
  list.push({ where: 'prebuild', file: path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, LIBRARY_FILE) });
  list.push({ where: 'build', file: path.join(pkg, '..', '..', 'build', LIBRARY_FILE) });
  list.push({ where: 'system', file: LIBRARY_FILE, given: true });
  return list;
}

/** koffi.load of the first candidate that loads, or ERR_SS_LIBRARY naming every one tried. */
function open() {
  const tried = [];
  for (const c of candidates()) {
    if (!c.given && !fs.existsSync(c.file)) {
      tried.push(`${c.where}: ${c.file} (absent)`);
      continue;
    }
    try {
      return { file: c.file, lib: koffi.load(c.file) };
    } catch (cause) {
      tried.push(`${c.where}: ${c.file} (${cause.message})`);
    }
  }
  const err = new Error(`securesocket: cannot load ${LIBRARY_FILE}; tried ${tried.join('; ')}. The npm package ` +
    'carries it for linux-x64, linux-arm64 and win32-x64; otherwise install the C library (`make install`, then ' +
    'ldconfig or LD_LIBRARY_PATH), set SECURESOCKET_LIBRARY, or build it with `make lib` in the repository.');
  err.code = 'ERR_SS_LIBRARY';
  throw err;
}

const SIGNATURES = [
  // library
  'const char *ss_version(void)',
  'int ss_version_number(void)',
  'int ss_is_supported(void)',
  'void ss_free(void *p)',
  // lifecycle and errors
  'ss_socket *ss_socket_new(void)',
  'ss_socket *ss_socket_new_plain(void)',
  'int ss_socket_free(ss_socket *s)',
  'const char *ss_error_message(ss_socket *s)',
  'int ss_error_id(ss_socket *s)',
  'const char *ss_error_text(int code)',
  // connecting
  'int ss_connect(ss_socket *s, const char *host, size_t len, int port)',
  'int ss_close(ss_socket *s)',
  'int ss_flush(ss_socket *s)',
  // properties
  'int ss_get_connected(ss_socket *s, int *out)',
  'int ss_get_bytes_available(ss_socket *s, uint64_t *out)',
  'int ss_get_bytes_pending(ss_socket *s, uint64_t *out)',
  'int ss_get_endian(ss_socket *s, _Out_ const char **out)',
  'int ss_set_endian(ss_socket *s, const char *endian, size_t len)',
  'int ss_get_object_encoding(ss_socket *s, uint32_t *out)',
  'int ss_set_object_encoding(ss_socket *s, uint32_t encoding)',
  'int ss_get_timeout(ss_socket *s, uint32_t *out)',
  'int ss_set_timeout(ss_socket *s, uint32_t ms)',
  'int ss_get_local_address(ss_socket *s, void **out, size_t *out_len)',
  'int ss_get_remote_address(ss_socket *s, void **out, size_t *out_len)',
  'int ss_get_local_port(ss_socket *s, int *out)',
  'int ss_get_remote_port(ss_socket *s, int *out)',
  'int ss_get_server_certificate_status(ss_socket *s, _Out_ const char **out)',
  'int ss_get_failure_detail(ss_socket *s, void **out, size_t *out_len)',
  'int ss_get_input_limit(ss_socket *s, uint64_t *out)',
  'int ss_set_input_limit(ss_socket *s, uint64_t bytes)',
  'int ss_get_min_tls_version(ss_socket *s, int *out)',
  'int ss_set_min_tls_version(ss_socket *s, int version)',
  'int ss_get_tls_version(ss_socket *s, _Out_ const char **out)',
  'int ss_get_session_cache(ss_socket *s, int *out)',
  'int ss_set_session_cache(ss_socket *s, int on)',
  'int ss_get_session_resumed(ss_socket *s, int *out)',
  'int ss_set_event_mask(ss_socket *s, uint32_t mask)',
  'int ss_get_event_mask(ss_socket *s, uint32_t *out)',
  // protocol options and connection facts
  'int ss_set_alpn_protocols(ss_socket *s, const void *protocols, size_t len)',
  'int ss_get_alpn_protocols(ss_socket *s, void **out, size_t *out_len)',
  'int ss_get_negotiated_protocol(ss_socket *s, void **out, size_t *out_len)',
  'int ss_set_server_name(ss_socket *s, const void *name, size_t len)',
  'int ss_get_server_name(ss_socket *s, void **out, size_t *out_len)',
  'int ss_get_cipher_suite(ss_socket *s, _Out_ const char **out)',
  'int ss_get_tcp_no_delay(ss_socket *s, int *out)',
  'int ss_set_tcp_no_delay(ss_socket *s, int on)',
  'int ss_get_native_handle(ss_socket *s, int64_t *out)',
  'int ss_set_proxy(ss_socket *s, const void *url, size_t len)',
  'int ss_get_proxy(ss_socket *s, void **out, size_t *out_len)',
  'int ss_start_tls(ss_socket *s, const char *host, size_t len)',
  'int ss_get_secure(ss_socket *s, int *out)',
  'int ss_get_plain(ss_socket *s, int *out)',
  // typed reads
  'int ss_read_boolean(ss_socket *s, int *out)',
  'int ss_read_byte(ss_socket *s, int8_t *out)',
  'int ss_read_unsigned_byte(ss_socket *s, uint8_t *out)',
  'int ss_read_short(ss_socket *s, int16_t *out)',
  'int ss_read_unsigned_short(ss_socket *s, uint16_t *out)',
  'int ss_read_int(ss_socket *s, int32_t *out)',
  'int ss_read_unsigned_int(ss_socket *s, uint32_t *out)',
  'int ss_read_float(ss_socket *s, double *out)',
  'int ss_read_double(ss_socket *s, double *out)',
  'int ss_read_bytes(ss_socket *s, void *buf, size_t cap, size_t length, size_t *out_n)',
  'int ss_read_bytes_alloc(ss_socket *s, size_t length, void **out, size_t *out_len)',
  'int ss_read_utf(ss_socket *s, void **out, size_t *out_len)',
  'int ss_read_utf_bytes(ss_socket *s, uint32_t length, void **out, size_t *out_len)',
  'int ss_read_multi_byte(ss_socket *s, uint32_t length, const char *charset, size_t charset_len, void **out, size_t *out_len)',
  // typed writes
  'int ss_write_boolean(ss_socket *s, int v)',
  'int ss_write_byte(ss_socket *s, int32_t v)',
  'int ss_write_short(ss_socket *s, int32_t v)',
  'int ss_write_int(ss_socket *s, int32_t v)',
  'int ss_write_unsigned_int(ss_socket *s, uint32_t v)',
  'int ss_write_float(ss_socket *s, double v)',
  'int ss_write_double(ss_socket *s, double v)',
  'int ss_write_bytes(ss_socket *s, const void *bytes, size_t size, uint32_t offset, uint32_t length)',
  'int ss_write_utf(ss_socket *s, const void *utf8, size_t len)',
  'int ss_write_utf_bytes(ss_socket *s, const void *utf8, size_t len)',
  'int ss_write_multi_byte(ss_socket *s, const void *utf8, size_t len, const char *charset, size_t charset_len)',
  // objects (AMF as tagged JSON)
  'int ss_read_object(ss_socket *s, void **out, size_t *out_len)',
  'int ss_write_object(ss_socket *s, const void *json, size_t len)',
  // trust
  'int ss_add_binary_chain_building_certificate(ss_socket *s, const void *der, size_t len, int trusted)',
  'int ss_add_public_key_pin(ss_socket *s, const void *sha256, size_t len)',
  'int ss_clear_public_key_pins(ss_socket *s)',
  'int ss_public_key_pin(const void *der, size_t len, uint8_t *out)',
  'int ss_set_client_certificate(ss_socket *s, const void *cert, size_t cert_len, const void *key, size_t key_len, const char *password, size_t password_len)',
  'int ss_clear_client_certificate(ss_socket *s)',
  'int ss_set_revocation_mode(ss_socket *s, const char *mode, size_t len)',
  'int ss_get_revocation_mode(ss_socket *s, _Out_ const char **out)',
  'int ss_get_revocation_status(ss_socket *s, _Out_ const char **out)',
  'int ss_get_revocation_detail(ss_socket *s, void **out, size_t *out_len)',
  'int ss_get_server_certificate_chain(ss_socket *s, void **out, size_t *out_len)',
  'int ss_describe_connection(ss_socket *s, int format, void **out, size_t *out_len)',
  'int ss_get_server_certificate_der(ss_socket *s, size_t index, void **out, size_t *out_len)',
  // events: plain C inside the library, they never enter the Go runtime.
  // ss_next_event fills a caller-owned buffer laid out as ss_event (below).
  'int ss_event_fd(void)',
  'int ss_next_event(uint8_t *out)',
  'int ss_spin_events(void)',
];

let api = null;

/**
 * Loads the library once per process (it cannot be unloaded) and returns the
 * declared functions by C name, plus `event` (the ss_event layout).
 * Lazy: nothing is loaded before the first socket. (SSL_CERT_FILE set in
 * process.env before the first connect is seen: the library reads the C
 * environment at each ss_connect until its trust store is loaded.)
 */
function load() {
  if (api !== null) return api;
  const { file, lib } = open();
  // The version first: a library of another version may lack some of the
  // functions below, and the version is what the user must hear of.
  const have = lib.func('int ss_version_number(void)')();
  if (!abiCompatible(have)) {
    const want = HEADER_VERSION_NUMBER;
    const need = Math.floor(want / 1000000) === 0
      ? `${versionText(want).replace(/\.\d+$/, '')}.x`
      : `${Math.floor(want / 1000000)}.x with x >= ${Math.floor(want / 1000) % 1000}`;
    const err = new Error(`securesocket: ${file} is libsecuresocket ${lib.func('const char *ss_version(void)')()} (ABI ${versionText(have)}); ` +
      `this binding (securesocket ${versionText(want)}) needs libsecuresocket ${need}: a different minor version ` +
      'may change the ABI while the major is 0 (docs/versioning.md). Install the matching library, or set ' +
      'SECURESOCKET_LIBRARY to one.');
    err.code = 'ERR_SS_LIBRARY';
    throw err;
  }
  koffi.opaque('ss_socket');
  const fns = { file, lib };
  for (const sig of SIGNATURES) {
    const name = /\b(ss_\w+)\(/.exec(sig)[1];
    fns[name] = lib.func(sig);
  }
  // ss_event, for its size and offsets only: events are read from a reused
  // Buffer through typed views, which costs no object per field.
  fns.event = koffi.struct('ss_event', {
    type: 'int32_t',
    error_id: 'int32_t',
    socket: 'ss_socket *',
    type_name: 'const char *',
    text: 'const char *',
    text_len: 'size_t',
    detail: 'const char *',
    detail_len: 'size_t',
    bytes_loaded: 'uint64_t',
    bytes_pending: 'uint64_t',
    bytes_total: 'uint64_t',
    queued: 'uint64_t',
    reserved: koffi.array('uint64_t', 3),
  });
  api = fns;
  return api;
}

module.exports = { load, koffi, NTS, EVENT, HEADER_VERSION_NUMBER, LIBRARY_FILE, abiCompatible, candidates };
