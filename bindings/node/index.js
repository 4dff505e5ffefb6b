'use strict';
/**
 * securesocket: ActionScript 3's flash.net.SecureSocket for Node.js, over
 * libsecuresocket (include/securesocket.h) through koffi.
 *
 * This file only marshals: typed decoding, certificate checks, text rules and
 * error texts all live in the library. Events arrive through one pump per
 * thread (lib/pump.js).
 *
 * @example
 * const { SecureSocket, Event, ProgressEvent, IOErrorEvent } = require('securesocket');
 * const s = new SecureSocket();
 * s.addEventListener(Event.CONNECT, () => { s.writeUTF('hello'); s.flush(); });
 * s.on(ProgressEvent.SOCKET_DATA, () => console.log(s.readUTF()));
 * s.on(IOErrorEvent.IO_ERROR, (e) => console.log(e.text, s.serverCertificateStatus, e.detail));
 * s.connect('example.net', 443);
 */

const native = require('./lib/native');
const errors = require('./lib/errors');
const events = require('./lib/events');
const pump = require('./lib/pump');
const amf = require('./lib/amf');

const {
  Event, ProgressEvent, IOErrorEvent, SecurityErrorEvent, OutputProgressEvent, EventDispatcher,
} = events;
const { SecureSocketError, IOError, SecurityError } = errors;
const { NTS } = native;

/** @type {ReturnType<typeof native.load>} */
let api = null;
function lib() {
  if (api === null) api = native.load();
  return api;
}

// One scratch area for out-parameters: JS runs one call at a time per thread.
const scratch = new ArrayBuffer(8);
const sI8 = new Int8Array(scratch, 0, 1);
const sU8 = new Uint8Array(scratch, 0, 1);
const sI16 = new Int16Array(scratch, 0, 1);
const sU16 = new Uint16Array(scratch, 0, 1);
const sI32 = new Int32Array(scratch, 0, 1);
const sU32 = new Uint32Array(scratch, 0, 1);
const sF64 = new Float64Array(scratch, 0, 1);
const sU64 = new BigUint64Array(scratch, 0, 1);
const sI64 = new BigInt64Array(scratch, 0, 1);
const sPtr = new BigUint64Array(1); // char** / void** outs
const sLen = new BigUint64Array(1); // size_t outs
const sStr = [null]; // const char** outs (static strings)

/** Throws the error for a failed call on handle h. */
function fail(h, rc) {
  throw errors.fromCode(rc, api.ss_error_message(h));
}

/**
 * The error for return code rc where no socket recorded a message: the
 * library's text for the code (ss_error_text), then the detail in
 * parentheses, as the library writes its messages.
 */
function errorFor(rc, detail) {
  const text = lib().ss_error_text(rc);
  return errors.fromCode(rc, detail ? `${text} (${detail})` : text);
}

/** The string a char** out-parameter received, freed in the library. */
function takeString() {
  const p = sPtr[0];
  const n = Number(sLen[0]);
  const s = n === 0 ? '' : native.koffi.decode.string(p, n);
  api.ss_free(p);
  return s;
}

/** The bytes a void** out-parameter received, copied and freed in the library. */
function takeBytes() {
  const p = sPtr[0];
  const n = Number(sLen[0]);
  const out = Buffer.alloc(n);
  if (n > 0) out.set(new Uint8Array(native.koffi.view(p, n)));
  api.ss_free(p);
  return out;
}

/**
 * Text for the library: UTF-8 bytes with an explicit length, so a JS string
 * with NUL characters crosses whole. null/undefined stay NULL: the library
 * answers them (TypeError #2007) when a value is required.
 */
function utf8(v) {
  return v === null || v === undefined ? null : Buffer.from(String(v), 'utf8');
}

/** Names (endian, charset, mode) cross NUL-terminated; null stays NULL. */
function name(v) {
  return v === null || v === undefined ? null : String(v);
}

/** A byte source as a Uint8Array over the same memory (no copy), or null. */
function bytesOf(v, argName) {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
    return new Uint8Array(v);
  }
  const err = new TypeError(`The "${argName}" argument must be a Buffer, TypedArray, DataView or ArrayBuffer`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  throw err;
}

/** An X509Certificate record from the library's JSON, with Dates and Buffers. */
function certificateOf(c) {
  return {
    ...c,
    signatureAlgorithmParams: c.signatureAlgorithmParams == null ? null : Buffer.from(c.signatureAlgorithmParams, 'base64'),
    validNotBefore: new Date(c.validNotBefore),
    validNotAfter: new Date(c.validNotAfter),
    encoded: Buffer.from(c.encoded, 'base64'),
  };
}

const IDLE = 0;
const CONNECTING = 1;
const OPEN = 2;

// The safety net for sockets dropped without destroy(): frees the native
// handle once the object is garbage. destroy() unregisters first, so a freed
// handle is never freed again (the library would only say SS_ERR_HANDLE).
const registry = new FinalizationRegistry((h) => {
  pump.detach(h);
  api.ss_socket_free(h);
});

const { EVENT } = native;
/** ss_event.type -> AS3 type string. */
const TYPE_NAMES = [];
TYPE_NAMES[0] = '';
TYPE_NAMES[EVENT.CONNECT] = Event.CONNECT;
TYPE_NAMES[EVENT.CLOSE] = Event.CLOSE;
TYPE_NAMES[EVENT.SOCKET_DATA] = ProgressEvent.SOCKET_DATA;
TYPE_NAMES[EVENT.IO_ERROR] = IOErrorEvent.IO_ERROR;
TYPE_NAMES[EVENT.SECURITY_ERROR] = SecurityErrorEvent.SECURITY_ERROR;
TYPE_NAMES[EVENT.OUTPUT_PROGRESS] = OutputProgressEvent.OUTPUT_PROGRESS;

