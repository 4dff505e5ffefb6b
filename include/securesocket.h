/*
 * securesocket.h - ActionScript 3's flash.net.SecureSocket as a C library.
 *
 * A SecureSocket is a TLS client that connects only to servers whose
 * certificate is valid and trusted for the host name, says why it refused
 * one (ss_get_server_certificate_status), and reads and writes typed values
 * exactly as the AS3 runtime does. There is no switch that connects in spite
 * of a certificate problem.
 *
 *     ss_socket *s = ss_socket_new();
 *     ss_set_callback(s, on_event, NULL);          // runs inside ss_dispatch
 *     ss_connect(s, "example.net", SS_NTS, 443);   // returns at once
 *     while (running) ss_dispatch(-1);             // or poll ss_event_fd()
 *     ss_socket_free(s);
 *
 * CONVENTIONS (they hold for every function unless its comment says otherwise)
 *
 *   Return codes.  Functions return SS_OK (0) on success and a negative SS_ERR_*
 *   code on failure. Failures that AS3 reports with a runtime error have the
 *   code -(AS3 error id), e.g. SS_ERR_EOF == -2030; the few that have no AS3
 *   counterpart (SS_ERR_HANDLE, SS_ERR_PANIC, ...) are small negative numbers.
 *   A failure on a valid handle also records the AS3 error id and the message on
 *   that handle: read them with ss_error_id() and ss_error_message(). There is
 *   no global errno.
 *
 *   Handles.  An ss_socket* is opaque. NULL, a freed handle and a pointer that
 *   never came from ss_socket_new() are all rejected with SS_ERR_HANDLE; a freed
 *   handle never reaches another socket, because handle values are never reused
 *   in the life of the process (see ss_socket_free for the cost).
 *
 *   Strings and bytes in.  UTF-8 with an explicit byte length; a length of
 *   SS_NTS means "NUL-terminated, measure it". Where the value is data (text
 *   or bytes to write, a password), NULL with length 0 is the empty value;
 *   any other NULL is SS_ERR_NULL. The library copies what it keeps: the
 *   caller's memory may be reused as soon as the call returns.
 *
 *   Strings out.  Two kinds, told apart by their type:
 *     char **out        the library allocates a NUL-terminated copy; the caller
 *                       frees it with ss_free() (never with free(): on some
 *                       platforms the library and the host use different C
 *                       runtimes). *out_len is its length without the NUL.
 *     const char **out  a static string owned by the library, valid for the
 *                       life of the process; never free it.
 *   On failure nothing is allocated and *out is left unchanged.
 *
 *   Pointer arguments.  Every pointer argument must be non-NULL unless its
 *   comment says otherwise; NULL gives SS_ERR_NULL (AS3 #2007, "Parameter
 *   <name> must be non-null.") and changes nothing.
 *
 *   Threads.  Every function may be called from any thread, concurrently, on
 *   the same or different sockets. Calls on one socket are serialised inside
 *   the library; the order of calls made concurrently on one socket from
 *   different threads is whatever order they reach it in. Event callbacks run
 *   only inside ss_dispatch(), on the thread that called it, with no library
 *   lock held: a callback may call any ss_* function, including
 *   ss_socket_free() on its own socket and ss_dispatch().
 *
 *   No function blocks on the network. Only ss_dispatch() waits, and only as
 *   long as its timeout says.
 *
 * HOST FACTS (from the Go runtime inside the library; docs/ffi-notes.md)
 *
 *   - fork() after the library is loaded is unsafe: the child has none of the
 *     runtime's threads. Do not call the library in a forked child. As a
 *     guard, every function returns SS_ERR_FORKED there (ss_socket_new returns
 *     NULL, ss_is_supported 0) without entering the Go runtime: the check is
 *     in C, before any call crosses into Go. Sockets and events of the parent
 *     are not usable in the child. Python: use the "spawn" or "forkserver"
 *     start method of multiprocessing.
 *   - The library installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGPIPE and
 *     SIGURG when it is loaded and chains to handlers installed before. A crash
 *     handler installed after loading (Python's faulthandler.enable(), crash
 *     reporters) breaks the runtime's own signal handling: install it before
 *     loading the library, or not at all. Handlers the host installs later for
 *     other signals must use SA_ONSTACK.
 *   - The library cannot be unloaded: dlclose() leaves it mapped. Load it once
 *     per process and keep it.
 *   - Trust comes from the platform store. SSL_CERT_FILE and SSL_CERT_DIR
 *     are honoured on every platform: on Linux they replace the default
 *     files; on Windows and macOS, when either is set, the store they name
 *     replaces the system's (CryptoAPI, Keychain) and chains are verified
 *     against it alone (';' separates SSL_CERT_DIR's directories on
 *     Windows, ':' elsewhere). They are read from the process environment
 *     (getenv) at each ss_connect() until the store is first loaded, at the
 *     first connect; later changes have no effect. Each connect waits for
 *     the store within its timeout; only regular files of at most 16 MiB are
 *     read, and what the store could not use (a missing, unreadable or
 *     non-regular SSL_CERT_FILE, say) is named in the failure detail of a
 *     connect refused for want of a trusted root.
 *   - One Go runtime per process: do not load this library together with
 *     another Go c-shared library.
 *   - The runtime runs one more processor (GOMAXPROCS) than Go's default for
 *     the machine, so that a host thread waiting in C between calls is not
 *     robbed of its processor whenever Go's other ones are busy
 *     (capi/procs.go). The environment variable GOMAXPROCS, when
 *     set, decides instead.
 */
#ifndef SECURESOCKET_H
#define SECURESOCKET_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------- */

#define SS_VERSION_MAJOR 0
#define SS_VERSION_MINOR 1
#define SS_VERSION_PATCH 0
#define SS_VERSION "0.1.0"
/* MAJOR*1000000 + MINOR*1000 + PATCH: compare with ss_version_number(). */
#define SS_VERSION_NUMBER 1000

#if defined(__GNUC__) && __GNUC__ >= 4
#define SS_API __attribute__((visibility("default")))
#else
#define SS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Return codes
 * ------------------------------------------------------------------------- */

#define SS_OK 0
/* Not from the AS3 runtime: */
#define SS_ERR_HANDLE (-1)   /* NULL, freed, or not from ss_socket_new() */
#define SS_ERR_PANIC (-2)    /* internal error caught (a bug: please report the
                                message); the socket may be unusable */
#define SS_ERR_NOMEM (-3)    /* out of memory */
#define SS_ERR_FORKED (-4)   /* called in a child created by fork() */
#define SS_ERR_INTERNAL (-5) /* a failure without an AS3 error id */
/* -(AS3 error id), with the AS3 error class. Each is returned by some
 * function (the bindings check this table against theirs): */
#define SS_ERR_NULL_OBJECT (-1009)    /* TypeError: ss_connect with NULL host */
#define SS_ERR_INVALID_SOCKET (-2002) /* IOError: socket not open */
#define SS_ERR_BAD_PORT (-2003)       /* SecurityError: port outside 0..65535 */
#define SS_ERR_BAD_PARAM (-2004)      /* ArgumentError, e.g. empty host */
#define SS_ERR_RANGE (-2006)          /* RangeError */
#define SS_ERR_NULL (-2007)           /* TypeError: NULL pointer argument */
#define SS_ERR_BAD_ENUM (-2008)       /* ArgumentError: not an accepted value */
#define SS_ERR_EOF (-2030)            /* EOFError: not enough input */
/* Any other code <= -1000 is -(AS3 error id) of an error this header does not
 * name yet; ss_error_message() has its text. The AS3 ids that only events
 * carry (error_id 2031 of SS_EVENT_IO_ERROR, 2048 of SS_EVENT_SECURITY_ERROR)
 * are not return codes: no function returns -2031 or -2048. */

/* Length argument meaning "NUL-terminated". */
#define SS_NTS ((size_t)-1)

/* ---------------------------------------------------------------------------
 * Library
 * ------------------------------------------------------------------------- */

/* The library's version string, e.g. "0.1.0". Static. */
SS_API const char *ss_version(void);

/* The library's SS_VERSION_NUMBER. Compare it with the header's to detect a
 * header/library mismatch at run time. */
SS_API int ss_version_number(void);

/* 1 if secure sockets work on this system (AS3 SecureSocket.isSupported),
 * else 0. 0 in a forked child. */
SS_API int ss_is_supported(void);

/* Frees memory the library returned through a char** or void** out-parameter.
 * NULL is a no-op. Safe to call in a forked child. */
SS_API void ss_free(void *p);

/* ---------------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------------- */

typedef struct ss_socket ss_socket;

/* Creates an unconnected socket: endian "bigEndian", objectEncoding 3, timeout
 * 20000 ms, input limit 16 MiB, minimum TLS 1.2, certificate status "unknown".
 * Returns NULL when out of memory, in a forked child, or if !ss_is_supported().
 * Free it with ss_socket_free(). */
SS_API ss_socket *ss_socket_new(void);

/* Closes the socket as ss_close() does (flushed bytes are still delivered in
 * the background, unflushed bytes are discarded), drops its waiting events and
 * its callback, and invalidates the handle: every later call with it returns
 * SS_ERR_HANDLE. No event of s is returned by ss_next_event() or dispatched by
 * ss_dispatch() once this returns (an event another thread has already taken
 * may still be running in that thread's callback). May be called from s's own
 * callback.
 *
 * Handle values are never reused, so a stale copy of s can never reach a
 * newer socket. The price is about 130 bytes per freed socket that stay
 * allocated for the life of the process (the socket itself is released).
 * They stay reachable from the library's C globals, so leak checkers
 * (LeakSanitizer with -fsanitize=address, valgrind) do not report them and
 * need no suppression for them.
 *
 * Returns SS_OK; SS_OK for NULL (like free(NULL)); SS_ERR_HANDLE for a handle
 * that was already freed or never was one. */
SS_API int ss_socket_free(ss_socket *s);

/* Creates an unconnected plain socket: AS3's flash.net.Socket, the same API
 * and defaults as ss_socket_new()'s over plain TCP, for protocols that start
 * in the clear (SMTP, IMAP, XMPP...). Its certificate status stays
 * "unknown" while it is plain; ss_start_tls() upgrades a connected one. Every
 * ss_connect() of it is plain. Free it with ss_socket_free(). Returns NULL
 * as ss_socket_new() does. */
SS_API ss_socket *ss_socket_new_plain(void);

/* STARTTLS: upgrades a connected plain socket to TLS for host (len bytes or
 * SS_NTS; cut at the first NUL). Returns at once. What was written is flushed
 * and sent in the clear first; then the TLS handshake runs with exactly
 * ss_connect()'s verification of host (anchors, pins, revocation, client
 * certificate, minimum version, server name override, ALPN), bounded by the
 * timeout. Meanwhile the socket is not connected (reads and writes return
 * SS_ERR_INVALID_SOCKET). Then, as for ss_connect():
 *   - success: SS_EVENT_CONNECT (a second one for this connection), status
 *     "trusted"; from then on it is a secure socket. Input that arrived before
 *     the handshake stays readable, in order, before the decrypted input.
 *   - failure (a certificate problem included): SS_EVENT_IO_ERROR with the
 *     status and detail ss_connect() would give, and the connection is closed
 *     (its unread input is discarded).
 * There is no way back to plain and no way to skip verification. Call it
 * once the server said to go ahead (SMTP's "220"): bytes it sends in the
 * clear after the handshake started would break the handshake.
 * SS_ERR_INVALID_SOCKET when s is not a connected, still plain socket (a
 * socket from ss_socket_new(), an upgraded or closed one); SS_ERR_BAD_PARAM
 * for an empty host; SS_ERR_NULL_OBJECT for a NULL host. */
SS_API int ss_start_tls(ss_socket *s, const char *host, size_t len);

/* *out = 1 while the live connection is TLS (a connected ss_socket_new()
 * socket, or a plain one after a successful ss_start_tls()), else 0. */
SS_API int ss_get_secure(ss_socket *s, int *out);
/* *out = 1 for a socket from ss_socket_new_plain(), 0 for ss_socket_new(). */
SS_API int ss_get_plain(ss_socket *s, int *out);

/* ---------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------- */

/* The message of the last failure recorded on s, in AS3 form with a detail:
 * "Error #2030: End of file was encountered." or "Error #2006: The supplied
 * index is out of bounds. (length exceeds the destination)". "" if no call on
 * s has failed yet. Successful calls do not clear it: look at it only after a
 * call returned a failure.
 *
 * Never NULL. For NULL or a freed handle it returns a fixed text saying so.
 * The string is a copy owned by the calling thread: it stays valid until this
 * thread calls ss_error_message() again or exits, whatever other threads do. */
SS_API const char *ss_error_message(const ss_socket *s);

/* The text of a return code, without a socket: for SS_ERR_* codes that are
 * -(AS3 id) (and for the AS3 ids themselves, e.g. 2031), the AS3 runtime's
 * message as ss_error_message() starts it, without the detail:
 * ss_error_text(SS_ERR_EOF) is "Error #2030: End of file was encountered.".
 * Parameter placeholders stay as the runtime's table has them
 * ("Error #2007: Parameter %1 must be non-null."). For the codes without an
 * AS3 id (SS_ERR_HANDLE, ...) a sentence starting "securesocket: ". For
 * SS_OK "securesocket: no error"; for a code the library never returns,
 * "securesocket: not a code of this library".
 *
 * For failures that have no socket to record a message on
 * (ss_public_key_pin, a NULL handle). Static, never NULL, never free it;
 * safe from any thread. */
SS_API const char *ss_error_text(int code);

/* The AS3 error id of the last failure recorded on s (2030, 2002, ...), or 0 if
 * there is none, the failure has no AS3 id (SS_ERR_PANIC, SS_ERR_NOMEM, ...), or
 * s is NULL or freed. */
SS_API int ss_error_id(const ss_socket *s);

/* ---------------------------------------------------------------------------
 * Connecting
 * ------------------------------------------------------------------------- */