// ss_set_event_mask values (securesocket.h): everything, or all but outputProgress.
const EVENT_MASK_ALL = 0xffffffff;
const EVENT_MASK_NO_PROGRESS = (0xffffffff & ~(1 << EVENT.OUTPUT_PROGRESS)) >>> 0;

/**
 * AS3 flash.net.SecureSocket: a TLS client that connects only to servers
 * whose certificate is valid and trusted for the host name, says why it
 * refused one (serverCertificateStatus), and reads and writes typed values
 * as the AS3 runtime does.
 *
 * Events (both faces: addEventListener and on/once/off), in order:
 * "connect" or "ioError" once per connect(); then "socketData" as input
 * arrives and "outputProgress" as flushed bytes leave; "close" when the
 * server closes (preceded by "ioError" if the connection broke). close()
 * sends no event.
 */
/**
 * AS3's flash.net.Socket: plain TCP, upgraded to TLS by startTLS(); and the
 * base of SecureSocket (below), which has all of its API and is TLS from the
 * start.
 */
class Socket extends EventDispatcher {
  /** @type {bigint} the native handle; kept after destroy() so that calls get ERR_SS_HANDLE */
  #h;
  #phase = IDLE;
  #destroyed = false;
  /** @type {boolean | undefined} whether the native mask lets outputProgress through */
  #progressWanted = undefined;
  /** @type {{resolve: Function, reject: Function} | null} */
  #waiter = null;

  /**
   * Creates an unconnected socket: endian "bigEndian", objectEncoding 3,
   * timeout 20000 ms, certificate status "unknown". Free it with destroy()
   * (or `using`), or leave it to the garbage collector once it is closed.
   */
  constructor() {
    super();
    const a = lib();
    // eslint-disable-next-line no-use-before-define
    const h = this instanceof SecureSocket ? a.ss_socket_new() : a.ss_socket_new_plain();
    if (h === null || h === 0n) {
      if (a.ss_is_supported() !== 1) {
        // As the AS3 constructor does where secure sockets are missing.
        throw new errors.IllegalOperationError(
          'securesocket: secure sockets are not supported here (SecureSocket.isSupported is false)',
          0, 'ERR_SS_UNSUPPORTED');
      }
      throw new SecureSocketError('securesocket: out of memory creating a socket', 0, 'ERR_SS_NOMEM');
    }
    this.#h = h;
    try {
      pump.attach(h, this);
    } catch (err) {
      a.ss_socket_free(h);
      throw err;
    }
    registry.register(this, h, this);
    this[events.kInterest]();
  }