/* Starts connecting to host:port over TLS and returns at once. Later exactly
 * one of these events follows: SS_EVENT_CONNECT once the handshake and the
 * certificate checks passed, or SS_EVENT_IO_ERROR (AS3 #2031, with the reason
 * in the event's detail and in ss_get_failure_detail()). The whole attempt -
 * DNS, TCP, handshake, certificate checks - is bounded by the timeout.
 *
 * host is a name or an IP literal (IPv6 with or without brackets), len bytes
 * or SS_NTS; it is cut at the first NUL, as the AS3 runtime does. Connecting
 * while connected or connecting closes the old connection first, silently,
 * and drops its events that still wait: every event after this call belongs
 * to the new attempt.
 *
 * Returns SS_OK, or before anything starts: SS_ERR_BAD_PORT for a port
 * outside 0..65535, SS_ERR_BAD_PARAM for an empty host, SS_ERR_NULL_OBJECT
 * (AS3 TypeError #1009, as AIR's connect(null, port)) for a NULL host
 * whatever len says, SS_ERR_HANDLE. */
SS_API int ss_connect(ss_socket *s, const char *host, size_t len, int port);

/* Closes the connection: bytes already flushed are still delivered, then a TLS
 * close_notify; bytes written but not flushed are discarded. Closing while
 * connecting aborts the attempt silently. No SS_EVENT_CLOSE follows (AS3 sends
 * close only when the server closes), and the socket's events that still
 * wait in the queue are dropped (in every state, also when it returns an
 * error): none of this connection is delivered after ss_close() returns. The certificate status keeps its value.
 * Returns SS_OK, or SS_ERR_INVALID_SOCKET if the socket is not open (never
 * connected, already closed, or closed by the server - then unread input is
 * discarded). */
SS_API int ss_close(ss_socket *s);

/* Hands every written byte to the connection and returns at once;
 * SS_EVENT_OUTPUT_PROGRESS events follow as the bytes reach the network.
 * Nothing is sent without flush. Returns SS_OK or SS_ERR_INVALID_SOCKET. */
SS_API int ss_flush(ss_socket *s);

/* ---------------------------------------------------------------------------
 * Properties (AS3 Socket and SecureSocket)
 *
 * Getters write *out and return SS_OK, or SS_ERR_HANDLE / SS_ERR_NULL.
 * ------------------------------------------------------------------------- */

/* AS3 Endian values. */
#define SS_BIG_ENDIAN "bigEndian"
#define SS_LITTLE_ENDIAN "littleEndian"

/* AS3 ObjectEncoding values. */
#define SS_AMF0 0u
#define SS_AMF3 3u

/* TLS protocol numbers for ss_set_min_tls_version. */
#define SS_TLS1_0 0x0301
#define SS_TLS1_1 0x0302
#define SS_TLS1_2 0x0303
#define SS_TLS1_3 0x0304

/* AS3 CertificateStatus values of ss_get_server_certificate_status. */
#define SS_CERT_TRUSTED "trusted"
#define SS_CERT_UNKNOWN "unknown"
#define SS_CERT_EXPIRED "expired"
#define SS_CERT_NOT_YET_VALID "notYetValid"
#define SS_CERT_INVALID "invalid"
#define SS_CERT_INVALID_CHAIN "invalidChain"
#define SS_CERT_PRINCIPAL_MISMATCH "principalMismatch"
#define SS_CERT_REVOKED "revoked"
#define SS_CERT_UNTRUSTED_SIGNERS "untrustedSigners"

/* 1 while connected (after SS_EVENT_CONNECT), else 0: 0 right after
 * ss_connect(), after ss_close() and after the server closed. */
SS_API int ss_get_connected(ss_socket *s, int *out);

/* Unread input bytes. After the server closed it still counts the input not
 * yet read (which stays readable); 0 on a socket that is not open. */
SS_API int ss_get_bytes_available(ss_socket *s, uint64_t *out);

/* Written bytes not yet handed to the network (unflushed plus flushed but not
 * yet sent). SS_ERR_INVALID_SOCKET on a socket that was never connected
 * (ss_connect never called), as AIR throws #2002 there; after the first
 * ss_connect() it never fails for that reason (0 when nothing waits). */
SS_API int ss_get_bytes_pending(ss_socket *s, uint64_t *out);

/* Byte order of multi-byte reads and writes, including the length prefix of
 * ss_read_utf/ss_write_utf: SS_BIG_ENDIAN (the default) or SS_LITTLE_ENDIAN.
 * *out is static. */
SS_API int ss_get_endian(ss_socket *s, const char **out);

/* Sets the byte order: exactly "bigEndian" or "littleEndian" (len bytes or
 * SS_NTS); anything else is SS_ERR_BAD_ENUM and changes nothing. */
SS_API int ss_set_endian(ss_socket *s, const char *endian, size_t len);

/* AMF version of the future object reads and writes: SS_AMF3 (default) or
 * SS_AMF0. Setting any other value is SS_ERR_BAD_ENUM. */
SS_API int ss_get_object_encoding(ss_socket *s, uint32_t *out);
SS_API int ss_set_object_encoding(ss_socket *s, uint32_t encoding);

/* Connect timeout in milliseconds, default 20000. Values under 250 are raised
 * to 250, as in AS3. Applies to the next ss_connect(). */
SS_API int ss_get_timeout(ss_socket *s, uint32_t *out);
SS_API int ss_set_timeout(ss_socket *s, uint32_t ms);

/* Local and remote IP address of the connection, as text ("127.0.0.1",
 * "::1"); free *out with ss_free(). When not connected there is no address
 * (AS3 null): SS_OK with *out = NULL and *out_len = 0, nothing to free. */
SS_API int ss_get_local_address(ss_socket *s, char **out, size_t *out_len);
SS_API int ss_get_remote_address(ss_socket *s, char **out, size_t *out_len);

/* Local and remote port; 0 when not connected. */
SS_API int ss_get_local_port(ss_socket *s, int *out);
SS_API int ss_get_remote_port(ss_socket *s, int *out);

/* The AS3 certificate status (SS_CERT_*): "unknown" before a certificate was
 * judged (also after a failure that happened before one was received:
 * refused, timed out, not TLS), "trusted" after every SS_EVENT_CONNECT, else
 * why the last connect was refused. ss_close() keeps it; ss_connect() resets
 * it to "unknown". *out is static. */
SS_API int ss_get_server_certificate_status(ss_socket *s, const char **out);

/* Why the last connect or connection failed, in words: the detail of the
 * socket's last ioError event (a refused connect, or a connection that broke
 * later, such as a TLS 1.3 server refusing the client certificate after
 * SS_EVENT_CONNECT); after SS_EVENT_CLOSE, whether the server ended TCP
 * without a TLS close_notify, so the input may have been cut short ("" after
 * a clean close). "" after a successful connect until then. Free *out with
 * ss_free(). */
SS_API int ss_get_failure_detail(ss_socket *s, char **out, size_t *out_len);

/* Unread input, in bytes, at which the socket stops reading from the network
 * until the host reads (TCP then pushes back on the server; nothing is
 * dropped). Default 16 MiB; values under 1024 are raised to 1024. */
SS_API int ss_get_input_limit(ss_socket *s, uint64_t *out);
SS_API int ss_set_input_limit(ss_socket *s, uint64_t bytes);

/* Lowest TLS version the next ss_connect() accepts, as the protocol number
 * (SS_TLS1_2 by default). Only SS_TLS1_0..SS_TLS1_3 are accepted; anything
 * else (SSL 3.0 included) is SS_ERR_BAD_ENUM. */
SS_API int ss_get_min_tls_version(ss_socket *s, int *out);
SS_API int ss_set_min_tls_version(ss_socket *s, int version);

/* Negotiated TLS version as text ("TLSv1.3") while connected, else "".
 * *out is static. */
SS_API int ss_get_tls_version(ss_socket *s, const char **out);

/* TLS session resumption, on by default (the environment variable
 * SECURESOCKET_SESSION_CACHE=0 turns the default off). Every socket shares one
 * bounded, process-wide cache of TLS sessions; a connect offers only a session
 * that an earlier connection to the same host and port with exactly the same
 * trust settings (extra anchors and intermediates, pins, client certificate,
 * minimum TLS version, revocation mode) left there. A resumed connection is
 * judged like a fresh one (validity periods, host name, policy, pins,
 * revocation, with the current clock; the chain's signatures are not verified
 * twice); a session whose certificates no longer pass is refused and dropped.
 * ss_set_session_cache(s, 0) makes the next connects full handshakes that
 * leave nothing in the cache; any other value turns it on again.
 * Key shares: a connect offers X25519MLKEM768 (post-quantum hybrid) and the
 * classical groups. A connect that resumes a session whose server chose
 * X25519, in a handshake that offered every group less than 10 minutes
 * before, offers the classical groups only (no ML-KEM key to generate); a
 * failed connect of that kind drops the session, so the next one offers
 * every group. */
SS_API int ss_set_session_cache(ss_socket *s, int on);
SS_API int ss_get_session_cache(ss_socket *s, int *out);

/* 1 if the last successful connect resumed a TLS session, else 0. Like the
 * certificate status it stays after ss_close(); ss_connect() resets it. */
SS_API int ss_get_session_resumed(ss_socket *s, int *out);
/* ---- SSLKEYLOGFILE: TLS secrets for Wireshark -----------------------------
 *
 *   !!! When the environment variable SSLKEYLOGFILE names a file, every TLS
 *   !!! connection of the process appends its secrets to that file (NSS key
 *   !!! log format). Anyone who can read it can decrypt that traffic.
 *
 * Like curl, Firefox, Python and Node, for debugging with Wireshark. The
 * variable is read once per process, from the environment the process
 * started with (setenv() after start is not seen), at the first connect; the
 * file is opened for appending and created with mode 0600 (on Windows, which
 * has no mode bits, with the ACL its directory passes on). Unset (the
 * default): nothing is logged. A file that cannot be opened: nothing is
 * logged, connections are unaffected. Never set it in production. */

/* ---- Protocol options and connection facts --------------------------------
 * Options set here apply to the next ss_connect() (TCP_NODELAY also to the
 * live connection). None of them loosens verification. */

/* ALPN (RFC 7301): the application protocols the next ss_connect() offers,
 * in order of preference, as one comma-separated list (len bytes or SS_NTS),
 * like libtls's tls_config_set_alpn: "h2,http/1.1". "" or NULL with len 0
 * offers none (the default). A name cannot hold a comma; an empty name, a
 * name over 255 bytes or a list over 65535 bytes is SS_ERR_BAD_PARAM and
 * changes nothing. A server that speaks none of them may refuse the
 * handshake: SS_EVENT_IO_ERROR, detail "... no application protocol". */
SS_API int ss_set_alpn_protocols(ss_socket *s, const char *protocols, size_t len);
/* The list set by ss_set_alpn_protocols(), comma-separated ("" if none).
 * Free *out with ss_free(). */
SS_API int ss_get_alpn_protocols(ss_socket *s, char **out, size_t *out_len);
/* The protocol the server chose by ALPN while connected; "" when it chose
 * none, none was offered, or the socket is not connected. Free *out with
 * ss_free(). */
SS_API int ss_get_negotiated_protocol(ss_socket *s, char **out, size_t *out_len);

/* Server name override: the name (len bytes or SS_NTS) the next ss_connect()
 * sends as SNI and verifies the certificate against, instead of the host it
 * connects to (servers reached by IP address, tunnels, load balancers).
 * Verification is otherwise unchanged: the certificate must be valid for
 * this name, else the connect fails with status "principalMismatch". A DNS
 * name or an IP address literal (a trailing dot and IPv6 brackets are
 * dropped); "" restores the default (the connect host). Anything else is
 * SS_ERR_BAD_PARAM and changes nothing. */
SS_API int ss_set_server_name(ss_socket *s, const char *name, size_t len);
/* The name set by ss_set_server_name() ("" when the connect host is used).
 * Free *out with ss_free(). */
SS_API int ss_get_server_name(ss_socket *s, char **out, size_t *out_len);

/* The negotiated cipher suite's IANA name ("TLS_AES_128_GCM_SHA256",
 * "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") while connected, else "".
 * *out is static. */
SS_API int ss_get_cipher_suite(ss_socket *s, const char **out);

/* TCP_NODELAY (AIR 51's Socket.tcpNoDelay): 1 = Nagle's algorithm off, each
 * flush goes out at once. The default is 1 (AIR's is 0; docs/divergences.md
 * says why). Setting applies to the live connection at once (the kernel refuses
 * only on a connection that is gone: SS_ERR_INVALID_SOCKET; the setting is
 * kept) and to later connections. */
SS_API int ss_get_tcp_no_delay(ss_socket *s, int *out);
SS_API int ss_set_tcp_no_delay(ss_socket *s, int on);

/* The operating system's handle of the live TCP connection (a file
 * descriptor; a SOCKET on Windows), or -1 when there is none. It stays the
 * library's: valid only until the connection ends, for getsockopt() and
 * setsockopt() only. Never read, write, shut down or close it. */
SS_API int ss_get_native_handle(ss_socket *s, int64_t *out);

/* A proxy for the next ss_connect() calls, as a URL (len bytes or SS_NTS):
 *   "http://[user:password@]host:port"     HTTP CONNECT tunnel (Basic credentials)
 *   "socks5://[user:password@]host:port"   SOCKS5, username/password (RFC 1929)
 *   "socks5h://..."                        the same
 * Reserved characters in the credentials are percent-encoded. The proxy only
 * carries bytes: the TLS handshake and every certificate check run end to
 * end with the host given to ss_connect(), and that name is what the proxy
 * is asked to reach (a SOCKS5 proxy resolves it: no local DNS lookup). A
 * proxy failure (unreachable, credentials refused, destination refused) is
 * the connect's SS_EVENT_IO_ERROR #2031 with status "unknown" and a detail
 * naming the proxy (never the password). Remote address and port are then the
 * proxy's. The environment (ALL_PROXY, HTTPS_PROXY) is never read. "" (or
 * NULL with len 0) removes the proxy. Another scheme, a path, or a missing
 * port is SS_ERR_BAD_PARAM and changes nothing. */