  /**
   * outputProgress costs an event and a wake-up per write: the library posts
   * it only while this socket has a listener for it (either face).
   * @param {string} [type]
   */
  [events.kInterest](type) {
    if (this.#h === undefined || (type !== undefined && type !== OutputProgressEvent.OUTPUT_PROGRESS)) return;
    const want = this.hasEventListener(OutputProgressEvent.OUTPUT_PROGRESS);
    if (want === this.#progressWanted) return;
    this.#progressWanted = want;
    // The mask only saves work; a stale handle is reported by the next real call.
    lib().ss_set_event_mask(this.#h, want ? EVENT_MASK_ALL : EVENT_MASK_NO_PROGRESS);
  }

  /** True if secure sockets work on this system (AS3 SecureSocket.isSupported). */
  static get isSupported() {
    try {
      return lib().ss_is_supported() === 1;
    } catch {
      return false; // no library for this system
    }
  }

  /** The library's version string, e.g. "0.1.0". */
  static get libraryVersion() { return lib().ss_version(); }

  /**
   * The SHA-256 of the SubjectPublicKeyInfo of a DER certificate: the value to
   * give addPublicKeyPin().
   * @param {Buffer|Uint8Array} der
   * @returns {Buffer} 32 bytes
   */
  static publicKeyPin(der) {
    const b = bytesOf(der, 'der');
    const out = Buffer.alloc(32);
    const rc = lib().ss_public_key_pin(b, b === null ? 0 : b.length, out);
    if (rc !== 0) {
      // No socket records a message for this call: the library's text.
      throw errorFor(rc, rc === -2004 ? 'not one DER certificate' : '');
    }
    return out;
  }

  // ---- connecting -----------------------------------------------------------

  /**
   * Starts connecting over TLS and returns at once; a "connect" or an
   * "ioError" event follows. Connecting while connected or connecting closes
   * the old connection first, silently (even when the new connect() then
   * throws for a bad argument), and no event of it arrives any more.
   * @param {string} host name or IP literal; null or undefined is
   *   TypeError #1009, as AIR's connect(null, port)
   * @param {number} port 0..65535 after AS3's int conversion (ToInt32), else
   *   SecurityError #2003 (thrown here)
   */
  connect(host, port) {
    const h = this.#h;
    const wasBusy = this.#phase !== IDLE;
    const rc = api.ss_connect(h, name(host), NTS, port | 0);
    if (rc !== 0) {
      const err = errors.fromCode(rc, api.ss_error_message(h));
      if (wasBusy) {
        // ss_connect() refuses a bad argument before it touches the old
        // connection; connect() closes that one all the same, as documented
        // (ss_close drops its waiting events).
        api.ss_close(h);
        this.#abortWaiter('connect() was called again');
        this.#setIdle();
      }
      throw err;
    }
    this.#abortWaiter('connect() was called again');
    this.#phase = CONNECTING;
    pump.setBusy(this, true);
  }

  /**
   * connect(), as a Promise: resolves with the socket on "connect", rejects
   * with an IOError (errorID 2031, .detail, .status = serverCertificateStatus,
   * .event) on "ioError", or with a SecureSocketError code 'ERR_SS_ABORTED'
   * if close(), destroy() or another connect() ends the attempt. The events
   * are dispatched too.
   * @param {string} host
   * @param {number} port
   * @returns {Promise<SecureSocket>}
   */
  connectAsync(host, port) {
    return new Promise((resolve, reject) => {
      this.connect(host, port);
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * STARTTLS: upgrades a connected plain Socket to TLS for host and returns
   * at once. What was written is flushed and sent in the clear first; then
   * the handshake runs with exactly SecureSocket's verification of host
   * (anchors, pins, revocation, client certificate, minimum version,
   * serverName, ALPN), bounded by timeout. Meanwhile the socket is not
   * connected. Success: a second "connect" event, status "trusted", and it is
   * a SecureSocket from then on; input that arrived before the handshake
   * stays readable, in order, before the decrypted input. Failure (a
   * certificate problem included): the "ioError" a SecureSocket would get,
   * and the connection is closed (unread input discarded). No way back, no
   * way to skip verification. Call it once the server said to go ahead.
   * Not a connected plain socket: IOError #2002.
   * @param {string} host
   */
  startTLS(host) {
    const h = this.#h;
    const rc = api.ss_start_tls(h, name(host), NTS);
    if (rc !== 0) fail(h, rc);
    this.#abortWaiter('startTLS() was called');
    this.#phase = CONNECTING;
    pump.setBusy(this, true);
  }

  /**
   * startTLS(), as a Promise: resolves with the socket on "connect", rejects
   * as connectAsync() does on "ioError" (.status = serverCertificateStatus).
   * @param {string} host
   * @returns {Promise<Socket>}
   */
  startTLSAsync(host) {
    return new Promise((resolve, reject) => {
      this.startTLS(host);
      this.#waiter = { resolve, reject };
    });
  }

  /** True while the live connection is TLS (a connected SecureSocket, or a Socket after startTLS). */
  get secure() {
    const rc = api.ss_get_secure(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0] !== 0;
  }

  /**
   * Closes the connection: flushed bytes are still delivered, then TLS
   * close_notify; written but unflushed bytes are discarded. No "close"
   * event follows. IOError #2002 if the socket is not open.
   */
  close() {
    const h = this.#h;
    const rc = api.ss_close(h); // drops the connection's waiting events too
    this.#abortWaiter('close() was called');
    this.#setIdle();
    if (rc !== 0) fail(h, rc);
  }

  /** Hands every written byte to the connection; "outputProgress" events follow. */
  flush() {
    const rc = api.ss_flush(this.#h);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * Closes the socket and frees its native handle now. Idempotent. Every
   * later call on it throws a SecureSocketError with code 'ERR_SS_HANDLE'.
   */
  destroy() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const h = this.#h;
    registry.unregister(this);
    pump.detach(h);
    this.#abortWaiter('destroy() was called');
    this.#setIdle();
    api.ss_socket_free(h);
  }

  /** destroy(), for `using socket = new SecureSocket()`. */
  [Symbol.dispose ?? Symbol.for('nodejs.dispose')]() { this.destroy(); }

  #setIdle() {
    this.#phase = IDLE;
    pump.setBusy(this, false);
  }

  #abortWaiter(why) {
    const w = this.#waiter;
    if (w === null) return;
    this.#waiter = null;
    w.reject(new SecureSocketError(`securesocket: connect aborted: ${why}`, 0, 'ERR_SS_ABORTED'));
  }

  /**
   * Receives this socket's event records from the pump; returns true when
   * the pump should yield before the next event (a promise was settled).
   * rec is the pump's reused record: valid during this call only.
   * @private
   */
  [pump.kDeliver](rec) {
    const type = rec.type === 0 ? rec.typeName : TYPE_NAMES[rec.type];
    let ev;
    let settled = false;
    switch (rec.type) {
      case EVENT.CONNECT: {
        ev = new Event(type);
        if (this.#phase === CONNECTING) this.#phase = OPEN;
        const w = this.#waiter;
        this.#waiter = null;
        if (w !== null) {
          w.resolve(this);
          settled = true;
        }
        break;
      }
      case EVENT.CLOSE: // close: the server closed; unread input stays readable
        ev = new Event(type);
        this.#setIdle();
        break;
      case EVENT.SOCKET_DATA:
        ev = new ProgressEvent(type, false, false, rec.loaded, 0);
        break;
      case EVENT.IO_ERROR:
      case EVENT.SECURITY_ERROR: {
        const Cls = rec.type === EVENT.IO_ERROR ? IOErrorEvent : SecurityErrorEvent;
        ev = new Cls(type, false, false, rec.text, rec.errorId, rec.detail);
        // An error while connecting ends the attempt; one on an open
        // connection is followed by "close".
        if (this.#phase === CONNECTING) this.#setIdle();
        const w = this.#waiter;
        this.#waiter = null;
        if (w !== null) {
          const Err = rec.type === EVENT.IO_ERROR ? IOError : SecurityError;
          const err = new Err(rec.detail ? `${rec.text} (${rec.detail})` : rec.text, rec.errorId,
            rec.type === EVENT.IO_ERROR ? 'ERR_SS_SOCKET' : 'ERR_SS_SECURITY');
          err.detail = rec.detail;
          err.status = this.serverCertificateStatus;
          err.event = ev;
          w.reject(err);
          settled = true;
        }
        break;
      }
      case EVENT.OUTPUT_PROGRESS:
        ev = new OutputProgressEvent(type, false, false, rec.pending, rec.total);
        break;
      default: // an event type newer than this binding
        ev = new Event(type);
    }
    // An error event nobody handles (no listener, no connectAsync) is not
    // dropped silently: AIR's debugger reports an unhandled IOErrorEvent,
    // Node would throw an unhandled 'error'. A warning is seen (stderr, or
    // process.on('warning')) and does not end the process.
    const unhandled = (rec.type === EVENT.IO_ERROR || rec.type === EVENT.SECURITY_ERROR) && !settled &&
      !this.hasEventListener(type);
    const { text, detail } = rec; // rec is not ours after the listeners ran
    const isIOError = rec.type === EVENT.IO_ERROR;
    this.dispatchEvent(ev);
    if (unhandled) {
      process.emitWarning(detail ? `${text} (${detail})` : text, {
        type: isIOError ? 'UnhandledIOErrorEvent' : 'UnhandledSecurityErrorEvent',
        code: 'ERR_SS_UNHANDLED_ERROR_EVENT',
        detail: 'Add an "ioError" listener (or use connectAsync) to handle it.',
      });
    }
    return settled;
  }

  // ---- properties -----------------------------------------------------------

  /** True while connected (after the "connect" event, until close). */
  get connected() {
    const rc = api.ss_get_connected(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0] !== 0;
  }

  /** Unread input bytes (still counted after the server closed). */
  get bytesAvailable() {
    const rc = api.ss_get_bytes_available(this.#h, sU64);
    if (rc !== 0) fail(this.#h, rc);
    return Number(sU64[0]);
  }

  /**
   * Written bytes not yet handed to the network (unflushed plus flushed but
   * unsent). IOError #2002 on a socket that never connected, as in AIR.
   */
  get bytesPending() {
    const rc = api.ss_get_bytes_pending(this.#h, sU64);
    if (rc !== 0) fail(this.#h, rc);
    return Number(sU64[0]);
  }

  /** Byte order of multi-byte reads and writes: Endian.BIG_ENDIAN (default) or Endian.LITTLE_ENDIAN. */
  get endian() {
    const rc = api.ss_get_endian(this.#h, sStr);
    if (rc !== 0) fail(this.#h, rc);
    return sStr[0];
  }

  set endian(v) {
    const rc = api.ss_set_endian(this.#h, name(v), NTS);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** AMF version for object reads and writes: 3 (default) or 0. */
  get objectEncoding() {
    const rc = api.ss_get_object_encoding(this.#h, sU32);
    if (rc !== 0) fail(this.#h, rc);
    return sU32[0];
  }

  set objectEncoding(v) {
    const rc = api.ss_set_object_encoding(this.#h, v >>> 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** Connect timeout in ms (default 20000, minimum 250); applies to the next connect(). */
  get timeout() {
    const rc = api.ss_get_timeout(this.#h, sU32);
    if (rc !== 0) fail(this.#h, rc);
    return sU32[0];
  }

  set timeout(v) {
    const rc = api.ss_set_timeout(this.#h, v >>> 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  #string(fn) {
    const rc = fn(this.#h, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return takeString();
  }

  /** An address getter: null (AS3 null) when the library gives NULL. */
  #address(fn) {
    const rc = fn(this.#h, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    if (sPtr[0] === 0n) return null;
    return takeString();
  }

  /** Local IP address of the connection (null when not connected, as in AS3). */
  get localAddress() { return this.#address(api.ss_get_local_address); }

  /** Local port (0 when not connected). */
  get localPort() {
    const rc = api.ss_get_local_port(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0];
  }

  /** Remote IP address of the connection (null when not connected, as in AS3). */
  get remoteAddress() { return this.#address(api.ss_get_remote_address); }

  /** Remote port (0 when not connected). */
  get remotePort() {
    const rc = api.ss_get_remote_port(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0];
  }

  /**
   * AS3 CertificateStatus of the last connect: "unknown" until a certificate
   * was judged, "trusted" after every "connect", else why it was refused.
   */
  get serverCertificateStatus() {
    const rc = api.ss_get_server_certificate_status(this.#h, sStr);
    if (rc !== 0) fail(this.#h, rc);
    return sStr[0];
  }

  /** Why the last connect failed, in words ("" after a successful connect). */
  get failureDetail() { return this.#string(api.ss_get_failure_detail); }

  /** Unread input at which the socket stops reading (TCP pushes back); default 16 MiB, minimum 1024. */
  get inputLimit() {
    const rc = api.ss_get_input_limit(this.#h, sU64);
    if (rc !== 0) fail(this.#h, rc);
    return Number(sU64[0]);
  }

  set inputLimit(v) {
    const rc = api.ss_set_input_limit(this.#h, v);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** Lowest TLS version of the next connect(), a TLSVersion number (default TLS1_2). */
  get minTLSVersion() {
    const rc = api.ss_get_min_tls_version(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0];
  }

  set minTLSVersion(v) {
    const rc = api.ss_set_min_tls_version(this.#h, v | 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** Negotiated TLS version ("TLSv1.3") while connected, else "". */
  get tlsVersion() {
    const rc = api.ss_get_tls_version(this.#h, sStr);
    if (rc !== 0) fail(this.#h, rc);
    return sStr[0];
  }

  /**
   * TLS session resumption for the next connects (default true, unless the
   * environment variable SECURESOCKET_SESSION_CACHE is 0). A connect resumes
   * only a session left by an earlier connection to the same host and port
   * with exactly the same trust settings, and verifies the server's
   * certificate again; false makes every connect a full handshake.
   */
  get sessionCache() {
    const rc = api.ss_get_session_cache(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0] !== 0;
  }

  set sessionCache(v) {
    const rc = api.ss_set_session_cache(this.#h, v ? 1 : 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** True if the last successful connect resumed a TLS session; kept after close(). */
  get sessionResumed() {
    const rc = api.ss_get_session_resumed(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0] !== 0;
  }

  // ---- protocol options and connection facts --------------------------------

  /**
   * Application protocols (ALPN) the next connect() offers, in order of
   * preference; [] (the default) offers none. Each name is at most 255 bytes
   * of UTF-8 (else ArgumentError #2004) and, since the list crosses the C ABI
   * comma-separated, non-empty and without a comma (else TypeError).
   */
  get alpnProtocols() {
    const v = this.#string(api.ss_get_alpn_protocols);
    return v === '' ? [] : v.split(',');
  }

  set alpnProtocols(list) {
    const names = list === null || list === undefined ? [] : Array.from(list);
    for (const p of names) {
      if (typeof p !== 'string' || p === '' || p.includes(',')) {
        throw new TypeError(`alpnProtocols: each name must be a non-empty string without a comma, not ${JSON.stringify(p)}`);
      }
    }
    const buf = Buffer.from(names.join(','), 'utf8');
    const rc = api.ss_set_alpn_protocols(this.#h, buf, buf.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** The protocol the server chose by ALPN while connected; null when none (or not connected). */
  get negotiatedProtocol() {
    return this.#string(api.ss_get_negotiated_protocol) || null;
  }

  /**
   * The name the next connect() sends as SNI and verifies the certificate
   * against, instead of the host it connects to; null (the default) uses the
   * connect host. Verification is otherwise unchanged. Not a DNS name or an
   * IP address: ArgumentError #2004.
   */
  get serverName() {
    return this.#string(api.ss_get_server_name) || null;
  }

  set serverName(v) {
    const buf = Buffer.from(v === null || v === undefined ? '' : String(v), 'utf8');
    const rc = api.ss_set_server_name(this.#h, buf, buf.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** The negotiated cipher suite's IANA name ("TLS_AES_128_GCM_SHA256") while connected, else "". */
  get cipherSuite() {
    const rc = api.ss_get_cipher_suite(this.#h, sStr);
    if (rc !== 0) fail(this.#h, rc);
    return sStr[0];
  }

  /**
   * TCP_NODELAY (AIR 51's Socket.tcpNoDelay): true (the default; AIR's is
   * false) sends each flush at once. Applies to the live connection at once.
   */
  get tcpNoDelay() {
    const rc = api.ss_get_tcp_no_delay(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0] !== 0;
  }

  set tcpNoDelay(on) {
    const rc = api.ss_set_tcp_no_delay(this.#h, on ? 1 : 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * The OS handle of the live TCP connection (a file descriptor; a SOCKET on
   * Windows), -1 when there is none. It stays the library's: valid only until
   * the connection ends, for getsockopt/setsockopt only; never read, write or
   * close it.
   */
  get nativeHandle() {
    const rc = api.ss_get_native_handle(this.#h, sI64);
    if (rc !== 0) fail(this.#h, rc);
    return Number(sI64[0]);
  }

  /**
   * The proxy of the next connects, as a URL: 'http://[user:password@]host:port'
   * (HTTP CONNECT) or 'socks5://...' / 'socks5h://...' (SOCKS5; the proxy
   * resolves the name); null (the default) connects directly. Reads back with
   * the password replaced by "xxxxx". TLS and every certificate check run end
   * to end with the connect host. Proxy failures are the connect's ioError
   * (status "unknown", detail naming the proxy). ALL_PROXY/HTTPS_PROXY are
   * never read. A bad URL: ArgumentError #2004.
   */
  get proxy() {
    return this.#string(api.ss_get_proxy) || null;
  }

  set proxy(url) {
    const buf = Buffer.from(url === null || url === undefined ? '' : String(url), 'utf8');
    const rc = api.ss_set_proxy(this.#h, buf, buf.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  // ---- typed reads (AS3 IDataInput) -----------------------------------------
  // Each throws EOFError #2030 (consuming nothing) if too little input is
  // buffered, IOError #2002 if the socket is not open.

  /** One byte; non-zero is true. @returns {boolean} */
  readBoolean() {
    const rc = api.ss_read_boolean(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0] !== 0;
  }

  /** A signed byte. @returns {number} */
  readByte() {
    const rc = api.ss_read_byte(this.#h, sI8);
    if (rc !== 0) fail(this.#h, rc);
    return sI8[0];
  }

  /** An unsigned byte. @returns {number} */
  readUnsignedByte() {
    const rc = api.ss_read_unsigned_byte(this.#h, sU8);
    if (rc !== 0) fail(this.#h, rc);
    return sU8[0];
  }

  /** A signed 16-bit integer. @returns {number} */
  readShort() {
    const rc = api.ss_read_short(this.#h, sI16);
    if (rc !== 0) fail(this.#h, rc);
    return sI16[0];
  }

  /** An unsigned 16-bit integer. @returns {number} */
  readUnsignedShort() {
    const rc = api.ss_read_unsigned_short(this.#h, sU16);
    if (rc !== 0) fail(this.#h, rc);
    return sU16[0];
  }

  /** A signed 32-bit integer. @returns {number} */
  readInt() {
    const rc = api.ss_read_int(this.#h, sI32);
    if (rc !== 0) fail(this.#h, rc);
    return sI32[0];
  }

  /** An unsigned 32-bit integer. @returns {number} */
  readUnsignedInt() {
    const rc = api.ss_read_unsigned_int(this.#h, sU32);
    if (rc !== 0) fail(this.#h, rc);
    return sU32[0];
  }

  /** An IEEE-754 single, widened as AS3 does (76.65f reads as 76.6500015258789). @returns {number} */
  readFloat() {
    const rc = api.ss_read_float(this.#h, sF64);
    if (rc !== 0) fail(this.#h, rc);
    return sF64[0];
  }

  /** An IEEE-754 double. @returns {number} */
  readDouble() {
    const rc = api.ss_read_double(this.#h, sF64);
    if (rc !== 0) fail(this.#h, rc);
    return sF64[0];
  }

  /**
   * Two forms, told apart by the first argument:
   *
   * readBytes(bytes, offset = 0, length = 0): AS3's readBytes for ported
   * code. length bytes (0: every byte available) go to bytes[offset...],
   * read straight into it. A Buffer or TypedArray cannot grow as an AS3
   * ByteArray does, so bytes that do not fit are RangeError #2006 (as is an
   * offset past the end) and nothing is consumed. EOFError #2030 if fewer
   * than length bytes are available, IOError #2002 if not open.
   *
   * readBytes(length = 0): length bytes (0: all available) as a new Buffer.
   *
   * @param {Buffer|Uint8Array|ArrayBufferView|ArrayBuffer|number} [bytes]
   * @param {number} [offset=0]
   * @param {number} [length=0]
   * @returns {Buffer|undefined} the new Buffer of the second form
   */
  readBytes(bytes, offset = 0, length = 0) {
    if (typeof bytes === 'number' || bytes === undefined) return this.#readNewBytes(bytes === undefined ? 0 : bytes);
    const h = this.#h;
    const u8 = bytesOf(bytes, 'bytes');
    offset >>>= 0;
    length >>>= 0;
    if (u8 === null) {
      // NULL with a capacity: the library's TypeError #2007.
      const rc = api.ss_read_bytes(h, null, 1, length, sLen);
      if (rc !== 0) fail(h, rc);
      return undefined;
    }
    if (offset > u8.length) throw errorFor(-2006, 'offset exceeds the buffer');
    const dst = u8.subarray(offset);
    if (length === 0) {
      // Every byte available, as AS3 reads; one that does not fit is #2006.
      const rc = api.ss_get_bytes_available(h, sU64);
      if (rc !== 0) fail(h, rc);
      length = Number(sU64[0]);
      if (length > dst.length) throw errorFor(-2006, 'the available bytes exceed the buffer');
      // length 0 still reaches the library: a socket that is not open is #2002.
    }
    const rc = api.ss_read_bytes(h, dst, dst.length, length, sLen);
    if (rc !== 0) fail(h, rc);
    return undefined;
  }

  /** readBytes(length): a new Buffer, read straight into it. */
  #readNewBytes(length) {
    const h = this.#h;
    length >>>= 0;
    let rc = api.ss_get_bytes_available(h, sU64);
    if (rc !== 0) fail(h, rc);
    const avail = Number(sU64[0]);
    if (length > avail || (length === 0 && avail === 0)) {
      // Cannot succeed now, or nothing to read: the library's own read
      // reports it (#2002, #2030) without a Buffer of `length` bytes, or
      // returns an empty one.
      rc = api.ss_read_bytes_alloc(h, length, sPtr, sLen);
      if (rc !== 0) fail(h, rc);
      return takeBytes();
    }
    const cap = length || avail;
    const out = Buffer.allocUnsafe(cap);
    rc = api.ss_read_bytes(h, out, cap, length, sLen);
    if (rc !== 0) fail(h, rc);
    const n = Number(sLen[0]);
    return n === cap ? out : out.subarray(0, n);
  }

  /**
   * AS3 readBytes(bytes, offset, length) into an existing buffer, without an
   * extra copy: length bytes (0: all available that fit) go to
   * buffer[offset...]. RangeError #2006 if they do not fit.
   * @param {Buffer|Uint8Array|ArrayBufferView} buffer
   * @param {number} [offset=0]
   * @param {number} [length=0]
   * @returns {number} the number of bytes read
   */
  readBytesInto(buffer, offset = 0, length = 0) {
    const h = this.#h;
    const u8 = bytesOf(buffer, 'buffer');
    offset >>>= 0;
    length >>>= 0;
    let dst = u8;
    if (u8 !== null && offset !== 0) {
      if (offset > u8.length) throw errorFor(-2006, 'offset exceeds the buffer');
      dst = u8.subarray(offset);
    }
    // A null buffer crosses as NULL with a capacity: the library's #2007.
    const rc = api.ss_read_bytes(h, dst, dst === null ? 1 : dst.length, length, sLen);
    if (rc !== 0) fail(h, rc);
    return Number(sLen[0]);
  }

  /** A 16-bit length (socket endian), then that much UTF-8. @returns {string} */
  readUTF() {
    const rc = api.ss_read_utf(this.#h, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return takeString();
  }

  /**
   * length bytes of UTF-8, decoded as AS3 does (BOM skipped, ends at NUL with
   * all length bytes consumed, bad bytes kept as U+0080..U+00FF).
   * @param {number} length
   * @returns {string}
   */
  readUTFBytes(length) {
    const rc = api.ss_read_utf_bytes(this.#h, length >>> 0, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return takeString();
  }

  /**
   * length bytes in the named charset (AS3 names and aliases; unknown names
   * read as UTF-8).
   * @param {number} length
   * @param {string} charSet
   * @returns {string}
   */
  readMultiByte(length, charSet) {
    const rc = api.ss_read_multi_byte(this.#h, length >>> 0, name(charSet), NTS, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return takeString();
  }

  // ---- typed writes (AS3 IDataOutput) ---------------------------------------
  // Writes append to the output buffer; flush() sends. IOError #2002 if the
  // socket is not open. Numbers are coerced as AS3 coerces int/uint/Number.

  /** @param {boolean} value */
  writeBoolean(value) {
    const rc = api.ss_write_boolean(this.#h, value ? 1 : 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** The low 8 bits of value. @param {number} value */
  writeByte(value) {
    const rc = api.ss_write_byte(this.#h, value | 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** The low 16 bits of value. @param {number} value */
  writeShort(value) {
    const rc = api.ss_write_short(this.#h, value | 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** A signed 32-bit integer. @param {number} value */
  writeInt(value) {
    const rc = api.ss_write_int(this.#h, value | 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** An unsigned 32-bit integer. @param {number} value */
  writeUnsignedInt(value) {
    const rc = api.ss_write_unsigned_int(this.#h, value >>> 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** value rounded to an IEEE-754 single. @param {number} value */
  writeFloat(value) {
    const rc = api.ss_write_float(this.#h, +value);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** An IEEE-754 double. @param {number} value */
  writeDouble(value) {
    const rc = api.ss_write_double(this.#h, +value);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * AS3 writeBytes: bytes[offset, offset+length) (length 0: to the end),
   * passed to the library without a copy. RangeError #2006 out of bounds.
   * @param {Buffer|Uint8Array|ArrayBufferView|ArrayBuffer} bytes
   * @param {number} [offset=0]
   * @param {number} [length=0]
   */
  writeBytes(bytes, offset = 0, length = 0) {
    const b = bytesOf(bytes, 'bytes');
    // A null buffer crosses as NULL with a size: the library's #2007.
    const rc = api.ss_write_bytes(this.#h, b, b === null ? 1 : b.length, offset >>> 0, length >>> 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * A 16-bit byte length (socket endian), then the UTF-8 of value; over 65535
   * bytes is RangeError #2006, writing nothing.
   * @param {string} value
   */
  writeUTF(value) {
    const b = utf8(value);
    const rc = api.ss_write_utf(this.#h, b, b === null ? NTS : b.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** The UTF-8 of value, without length or terminator. @param {string} value */
  writeUTFBytes(value) {
    const b = utf8(value);
    const rc = api.ss_write_utf_bytes(this.#h, b, b === null ? NTS : b.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * value in the named charset (unknown names write UTF-8; characters the
   * charset lacks become its replacement character).
   * @param {string} value
   * @param {string} charSet
   */
  writeMultiByte(value, charSet) {
    const b = utf8(value);
    const rc = api.ss_write_multi_byte(this.#h, b, b === null ? NTS : b.length, name(charSet), NTS);
    if (rc !== 0) fail(this.#h, rc);
  }

  // ---- objects (AMF) ---------------------------------------------------------
  // The library decodes and encodes AMF (objectEncoding 3 or 0); values cross
  // as tagged JSON, which lib/amf.js turns into JS values and back.

  /**
   * AS3 readObject: the next AMF value, as a JS value (see lib/amf.js for
   * the types). EOFError #2030 if it has not fully arrived (nothing is
   * consumed: call again on the next socketData), RangeError #2006 for
   * malformed input (nothing consumed either).
   * @returns {any}
   */
  readObject() {
    const rc = api.ss_read_object(this.#h, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return amf.fromJSON(takeString());
  }

  /**
   * AS3 writeObject: value encoded as AMF into the output buffer (send it
   * with flush()). A value of no AMF type (a function, a Symbol, a BigInt, an
   * instance of another class) throws a TypeError before anything is
   * written; ArgumentError #2004 for what the library refuses (a Vector item
   * out of range, a bad message field), also writing nothing.
   * @param {any} value
   */
  writeObject(value) {
    const json = Buffer.from(amf.toJSON(value), 'utf8');
    const rc = api.ss_write_object(this.#h, json, json.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  // ---- trust -----------------------------------------------------------------
  // Ways to trust more, none of which can accept a certificate that fails its
  // checks. They apply from the next connect().

  /**
   * AS3 addBinaryChainBuildingCertificate: a DER certificate for chain
   * building, a trust anchor if trusted, else an intermediate.
   * @param {Buffer|Uint8Array} certificate DER
   * @param {boolean} trusted
   */
  addBinaryChainBuildingCertificate(certificate, trusted) {
    const b = bytesOf(certificate, 'certificate');
    const rc = api.ss_add_binary_chain_building_certificate(this.#h, b, b === null ? 0 : b.length, trusted ? 1 : 0);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * Pins a SubjectPublicKeyInfo SHA-256 (32 bytes; see SecureSocket.publicKeyPin):
   * once any pin is set the verified chain must hold a pinned key.
   * @param {Buffer|Uint8Array} sha256
   */
  addPublicKeyPin(sha256) {
    const b = bytesOf(sha256, 'sha256');
    const rc = api.ss_add_public_key_pin(this.#h, b, b === null ? 0 : b.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** Removes every pin. */
  clearPublicKeyPins() {
    const rc = api.ss_clear_public_key_pins(this.#h);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * A client certificate (chain) and its private key for servers that ask
   * for one: PEM or DER; PKCS#8, PKCS#1 or SEC 1; encrypted with password.
   * @param {Buffer|Uint8Array|string} certificate
   * @param {Buffer|Uint8Array|string} key
   * @param {string} [password]
   */
  setClientCertificate(certificate, key, password) {
    const c = typeof certificate === 'string' ? Buffer.from(certificate) : bytesOf(certificate, 'certificate');
    const k = typeof key === 'string' ? Buffer.from(key) : bytesOf(key, 'key');
    const p = password === undefined || password === null ? null : Buffer.from(String(password), 'utf8');
    const rc = api.ss_set_client_certificate(this.#h, c, c === null ? 0 : c.length, k, k === null ? 0 : k.length,
      p, p === null ? 0 : p.length);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** Stops presenting a client certificate. */
  clearClientCertificate() {
    const rc = api.ss_clear_client_certificate(this.#h);
    if (rc !== 0) fail(this.#h, rc);
  }

  /**
   * Revocation checking: RevocationMode.SOFT_FAIL (default), HARD_FAIL, STAPLE_ONLY or OFF.
   * In every mode but OFF, a certificate with the OCSP must-staple extension
   * (RFC 7633) is refused (status "invalid") without a valid stapled response
   * (a server certificate added as a trust anchor is exempt).
   */
  get revocationMode() {
    const rc = api.ss_get_revocation_mode(this.#h, sStr);
    if (rc !== 0) fail(this.#h, rc);
    return sStr[0];
  }

  set revocationMode(v) {
    const rc = api.ss_set_revocation_mode(this.#h, name(v), NTS);
    if (rc !== 0) fail(this.#h, rc);
  }

  /** How the last connect's revocation check came out (a RevocationStatus value). */
  get revocationStatus() {
    const rc = api.ss_get_revocation_status(this.#h, sStr);
    if (rc !== 0) fail(this.#h, rc);
    return sStr[0];
  }

  /** Where the last revocation verdict came from, in words. */
  get revocationDetail() { return this.#string(api.ss_get_revocation_detail); }

  /**
   * The verified chain of the last successful connect, server first, as AS3
   * X509Certificate records (dates as Date, binary fields as Buffer); [] if none.
   * @returns {object[]}
   */
  get serverCertificateChain() {
    return JSON.parse(this.#string(api.ss_get_server_certificate_chain)).map(certificateOf);
  }

  /** The server's certificate (AS3 serverCertificate), or null before a successful connect. */
  get serverCertificate() {
    const chain = this.serverCertificateChain;
    return chain.length > 0 ? chain[0] : null;
  }

  /**
   * Everything the socket knows about its last connect, as securesocket-probe
   * prints it (the library builds it): one line of JSON with stable field
   * names (outcome, exitCode, status, detail, tlsVersion, cipherSuite,
   * remoteAddress, remotePort, revocation, chain; see ss_describe_connection
   * in securesocket.h) or, with text true, the same facts for people.
   * @param {boolean} [text=false]
   * @returns {string}
   */
  describeConnection(text = false) {
    const rc = api.ss_describe_connection(this.#h, text ? 1 : 0, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return takeString();
  }

  /**
   * The DER of certificate index of the verified chain (0: the server's).
   * @param {number} [index=0]
   * @returns {Buffer}
   */
  serverCertificateDER(index = 0) {
    // Not wrapped as AS3 uint arguments are: 2 ** 32 would become 0, the leaf.
    if (!Number.isSafeInteger(index) || index < 0 || index > 0xffffffff) {
      throw errorFor(-2006, `index ${index}`);
    }
    const rc = api.ss_get_server_certificate_der(this.#h, index, sPtr, sLen);
    if (rc !== 0) fail(this.#h, rc);
    return takeBytes();
  }
}

/** AS3 flash.security.CertificateStatus. */
const CertificateStatus = Object.freeze({
  TRUSTED: 'trusted',
  UNKNOWN: 'unknown',
  EXPIRED: 'expired',
  NOT_YET_VALID: 'notYetValid',
  INVALID: 'invalid',
  INVALID_CHAIN: 'invalidChain',
  PRINCIPAL_MISMATCH: 'principalMismatch',
  REVOKED: 'revoked',
  UNTRUSTED_SIGNERS: 'untrustedSigners',
});

/** AS3 flash.utils.Endian. */
const Endian = Object.freeze({ BIG_ENDIAN: 'bigEndian', LITTLE_ENDIAN: 'littleEndian' });

/** AS3 flash.net.ObjectEncoding. */
const ObjectEncoding = Object.freeze({ AMF0: 0, AMF3: 3, DEFAULT: 3 });

/** TLS protocol numbers for minTLSVersion. */
const TLSVersion = Object.freeze({ TLS1_0: 0x0301, TLS1_1: 0x0302, TLS1_2: 0x0303, TLS1_3: 0x0304 });

/** Revocation modes for revocationMode. */
const RevocationMode = Object.freeze({
  SOFT_FAIL: 'softFail', HARD_FAIL: 'hardFail', STAPLE_ONLY: 'stapleOnly', OFF: 'off',
});

/** AS3's flash.net.SecureSocket: a Socket that is TLS from the start. */
class SecureSocket extends Socket {}

/** Results of revocationStatus. */
const RevocationStatus = Object.freeze({
  GOOD: 'good', REVOKED: 'revoked', UNKNOWN: 'unknown', NOT_CHECKED: 'notChecked',
});

module.exports = {
  Socket,
  SecureSocket,
  Event: events.Event,
  ProgressEvent: events.ProgressEvent,
  ErrorEvent: events.ErrorEvent,
  IOErrorEvent: events.IOErrorEvent,
  SecurityErrorEvent: events.SecurityErrorEvent,
  OutputProgressEvent: events.OutputProgressEvent,
  EventPhase: events.EventPhase,
  EventDispatcher: events.EventDispatcher,
  CertificateStatus,
  Endian,
  ObjectEncoding,
  TLSVersion,
  RevocationMode,
  RevocationStatus,
  SecureSocketError: errors.SecureSocketError,
  IOError: errors.IOError,
  EOFError: errors.EOFError,
  ArgumentError: errors.ArgumentError,
  SecurityError: errors.SecurityError,
  IllegalOperationError: errors.IllegalOperationError,
  RangeError: errors.RangeError,
  TypeError: errors.TypeError,
  XML: amf.XML,
  TypedObject: amf.TypedObject,
  ECMAArray: amf.ECMAArray,
  Vector: amf.Vector,
  Dictionary: amf.Dictionary,
  ArrayCollection: amf.ArrayCollection,
  ArrayList: amf.ArrayList,
  ObjectProxy: amf.ObjectProxy,
  SmallMessage: amf.SmallMessage,
};