SS_API int ss_set_proxy(ss_socket *s, const char *url, size_t len);
/* The proxy URL with its password replaced by "xxxxx" ("" if none). Free
 * *out with ss_free(). */
SS_API int ss_get_proxy(ss_socket *s, char **out, size_t *out_len);

/* ---------------------------------------------------------------------------
 * Typed reads (AS3 IDataInput)
 *
 * Every read checks, in this order: the handle, the pointer arguments, that
 * the socket is open or, after the server closed, still has unread input
 * (else SS_ERR_INVALID_SOCKET), and that enough input is buffered (else
 * SS_ERR_EOF, and nothing is consumed). Multi-byte values use the socket's
 * endian.
 * ------------------------------------------------------------------------- */

/* One byte; any non-zero byte is true (1). */
SS_API int ss_read_boolean(ss_socket *s, int *out);
/* A signed byte (AS3 readByte). */
SS_API int ss_read_byte(ss_socket *s, int8_t *out);
SS_API int ss_read_unsigned_byte(ss_socket *s, uint8_t *out);
SS_API int ss_read_short(ss_socket *s, int16_t *out);
SS_API int ss_read_unsigned_short(ss_socket *s, uint16_t *out);
SS_API int ss_read_int(ss_socket *s, int32_t *out);
SS_API int ss_read_unsigned_int(ss_socket *s, uint32_t *out);
/* An IEEE-754 single, widened exactly as AS3 does (76.65f reads back as
 * 76.6500015258789). */
SS_API int ss_read_float(ss_socket *s, double *out);
SS_API int ss_read_double(ss_socket *s, double *out);

/* Copies length unread bytes into buf, which holds cap bytes, and sets *out_n
 * to the number copied. length 0 means everything available that fits in
 * cap (possibly nothing: SS_OK with *out_n 0). length > cap is SS_ERR_RANGE;
 * length > available is SS_ERR_EOF; in both cases nothing is consumed. buf
 * may be NULL only when cap is 0. On Linux, length 0 with cap >= 64 KiB also
 * reads what waits in the kernel ("Input on Linux"). */
SS_API int ss_read_bytes(ss_socket *s, void *buf, size_t cap, size_t length,
                         size_t *out_n);

/* ss_read_bytes into memory the library allocates: length bytes, or with 0
 * every byte available (possibly none: SS_OK, *out_len 0, *out a valid empty
 * allocation). Free *out with ss_free(). SS_ERR_EOF if fewer than length are
 * available and SS_ERR_INVALID_SOCKET if the socket is not open; nothing is
 * consumed or allocated then. A length over 2 GiB is SS_ERR_RANGE. */
SS_API int ss_read_bytes_alloc(ss_socket *s, size_t length, void **out,
                               size_t *out_len);

/* A 16-bit length (socket endian), then that many bytes of UTF-8 decoded as
 * ss_read_utf_bytes does. If the body is not all there yet, SS_ERR_EOF and the
 * length is not consumed either. Free *out with ss_free(). */
SS_API int ss_read_utf(ss_socket *s, char **out, size_t *out_len);

/* length bytes decoded as the AS3 runtime does: a leading UTF-8 BOM is
 * skipped, the text ends at the first NUL (all length bytes are consumed
 * anyway), bytes that are not valid UTF-8 become U+0080..U+00FF of the same
 * value. *out is UTF-8. Free it with ss_free(). */
SS_API int ss_read_utf_bytes(ss_socket *s, uint32_t length, char **out,
                             size_t *out_len);

/* length bytes decoded from the named charset (any label or alias of the AS3
 * runtime's table, case-insensitive; unknown names read as UTF-8); the text
 * ends at the first NUL. *out is UTF-8. Free it with ss_free(). */
SS_API int ss_read_multi_byte(ss_socket *s, uint32_t length,
                              const char *charset, size_t charset_len,
                              char **out, size_t *out_len);

/* ---------------------------------------------------------------------------
 * Typed writes (AS3 IDataOutput)
 *
 * Writes append to the output buffer; nothing is sent until ss_flush(). Every
 * write checks the handle, the pointer arguments, then that the socket is
 * open (else SS_ERR_INVALID_SOCKET). A failed write writes nothing.
 * ------------------------------------------------------------------------- */

/* 1 for any non-zero v, else 0. */
SS_API int ss_write_boolean(ss_socket *s, int v);
/* The low 8 bits of v (AS3 writeByte: 256 writes 00). */
SS_API int ss_write_byte(ss_socket *s, int32_t v);
/* The low 16 bits of v (65535 writes FF FF). */
SS_API int ss_write_short(ss_socket *s, int32_t v);
SS_API int ss_write_int(ss_socket *s, int32_t v);
SS_API int ss_write_unsigned_int(ss_socket *s, uint32_t v);
/* v rounded to an IEEE-754 single. */
SS_API int ss_write_float(ss_socket *s, double v);
SS_API int ss_write_double(ss_socket *s, double v);

/* Writes bytes[offset .. offset+length) of the size-byte buffer, as AS3
 * writeBytes(bytes, offset, length): length 0 writes from offset to the end.
 * offset > size or offset+length > size is SS_ERR_RANGE, and so is length
 * 0 with a buffer over 2 GiB (a range of a larger buffer is fine). bytes
 * may be NULL only when size is 0. */
SS_API int ss_write_bytes(ss_socket *s, const void *bytes, size_t size,
                          uint32_t offset, uint32_t length);

/* A 16-bit byte length (socket endian), then the len bytes of utf8. Over
 * 65535 bytes is SS_ERR_RANGE. */
SS_API int ss_write_utf(ss_socket *s, const char *utf8, size_t len);

/* The bytes of utf8, without length or terminator. */
SS_API int ss_write_utf_bytes(ss_socket *s, const char *utf8, size_t len);

/* utf8 encoded in the named charset (unknown names write UTF-8); characters
 * the charset cannot hold become its replacement character. */
SS_API int ss_write_multi_byte(ss_socket *s, const char *utf8, size_t len,
                               const char *charset, size_t charset_len);

/* ---------------------------------------------------------------------------
 * Trust
 *
 * Ways to trust more than the platform store, none of which can make the
 * socket accept a certificate that fails its checks (there is no insecure
 * switch), and ways to demand more: public-key pins, revocation checking,
 * and a client certificate for servers that ask for one. Settings apply from
 * the next ss_connect() and last for the life of the socket.
 * ------------------------------------------------------------------------- */

/* AS3 addBinaryChainBuildingCertificate: adds the DER certificate der[0..len)
 * for chain building - a trust anchor if trusted is non-zero, else an
 * intermediate that can complete a chain to an anchor (it grants no trust by
 * itself). The library keeps its own copy: der may be freed on return.
 * SS_ERR_NULL for a NULL der, SS_ERR_BAD_PARAM for bytes that are not one DER
 * certificate. */
SS_API int ss_add_binary_chain_building_certificate(ss_socket *s,
                                                    const void *der,
                                                    size_t len, int trusted);

/* Pins the SHA-256 hash (32 bytes) of a SubjectPublicKeyInfo, the value of
 * an HPKP "pin-sha256" decoded. Once any pin is set, a server is accepted
 * only if its verified chain holds a pinned key, on top of every other check;
 * a mismatch is an ioError with status "untrustedSigners". SS_ERR_NULL for
 * NULL, SS_ERR_BAD_PARAM unless len is 32. */
SS_API int ss_add_public_key_pin(ss_socket *s, const void *sha256, size_t len);

/* Removes every pin. */
SS_API int ss_clear_public_key_pins(ss_socket *s);

/* Computes the pin of the DER certificate der[0..len) - the SHA-256 of its
 * SubjectPublicKeyInfo - into out[0..32). No socket, so nothing records a
 * message: SS_OK, SS_ERR_NULL, SS_ERR_BAD_PARAM (not a DER certificate). */
SS_API int ss_public_key_pin(const void *der, size_t len, uint8_t *out);

/* Presents a client certificate (chain) and its private key when a server
 * asks for one. Both may be PEM or DER; the key PKCS#8, PKCS#1 or SEC 1, and
 * encrypted (PKCS#8, or legacy PEM) with password (len bytes or SS_NTS; NULL
 * with 0 for none). The library keeps its own parsed copy. SS_ERR_NULL for a
 * NULL cert or key; SS_ERR_BAD_PARAM for a key that does not match, a wrong
 * password, or unreadable bytes. In TLS 1.3 a server's refusal of the
 * certificate arrives after SS_EVENT_CONNECT, as an ioError. */
SS_API int ss_set_client_certificate(ss_socket *s, const void *cert,
                                     size_t cert_len, const void *key,
                                     size_t key_len, const char *password,
                                     size_t password_len);

/* Stops presenting a client certificate. */
SS_API int ss_clear_client_certificate(ss_socket *s);

/* Revocation modes (ss_set_revocation_mode):
 *   SOFT_FAIL    the default: the server's staple, then CRLs, then OCSP; when
 *                no answer can be had, connect (result "unknown")
 *   HARD_FAIL    refuse unless every certificate is known good
 *   STAPLE_ONLY  the server's staple only; no requests of the library's own
 *   OFF          no checking (result "notChecked"); only a valid OCSP staple
 *                saying "revoked" still refuses (result "revoked")
 * In every mode but OFF, a server certificate with the OCSP must-staple
 * extension (TLS Feature status_request, RFC 7633) is refused, status
 * "invalid", unless the server staples a valid, fresh OCSP response (a server
 * certificate added as a trust anchor is exempt). */
#define SS_REVOCATION_SOFT_FAIL "softFail"
#define SS_REVOCATION_HARD_FAIL "hardFail"
#define SS_REVOCATION_STAPLE_ONLY "stapleOnly"
#define SS_REVOCATION_OFF "off"

/* Revocation results (ss_get_revocation_status). */
#define SS_REVOCATION_GOOD "good"
#define SS_REVOCATION_REVOKED "revoked"
#define SS_REVOCATION_UNKNOWN "unknown"
#define SS_REVOCATION_NOT_CHECKED "notChecked"

/* Sets the revocation mode by name (len bytes or SS_NTS): one of
 * SS_REVOCATION_SOFT_FAIL, _HARD_FAIL, _STAPLE_ONLY, _OFF; anything else is
 * SS_ERR_BAD_ENUM. A revoked certificate is always refused (an ioError with
 * status "revoked"). */
SS_API int ss_set_revocation_mode(ss_socket *s, const char *mode, size_t len);
SS_API int ss_get_revocation_mode(ss_socket *s, const char **out);

/* How the last connect's revocation check came out: SS_REVOCATION_GOOD,
 * _REVOKED, _UNKNOWN (soft-fail accepted it) or _NOT_CHECKED. *out is
 * static. */
SS_API int ss_get_revocation_status(ss_socket *s, const char **out);

/* Where the last verdict came from, or why there was none, certificate by
 * certificate. Free *out with ss_free(). */
SS_API int ss_get_revocation_detail(ss_socket *s, char **out, size_t *out_len);

/* Formats of ss_describe_connection(). */
#define SS_DESCRIBE_JSON 0
#define SS_DESCRIBE_TEXT 1

/* Everything the socket knows about its last connect, as securesocket-probe
 * prints it: with SS_DESCRIBE_JSON one line of JSON whose field names are
 * stable (fields are only ever added):
 *   outcome        "connected", "refused" (the library judged the server's
 *                  certificate and refused it), "failed" (no verdict:
 *                  refused TCP connection, timeout, not TLS, no common
 *                  version or suite; or the server broke off after its
 *                  certificate was accepted), "connecting" or "none" (never
 *                  connected); "connected" stays after the connection ends
 *   exitCode       the probe's exit status: 0 connected, 1 refused,
 *                  3 otherwise (2 is a usage error of the probe)
 *   status, detail ss_get_server_certificate_status(), ss_get_failure_detail()
 *   tlsVersion, cipherSuite  "TLSv1.3", IANA suite name (while connected)
 *   remoteAddress, remotePort  (while connected)
 *   revocation     {mode, status, detail}
 *   chain          the verified chain, server certificate first: [{subject,
 *                  issuer (RFC 2253), serialNumber (hex), notBefore, notAfter
 *                  (RFC 3339 UTC), dnsNames, ipAddresses, isCA, pinSha256
 *                  (base64 SHA-256 of the SubjectPublicKeyInfo, what
 *                  ss_add_public_key_pin takes decoded)}]
 * With SS_DESCRIBE_TEXT the same facts for people, one per line. Any other
 * format is SS_ERR_BAD_ENUM. Free *out with ss_free(). */
SS_API int ss_describe_connection(ss_socket *s, int format, char **out, size_t *out_len);

/* The verified chain of the last successful connect, server certificate
 * first, as a JSON array of AS3 X509Certificate objects: version,
 * serialNumber (hex), signatureAlgorithmOID, signatureAlgorithmParams (base64
 * or null), issuer and subject (commonName, countryName, localityName,
 * organizationName, organizationalUnitName, stateOrProvinceName, dn),
 * issuerUniqueID, subjectUniqueID, subjectPublicKey (hex),
 * subjectPublicKeyAlgorithmOID, validNotBefore and validNotAfter (RFC 3339,
 * UTC), encoded (the DER, base64). "[]" if there was none. Kept after
 * ss_close(), replaced by the next connect. Free *out with ss_free(). */
SS_API int ss_get_server_certificate_chain(ss_socket *s, char **out,
                                           size_t *out_len);

/* The DER of certificate index of that chain (0: the server's own) in
 * memory the caller frees with ss_free(). SS_ERR_RANGE past the end. */
SS_API int ss_get_server_certificate_der(ss_socket *s, size_t index,
                                         void **out, size_t *out_len);

/* ---------------------------------------------------------------------------
 * Objects (AMF)
 *
 * AS3's readObject/writeObject, in the encoding set by
 * ss_set_object_encoding() (3 = AMF3, the default; 0 = AMF0). Values cross
 * as UTF-8 JSON. Plain JSON maps naturally: an object is an anonymous
 * dynamic AMF object, an array a dense Array, an integer literal in the
 * 29-bit range an AMF3 int, any other number a double. What JSON lacks is a
 * tagged object {"$amf": "<tag>", ...}:
 *
 *   {"$amf":"undefined"}
 *   {"$amf":"double","value":"NaN"|"Infinity"|"-Infinity"}   also 1.0-style
 *                                literals: a number with a '.' or exponent
 *                                stays a double
 *   {"$amf":"date","ms":1700000000000}         ms since 1970-01-01 UTC
 *   {"$amf":"xml","text":"<a/>"}   {"$amf":"xmldoc","text":"<a/>"}
 *   {"$amf":"bytearray","base64":"AAEC"}
 *   {"$amf":"array","dense":[...],"assoc":{"k":v}}      ECMA/mixed arrays
 *   {"$amf":"object","class":"com.x.Point","sealed":{"x":1},"dynamic":{...}}
 *   {"$amf":"vector-int"|"vector-uint"|"vector-double","fixed":false,"items":[...]}
 *   {"$amf":"vector-object","type":"String","fixed":false,"items":[...]}
 *   {"$amf":"dictionary","weak":false,"entries":[[key,value],...]}
 *   {"$amf":"arraycollection"|"arraylist","source":...}
 *   {"$amf":"objectproxy","object":...}
 *   {"$amf":"message","class":"DSK"|"DSA"|"DSC",...}    BlazeDS small messages
 *   shared values and cycles: the first occurrence carries "id":n and later
 *   ones are {"$amf":"ref","id":n}, so the JSON is as large as the graph.
 *
 * A plain member named "$amf" is written "$$amf" (one more '$' for every
 * name made only of '$' followed by "amf"). core/amf/JSON.md is the full
 * specification.
 *
 * ss_read_object() decodes the next value from the unread input and stores
 * it in *out as JSON (library-allocated, NUL-terminated, free with
 * ss_free()); *out_len is its length. If the value has not fully arrived it
 * returns SS_ERR_EOF and consumes nothing: call it again on the next
 * socketData event. Malformed input, or input over the AMF limits (nesting
 * 256, 1 Mi nodes, 16 MiB per length), is SS_ERR_RANGE with the byte offset
 * in the message, and consumes nothing either. A value that cannot arrive
 * because it is larger than the input limit is SS_ERR_RANGE as well, and so
 * is one whose JSON would be longer than 8 times the input limit (at least
 * 64 MiB): JSON writes out every AMF reference to a string, so a few MiB of
 * hostile AMF could otherwise ask for terabytes.
 *
 * ss_write_object() encodes a JSON value into the output buffer (send it
 * with ss_flush()). JSON that is not valid, or a bad tag, is SS_ERR_BAD_PARAM
 * and nothing is written.
 *
 * Returns: SS_OK; SS_ERR_INVALID_SOCKET; SS_ERR_EOF; SS_ERR_RANGE;
 * SS_ERR_BAD_PARAM; SS_ERR_NULL for a NULL out, out_len or json (json may be
 * NULL only with len 0, which is not valid JSON); SS_ERR_NOMEM; SS_ERR_HANDLE.
 * ------------------------------------------------------------------------- */

SS_API int ss_read_object(ss_socket *s, char **out, size_t *out_len);
SS_API int ss_write_object(ss_socket *s, const char *json, size_t len);

/* ---------------------------------------------------------------------------
 * Events
 *
 * The library never calls the host from its own threads. Events wait in one
 * process-wide queue, in the order they happened per socket, until the host
 * takes them:
 *
 *   - ss_dispatch(timeout) waits for events and runs each socket's callback
 *     (ss_set_callback) on the calling thread; or
 *   - ss_next_event() hands out event records one by one.
 *
 * ss_event_fd() is readable while events wait, for every socket together:
 * give it to poll/epoll/libuv/asyncio and call ss_dispatch(0) or
 * ss_next_event() when it is readable.
 *
 * Input on Linux: ss_event_fd() is an epoll set that also holds the TCP
 * descriptor of each open connection, so it is also readable while a reply
 * waits in the kernel. ss_dispatch() and ss_next_event() then read and
 * decrypt it on the calling thread, without waiting, before they take
 * events: a reply reaches the callback with one thread woken (the host's),
 * as with a blocking read on a plain TLS socket. A stream is decrypted
 * there too, at most 256 KiB per call while more waits: the descriptor stays
 * readable and the next call decrypts more. Once ss_next_event() has handed
 * out the events of a stream's batch (a full TLS record or more), it returns
 * 0 (while more input may wait), so a loop that takes events until none are
 * left ends, and the host reads that input before more is decrypted; its
 * next call decrypts again.
 * ss_get_bytes_available() also reads what waits, so a host that
 * only polls it sees input arrive, and so does ss_read_bytes() of everything
 * available (length 0) into a buffer of 64 KiB or more, decrypting straight
 * into that buffer (socketData still announces those bytes). Elsewhere (and in the pipe build) a
 * library thread reads every connection and ss_event_fd() is readable
 * exactly while events wait. Taking events that are already queued never
 * enters the Go runtime: it is cheap from any thread, including Node's main
 * thread.
 *
 * Connects on Linux: a connect to an IP address runs on a library thread,
 * which wakes for it, and its event wakes the host's thread again. When
 * ss_dispatch() would only wait for that event anyway, it runs the connect
 * (TCP, TLS handshake, certificate checks) on the calling thread instead,
 * with the same outcome and events and no other thread woken. It does so
 * only when nothing else can be kept waiting meanwhile: the socket is the
 * only one that exists, no event waits, the socket's timeout
 * (ss_set_timeout) ends within the wait's, so ss_dispatch() still returns
 * within its timeout, and ss_wake() has never been called in the process
 * (a host that wakes waits from other threads keeps prompt wakes: a wait
 * that runs a connect returns when the connect ends). ss_close() or
 * ss_socket_free() from another thread ends such a connect at once, as any.
 * While ss_dispatch() takes the connects, the library's thread leaves each
 * one to it for 200 microseconds before it starts the connect itself; a
 * host that does not wait after ss_connect() (an event loop on
 * ss_event_fd()) makes it start at once again from its next connect on.
 *
 * Coalescing: while waiting, SS_EVENT_SOCKET_DATA events of a socket merge
 * into one (bytes_loaded adds up) and a waiting SS_EVENT_OUTPUT_PROGRESS is
 * updated in place, so data traffic alone cannot make the queue grow. They
 * never move across the socket's other events (connect, close, ioError,
 * securityError); between two such events a socket has at most one waiting
 * socketData and one waiting outputProgress, each keeping the place of the
 * first one (so socketData, outputProgress, socketData waits as two events:
 * the socketData with both amounts, then the outputProgress). Go's
 * core.Queue coalesces by the same rule.
 * ------------------------------------------------------------------------- */

/* Event types, with the AS3 type string in ss_event.type_name. */
#define SS_EVENT_CONNECT 1         /* "connect": handshake and checks passed */
#define SS_EVENT_CLOSE 2           /* "close": the server closed (never for
                                      ss_close) */
#define SS_EVENT_SOCKET_DATA 3     /* "socketData": input arrived */
#define SS_EVENT_IO_ERROR 4        /* "ioError": connect failed or the
                                      connection broke (error_id 2031) */
#define SS_EVENT_SECURITY_ERROR 5  /* "securityError" (error_id 2048) */
#define SS_EVENT_OUTPUT_PROGRESS 6 /* "outputProgress": flushed bytes moved */
/* An event type newer than this header arrives with type 0 and its AS3 name
 * in type_name; ignore it or pass the name on. */

/* One event. String fields are never NULL ("" when absent), NUL-terminated,
 * and owned by the library: from ss_next_event() they stay valid until the
 * next ss_next_event() on the same thread (or the thread's exit); in a
 * callback, until it returns. */
typedef struct ss_event {
  int32_t type;          /* SS_EVENT_* */
  int32_t error_id;      /* AS3 id: 2031 ioError, 2048 securityError, else 0 */
  ss_socket *socket;     /* the socket it belongs to */
  const char *type_name; /* AS3 type string: "connect", "socketData", ... */
  const char *text;      /* AS3 text: "Error #2031: Socket Error. URL: host" */
  size_t text_len;
  const char *detail; /* why, in words, for ioError and securityError */
  size_t detail_len;
  uint64_t bytes_loaded;  /* socketData: bytes arrived since the last one */
  uint64_t bytes_pending; /* outputProgress: flushed bytes not yet sent */
  uint64_t bytes_total;   /* outputProgress: sent plus pending */
  uint64_t queued;        /* events that waited behind this one when it was
                             taken: a loop that takes events can stop at 0
                             without a last call (later ones, and input,
                             make ss_event_fd() readable) */
  uint64_t reserved[3];   /* zero; room for later fields */
} ss_event;

/* A socket's event callback. ev and its strings are valid only until the
 * callback returns. */
typedef void (*ss_callback)(const ss_event *ev, void *user);

/* Bit of event type t (an SS_EVENT_* number) in an event mask. */
#define SS_MASK_OF(t) (1u << (t))
/* Every event type: the default mask of a new socket. */
#define SS_MASK_ALL 0xffffffffu

/* Which of s's frequent events are queued: SS_EVENT_SOCKET_DATA and
 * SS_EVENT_OUTPUT_PROGRESS are queued only while their bit
 * (SS_MASK_OF(type)) is set; connect, close, ioError and securityError are
 * queued whatever the mask says, so no outcome is ever lost. A new socket
 * has SS_MASK_ALL. A host that does not listen to outputProgress
 * saves an event and a wake-up per write (bytes_pending and the data are the
 * same either way). Takes effect for events that happen after it returns;
 * events already waiting stay. The Python and Node bindings set it from
 * their listeners. ss_get_event_mask gives the mask in effect (the bits of
 * the events that cannot be masked always read as set). */
SS_API int ss_set_event_mask(ss_socket *s, uint32_t mask);
SS_API int ss_get_event_mask(ss_socket *s, uint32_t *out);

/* Sets (or with cb NULL, removes) s's callback and the user pointer passed to
 * it. Takes effect for events dispatched after it returns. ss_dispatch()
 * discards the events of a socket without a callback; an SS_EVENT_IO_ERROR
 * or SS_EVENT_SECURITY_ERROR it discards is reported as one line on stderr
 * ("securesocket: unhandled ioError ...: <text> (<detail>)"), as AIR's
 * debugger reports an unhandled IOErrorEvent, so a failure is never silent.
 * A callback that ignores the event switches the report off. Events taken
 * with ss_next_event() are the caller's and never reported. Returns SS_OK or
 * SS_ERR_HANDLE. */
SS_API int ss_set_callback(ss_socket *s, ss_callback cb, void *user);

/* A file descriptor that is readable while events wait (on Linux also while
 * input waits to be read: see "Input on Linux" above). Wait on it
 * for reading only; never read, write or close it. The same descriptor for
 * the life of the process (it has FD_CLOEXEC). Linux: an epoll set; macOS and
 * the BSDs: a pipe's read end; Windows: a SOCKET (cast to int; poll it with
 * WSAPoll, select, libuv's uv_poll), not inherited by child processes.
 * Returns it, or SS_ERR_NOMEM if it could not be created, SS_ERR_FORKED in a
 * forked child. */
SS_API int ss_event_fd(void);

/* Takes the oldest waiting event into *out without waiting. Returns 1 if it
 * did, 0 if none waits (on Linux also once the events of its last
 * decryption are taken: see "Input on Linux"), SS_ERR_NULL, SS_ERR_FORKED. */
SS_API int ss_next_event(ss_event *out);

/* Waits up to timeout_ms (0: do not wait, negative: no limit) until events
 * wait, then runs the callbacks of the events that were waiting when it
 * started (not those that arrive meanwhile, so a busy socket cannot keep it
 * running), on the calling thread. Returns the number of callbacks run, 0 if
 * it timed out, was woken by ss_wake(), or a signal interrupted the wait (so a
 * host can handle it: Python's KeyboardInterrupt); SS_ERR_FORKED, or
 * SS_ERR_INTERNAL if waiting failed. Safe to call from several threads: each
 * event goes to one of them. */
SS_API int ss_dispatch(int timeout_ms);

/* Makes one ss_dispatch() call that waits (or, if none waits now, the next
 * one that would wait) return early. Each call wakes one wait. Does not make
 * ss_event_fd() readable. Returns SS_OK or SS_ERR_FORKED. */
SS_API int ss_wake(void);

/* Polls for an event without sleeping, for at most the library's spin time,
 * and returns 1 as soon as ss_next_event() has one (a reply that arrived is
 * decrypted meanwhile, on this thread), 0 when the time passed or ss_wake()
 * was called, SS_ERR_FORKED or SS_ERR_NOMEM. A host that waits on
 * ss_event_fd() calls it just before it would block, and blocks only on 0:
 * a reply that comes back within the spin time then costs no sleep and no
 * wake-up of an idle processor (ss_dispatch() does the same in its waits).
 *
 * The spin time is 50 microseconds (Linux's recommended busy_poll value),
 * SECURESOCKET_SPIN_US microseconds when set (0 turns spinning off, at most
 * 1000), and 0 with a single processor online or where input is not
 * host-driven (not Linux). A spin that finds nothing makes the thread's
 * next calls return 0 at once, for 1, 2, 4 ... up to 64 calls, so a peer
 * slower than the spin costs at most one spin in 64 waits; a spin that finds
 * an event resets that. The spin burns the processor it runs on.
 *
 * A thread whose last pump decrypted a stream's batch (a full TLS record or
 * more) pauses instead: it sleeps for the spin time (plus the kernel's timer
 * slack: about 130 us for 50 here) without watching any connection, then
 * decrypts what arrived meanwhile in one batch and returns 1 if that made an
 * event. A stream thus wakes its reader once per batch of records, not once
 * per record. A wake or another thread's event waits for the pause's end.
 * Pauses that find nothing back off as spins do. */
SS_API int ss_spin_events(void);

#ifdef __cplusplus
}
#endif

#endif /* SECURESOCKET_H */
