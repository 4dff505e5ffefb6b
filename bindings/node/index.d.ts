// Type declarations for securesocket: ActionScript 3's flash.net.SecureSocket
// for Node.js over libsecuresocket (include/securesocket.h). index.js holds
// the implementation and the same documentation.

import { EventEmitter } from 'node:events';

/** AS3 flash.events.EventPhase. */
export declare const EventPhase: Readonly<{ CAPTURING_PHASE: 1; AT_TARGET: 2; BUBBLING_PHASE: 3 }>;

/** AS3 flash.events.Event: the base of every event. */
export declare class Event {
  /** "connect": the TLS handshake and the certificate checks passed. */
  static readonly CONNECT: 'connect';
  /** "close": the server closed the connection (never sent for close()). */
  static readonly CLOSE: 'close';
  constructor(type: string, bubbles?: boolean, cancelable?: boolean);
  /** The event type string ("connect", "socketData", ...). */
  readonly type: string;
  /** Whether the event bubbles (never, for socket events). */
  readonly bubbles: boolean;
  /** Whether preventDefault() has an effect. */
  readonly cancelable: boolean;
  /** The dispatcher the event was dispatched on (the socket); null before dispatch. */
  readonly target: EventDispatcher | null;
  /** The dispatcher whose listeners run now (always the target here). */
  readonly currentTarget: EventDispatcher | null;
  /** EventPhase.AT_TARGET while dispatched, 0 before. */
  readonly eventPhase: number;
  /** A copy of the event that can be dispatched again. */
  clone(): Event;
  /** Cancels the default behaviour of a cancelable event. */
  preventDefault(): void;
  /** True if preventDefault() was called on a cancelable event. */
  isDefaultPrevented(): boolean;
  /** Stops the event from reaching other dispatchers (no effect on a single target). */
  stopPropagation(): void;
  /** Stops the listeners after the current one from running, on both faces. */
  stopImmediatePropagation(): void;
  /** AS3 formatToString: "[ClassName type="..." field=value ...]". */
  formatToString(className: string, ...fields: string[]): string;
  toString(): string;
}

/** AS3 flash.events.ProgressEvent; socketData uses bytesLoaded, bytesTotal is 0. */
export declare class ProgressEvent extends Event {
  /** "socketData": input arrived (several arrivals may merge into one event). */
  static readonly SOCKET_DATA: 'socketData';
  /** "progress" (AS3 constant; not sent by sockets). */
  static readonly PROGRESS: 'progress';
  constructor(type: string, bubbles?: boolean, cancelable?: boolean, bytesLoaded?: number, bytesTotal?: number);
  /** socketData: bytes that arrived since the previous socketData event. */
  readonly bytesLoaded: number;
  /** 0 for socketData. */
  readonly bytesTotal: number;
  clone(): ProgressEvent;
}

/** AS3 flash.events.ErrorEvent: an event with a text and an errorID. */
export declare class ErrorEvent extends Event {
  /** "error" (AS3 constant; not sent by sockets). */
  static readonly ERROR: 'error';
  constructor(type: string, bubbles?: boolean, cancelable?: boolean, text?: string, errorID?: number, detail?: string);
  /** AS3 text, e.g. "Error #2031: Socket Error. URL: example.net". */
  readonly text: string;
  /** AS3 error id: 2031 for ioError, 2048 for securityError. */
  readonly errorID: number;
  /** Why, in words: "connection refused", "timed out", the certificate problem. */
  readonly detail: string;
  clone(): ErrorEvent;
}

/** AS3 flash.events.IOErrorEvent: connect failed, or the connection broke. */
export declare class IOErrorEvent extends ErrorEvent {
  /** "ioError". */
  static readonly IO_ERROR: 'ioError';
}

/** AS3 flash.events.SecurityErrorEvent. */
export declare class SecurityErrorEvent extends ErrorEvent {
  /** "securityError". */
  static readonly SECURITY_ERROR: 'securityError';
}

/** AS3 flash.events.OutputProgressEvent: flushed bytes moved to the network. */
export declare class OutputProgressEvent extends Event {
  /** "outputProgress". */
  static readonly OUTPUT_PROGRESS: 'outputProgress';
  constructor(type: string, bubbles?: boolean, cancelable?: boolean, bytesPending?: number, bytesTotal?: number);
  /** Flushed bytes not yet sent. */
  readonly bytesPending: number;
  /** Sent plus pending. */
  readonly bytesTotal: number;
  clone(): OutputProgressEvent;
}

/** Event type -> event class, for typed listeners. */
export interface SecureSocketEventMap {
  connect: Event;
  close: Event;
  socketData: ProgressEvent;
  ioError: IOErrorEvent;
  securityError: SecurityErrorEvent;
  outputProgress: OutputProgressEvent;
}

/**
 * AS3 flash.events.EventDispatcher and a Node EventEmitter in one object.
 * dispatchEvent() runs the AS3 listeners first (highest priority first, then
 * in the order added), then the EventEmitter listeners with the same event
 * object. No type is special: an "ioError" without listeners is ignored.
 */
export declare class EventDispatcher extends EventEmitter {
  /**
   * AS3 addEventListener. Adding the same listener again for the same type and
   * phase does nothing. Capture listeners never run on a socket, as in AS3.
   * useWeakReference is accepted for compatibility; references are strong.
   */
  addEventListener<K extends keyof SecureSocketEventMap>(type: K, listener: (event: SecureSocketEventMap[K]) => void,
    useCapture?: boolean, priority?: number, useWeakReference?: boolean): void;
  addEventListener(type: string, listener: (event: Event) => void, useCapture?: boolean, priority?: number,
    useWeakReference?: boolean): void;
  /** AS3 removeEventListener: removes the listener added for this type and phase. */
  removeEventListener(type: string, listener: (event: any) => void, useCapture?: boolean): void;
  /** True if any listener (either face) is registered for type. */
  hasEventListener(type: string): boolean;
  /** The same as hasEventListener for a dispatcher without parents. */
  willTrigger(type: string): boolean;
  /** Runs the listeners of event.type on both faces; false if a listener prevented a cancelable event. */
  dispatchEvent(event: Event): boolean;

  on<K extends keyof SecureSocketEventMap>(type: K, listener: (event: SecureSocketEventMap[K]) => void): this;
  on(type: string | symbol, listener: (...args: any[]) => void): this;
  once<K extends keyof SecureSocketEventMap>(type: K, listener: (event: SecureSocketEventMap[K]) => void): this;
  once(type: string | symbol, listener: (...args: any[]) => void): this;
  off<K extends keyof SecureSocketEventMap>(type: K, listener: (event: SecureSocketEventMap[K]) => void): this;
  off(type: string | symbol, listener: (...args: any[]) => void): this;
}

/** An AS3 X509Certificate of the verified chain (serverCertificate / serverCertificateChain). */
export interface X509Certificate {
  version: number;
  /** Hex. */
  serialNumber: string;
  signatureAlgorithmOID: string;
  signatureAlgorithmParams: Buffer | null;
  issuer: X500DistinguishedName;
  subject: X500DistinguishedName;
  issuerUniqueID: string;
  subjectUniqueID: string;
  /** Hex. */
  subjectPublicKey: string;
  subjectPublicKeyAlgorithmOID: string;
  validNotBefore: Date;
  validNotAfter: Date;
  /** The DER. */
  encoded: Buffer;
}

/** AS3 X500DistinguishedName. */
export interface X500DistinguishedName {
  commonName: string;
  countryName: string;
  localityName: string;
  organizationName: string;
  organizationalUnitName: string;
  stateOrProvinceName: string;
  dn: string;
}

/**
 * AS3 flash.net.SecureSocket: a TLS client that connects only to servers
 * whose certificate is valid and trusted for the host name, says why it
 * refused one (serverCertificateStatus), and reads and writes typed values as
 * the AS3 runtime does.
 *
 * Events, in order: "connect" or "ioError" once per connect(); then
 * "socketData" as input arrives and "outputProgress" as flushed bytes leave;
 * "close" when the server closes (preceded by "ioError" if the connection
 * broke). close() sends no event.
 */
/** AS3 flash.net.Socket: plain TCP until startTLS(); the base of SecureSocket, which has all of its API. */
export declare class Socket extends EventDispatcher implements Disposable {
  /** True if secure sockets work on this system (false also when the library is missing). */
  static readonly isSupported: boolean;
  /** The library's version string, e.g. "0.1.0". */
  static readonly libraryVersion: string;
  /** SHA-256 of the SubjectPublicKeyInfo of a DER certificate: the value for addPublicKeyPin(). */
  static publicKeyPin(der: Uint8Array): Buffer;

  /** An unconnected socket: endian "bigEndian", objectEncoding 3, timeout 20000 ms, status "unknown". */
  constructor();

  /**
   * Starts connecting over TLS and returns at once; "connect" or "ioError"
   * follows. SecurityError #2003 (thrown) for a port outside 0..65535 after
   * AS3's int conversion (ToInt32); TypeError #1009 for a null host, as AIR.
   */
  connect(host: string | null | undefined, port: number): void;
  /**
   * connect() as a Promise: resolves with the socket on "connect"; rejects with
   * an IOError carrying errorID 2031, detail and status on "ioError", or with
   * code 'ERR_SS_ABORTED' if close(), destroy() or another connect() ends it.
   */
  connectAsync(host: string, port: number): Promise<this>;
  /** STARTTLS: upgrade a connected plain Socket to TLS for host with SecureSocket's verification; "connect" (again) or "ioError" follows. */
  startTLS(host: string): void;
  /** startTLS() as a Promise of the socket, rejected as connectAsync() is. */
  startTLSAsync(host: string): Promise<this>;
  /** True while the live connection is TLS. */
  readonly secure: boolean;
  /** Closes: flushed bytes are delivered, unflushed ones discarded; no "close" event. */
  close(): void;
  /** Hands every written byte to the connection. */
  flush(): void;
  /** Closes and frees the native handle now; later calls throw code 'ERR_SS_HANDLE'. Idempotent. */
  destroy(): void;
  /** destroy(), for `using`. */
  [Symbol.dispose](): void;

  /** True while connected. */
  readonly connected: boolean;
  /** Unread input bytes. */
  readonly bytesAvailable: number;
  /** Written bytes not yet handed to the network; IOError #2002 before the first connect, as AIR. */
  readonly bytesPending: number;
  /** "bigEndian" (default) or "littleEndian". */
  endian: string;
  /** 3 (default) or 0. */
  objectEncoding: number;
  /** Connect timeout in ms (default 20000, minimum 250). */
  timeout: number;
  /** Local IP address (null when not connected, as AS3). */
  readonly localAddress: string | null;
  /** Local port (0 when not connected). */
  readonly localPort: number;
  /** Remote IP address (null when not connected, as AS3). */
  readonly remoteAddress: string | null;
  /** Remote port (0 when not connected). */
  readonly remotePort: number;
  /** A CertificateStatus value: "unknown" until a certificate was judged. */
  readonly serverCertificateStatus: string;
  /** Why the last connect or connection failed: the detail of the last ioError ("" after a successful connect until then). */
  readonly failureDetail: string;
  /** Unread input at which reading pauses (default 16 MiB, minimum 1024). */
  inputLimit: number;
  /** Lowest TLS version of the next connect (a TLSVersion value). */
  minTLSVersion: number;
  /** Negotiated version ("TLSv1.3") while connected, else "". */
  readonly tlsVersion: string;
  /** TLS session resumption for the next connects (default true). */
  sessionCache: boolean;
  /** True if the last successful connect resumed a TLS session. */
  readonly sessionResumed: boolean;
  /** ALPN protocols the next connect offers, in order of preference ([] = none). Names: non-empty, no comma, at most 255 bytes. */
  alpnProtocols: string[];
  /** The protocol the server chose by ALPN while connected, else null. */
  readonly negotiatedProtocol: string | null;
  /** Name to send as SNI and verify the certificate against instead of the connect host; null = the connect host. */
  serverName: string | null;
  /** Negotiated cipher suite's IANA name while connected, else "". */
  readonly cipherSuite: string;
  /** TCP_NODELAY (default true; AIR's default is false). Applies to the live connection at once. */
  tcpNoDelay: boolean;
  /** OS handle (fd / SOCKET) of the live connection, -1 if none: for getsockopt/setsockopt only, never close it. */
  readonly nativeHandle: number;
  /** Proxy URL of the next connects ('http://', 'socks5://', 'socks5h://', with optional user:password@), null = direct. Reads back with the password as "xxxxx". */
  proxy: string | null;

  readBoolean(): boolean;
  readByte(): number;
  readUnsignedByte(): number;
  readShort(): number;
  readUnsignedShort(): number;
  readInt(): number;
  readUnsignedInt(): number;
  /** An IEEE-754 single widened as AS3 does (76.65f reads as 76.6500015258789). */
  readFloat(): number;
  readDouble(): number;
  /**
   * AS3 readBytes(bytes, offset, length): length bytes (0: every byte
   * available) into bytes[offset...]; a buffer that cannot hold them is
   * RangeError #2006 (nothing consumed), fewer available is EOFError #2030.
   */
  readBytes(bytes: ArrayBufferView | ArrayBuffer, offset?: number, length?: number): void;
  /** length bytes as a new Buffer; 0 (default) means all available. */
  readBytes(length?: number): Buffer;
  /** length bytes (0: all available that fit) into buffer[offset...] without an extra copy; returns the count. */
  readBytesInto(buffer: ArrayBufferView, offset?: number, length?: number): number;
  /** A 16-bit length (socket endian), then that much UTF-8. */
  readUTF(): string;
  /** length bytes of UTF-8, decoded as AS3 does (BOM skipped, ends at NUL). */
  readUTFBytes(length: number): string;
  /** length bytes in the named charset (unknown names read as UTF-8). */
  readMultiByte(length: number, charSet: string): string;

  writeBoolean(value: boolean): void;
  /** The low 8 bits. */
  writeByte(value: number): void;
  /** The low 16 bits. */
  writeShort(value: number): void;
  writeInt(value: number): void;
  writeUnsignedInt(value: number): void;
  writeFloat(value: number): void;
  writeDouble(value: number): void;
  /** bytes[offset, offset+length) (length 0: to the end), without a copy. */
  writeBytes(bytes: ArrayBufferView | ArrayBuffer, offset?: number, length?: number): void;
  /** A 16-bit byte length, then the UTF-8; over 65535 bytes is RangeError #2006. */
  writeUTF(value: string): void;
  writeUTFBytes(value: string): void;
  writeMultiByte(value: string, charSet: string): void;

  /**
   * AS3 readObject: the next AMF value (objectEncoding 3 or 0) as a JS value ({@link AMFValue}).
   * EOFError #2030 if it has not fully arrived, RangeError #2006 if malformed; nothing is consumed then.
   */
  readObject(): any;
  /**
   * AS3 writeObject: value as AMF into the output buffer (flush() sends it). A TypeError (code
   * 'ERR_SS_UNENCODABLE') for a value of no AMF type (a function, a Symbol, a BigInt, an instance of
   * another class), ArgumentError #2004 for what the library refuses; nothing is written then.
   */
  writeObject(value: AMFValue): void;

  /** AS3 addBinaryChainBuildingCertificate: a trust anchor if trusted, else an intermediate. */
  addBinaryChainBuildingCertificate(certificate: Uint8Array, trusted: boolean): void;
  /** Pins a SubjectPublicKeyInfo SHA-256 (32 bytes). */
  addPublicKeyPin(sha256: Uint8Array): void;
  clearPublicKeyPins(): void;
  /** A client certificate (chain) and key, PEM or DER, optionally encrypted with password. */
  setClientCertificate(certificate: Uint8Array | string, key: Uint8Array | string, password?: string): void;
  clearClientCertificate(): void;
  /** A RevocationMode value. */
  revocationMode: string;
  /** A RevocationStatus value. */
  readonly revocationStatus: string;
  readonly revocationDetail: string;
  /** The verified chain of the last successful connect, server first; [] if none. */
  readonly serverCertificateChain: X509Certificate[];
  /** The server's certificate, or null. */
  readonly serverCertificate: X509Certificate | null;
  /** The DER of certificate index (0: the server's) of the verified chain. */
  serverCertificateDER(index?: number): Buffer;
  /**
   * Everything the socket knows about its last connect, as securesocket-probe
   * prints it: one line of JSON (outcome, exitCode, status, detail, tlsVersion,
   * cipherSuite, remoteAddress, remotePort, revocation, chain), or text for people.
   */
  describeConnection(text?: boolean): string;
}

/** AS3 flash.net.SecureSocket: a Socket that is TLS from the start. */
export declare class SecureSocket extends Socket {}

/** AS3 flash.security.CertificateStatus. */
export declare const CertificateStatus: Readonly<{
  TRUSTED: 'trusted';
  UNKNOWN: 'unknown';
  EXPIRED: 'expired';
  NOT_YET_VALID: 'notYetValid';
  INVALID: 'invalid';
  INVALID_CHAIN: 'invalidChain';
  PRINCIPAL_MISMATCH: 'principalMismatch';
  REVOKED: 'revoked';
  UNTRUSTED_SIGNERS: 'untrustedSigners';
}>;

/** AS3 flash.utils.Endian. */
export declare const Endian: Readonly<{ BIG_ENDIAN: 'bigEndian'; LITTLE_ENDIAN: 'littleEndian' }>;

/** AS3 flash.net.ObjectEncoding. */
export declare const ObjectEncoding: Readonly<{ AMF0: 0; AMF3: 3; DEFAULT: 3 }>;

/** TLS protocol numbers for minTLSVersion. */
export declare const TLSVersion: Readonly<{ TLS1_0: 0x0301; TLS1_1: 0x0302; TLS1_2: 0x0303; TLS1_3: 0x0304 }>;

/** Revocation modes. */
export declare const RevocationMode: Readonly<{
  SOFT_FAIL: 'softFail'; HARD_FAIL: 'hardFail'; STAPLE_ONLY: 'stapleOnly'; OFF: 'off';
}>;

/** Revocation results. */
export declare const RevocationStatus: Readonly<{
  GOOD: 'good'; REVOKED: 'revoked'; UNKNOWN: 'unknown'; NOT_CHECKED: 'notChecked';
}>;

/** Fields every error of this package carries. */
interface SecureSocketErrorFields {
  /** AS3 error id (2030, 2002, ...); 0 when the failure has none. */
  errorID: number;
  /**
   * Stable code: ERR_SS_HANDLE, ERR_SS_PANIC, ERR_SS_NOMEM, ERR_SS_FORKED,
   * ERR_SS_INTERNAL, ERR_SS_UNSUPPORTED, ERR_SS_ABORTED, ERR_SS_NULL_OBJECT,
   * ERR_SS_INVALID_SOCKET, ERR_SS_BAD_PORT, ERR_SS_BAD_PARAM, ERR_SS_RANGE,
   * ERR_SS_NULL, ERR_SS_BAD_ENUM, ERR_SS_EOF, ERR_SS_SOCKET (connectAsync),
   * ERR_SS_SECURITY (connectAsync).
   */
  code: string;
}

/**
 * The base of every error of this package (RangeError and TypeError, which
 * extend the global ones, are instances through Symbol.hasInstance); used
 * directly for errors without an AS3 class: invalid (freed) handle, internal
 * error, aborted connect, ...
 */
export declare class SecureSocketError extends Error implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
}
/** AS3 IOError: #2002 socket not open, #2031 socket error (connectAsync rejections). */
export declare class IOError extends SecureSocketError implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
  /** connectAsync rejections: why, in words. */
  detail?: string;
  /** connectAsync rejections: serverCertificateStatus after the failure. */
  status?: string;
  /** connectAsync rejections: the ioError event. */
  event?: IOErrorEvent;
}
/** AS3 EOFError (#2030): too little input; nothing was consumed. */
export declare class EOFError extends IOError {}
/** AS3 ArgumentError: #2004, #2008. */
export declare class ArgumentError extends SecureSocketError implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
}
/** AS3 SecurityError: #2003 port out of range, #2048. */
export declare class SecurityError extends SecureSocketError implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
}
/** AS3 IllegalOperationError: new SecureSocket() where secure sockets are not supported. */
export declare class IllegalOperationError extends SecureSocketError implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
}
/** AS3 RangeError (#2006); an instance of the global RangeError too. */
declare class SSRangeError extends globalThis.RangeError implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
}
/** AS3 TypeError (#2007, #1009); an instance of the global TypeError too. */
declare class SSTypeError extends globalThis.TypeError implements SecureSocketErrorFields {
  constructor(message: string, errorID: number, code: string);
  errorID: number;
  code: string;
}
export { SSRangeError as RangeError, SSTypeError as TypeError };

/** AS3 XML as its text, never parsed; document: legacy flash.xml.XMLDocument (AMF0 has only that). */
export declare class XML {
  constructor(text?: string, document?: boolean);
  text: string;
  document: boolean;
  toString(): string;
}

/**
 * An AMF object a plain object cannot say: typed (className, e.g. a Java bean), with sealed members, or
 * not dynamic (dynamic null). Names are literal. Written in AMF0 it reads back with every member dynamic.
 */
export declare class TypedObject {
  constructor(className?: string, sealed?: Record<string, AMFValue>, dynamic?: Record<string, AMFValue> | null);
  className: string;
  sealed: Record<string, AMFValue>;
  dynamic: Record<string, AMFValue> | null;
}

/** An AS3 Array with named keys (AMF0 ECMA array): dense is the index part 0..n-1, assoc the named part (and index keys past a hole). */
export declare class ECMAArray {
  constructor(dense?: AMFValue[], assoc?: Record<string, AMFValue>);
  dense: AMFValue[];
  assoc: Record<string, AMFValue>;
}

/**
 * An AS3 Vector. Reads always give a Vector with items an Array; writes also accept Int32Array
 * (Vector.<int>), Uint32Array (Vector.<uint>) and Float64Array (Vector.<Number>).
 */
export declare class Vector<T = AMFValue> {
  constructor(kind: 'int' | 'uint' | 'double' | 'object', items?: T[] | ArrayLike<T>, fixed?: boolean, typeName?: string);
  kind: 'int' | 'uint' | 'double' | 'object';
  items: T[] | ArrayLike<T>;
  fixed: boolean;
  /** Element class of a Vector.<T> ("object" kind only); "" is Vector.<Object>. */
  typeName: string;
  readonly length: number;
}

/** flash.utils.Dictionary: a Map (keys of any type; objects by identity) with the weak-keys flag. Writes accept any Map. */
export declare class Dictionary<K = AMFValue, V = AMFValue> extends Map<K, V> {
  constructor(entries?: Iterable<readonly [K, V]> | null, weak?: boolean);
  weak: boolean;
}

/** flex.messaging.io.ArrayCollection. */
export declare class ArrayCollection {
  constructor(source?: AMFValue);
  source: AMFValue;
}

/** flex.messaging.io.ArrayList. */
export declare class ArrayList {
  constructor(source?: AMFValue);
  source: AMFValue;
}

/** flex.messaging.io.ObjectProxy. */
export declare class ObjectProxy {
  constructor(object?: AMFValue);
  object: AMFValue;
}

/**
 * A BlazeDS small message: className "DSA", "DSK" or "DSC"; fields by their core/amf/JSON.md names
 * (body, clientId, destination, headers, messageId, timestamp, timeToLive, clientIdBytes, messageIdBytes,
 * correlationId, correlationIdBytes, operation, extra). A field null or undefined is not sent.
 */
export declare class SmallMessage {
  constructor(className: 'DSA' | 'DSK' | 'DSC' | string, fields?: Record<string, AMFValue>);
  className: string;
  fields: Record<string, AMFValue>;
}

/**
 * What readObject() returns and writeObject() takes. Numbers: an integer from -2^28 to 2^28-1 is sent as
 * an AMF3 int, any other number as a double. Shared objects and cycles keep their identity both ways.
 * ByteArrays read as Buffer; writes take any Uint8Array or ArrayBuffer.
 */
export type AMFValue =
  | null | undefined | boolean | number | string
  | AMFValue[] | { [name: string]: AMFValue }
  | Date | Buffer | Uint8Array | ArrayBuffer | Int32Array | Uint32Array | Float64Array
  | XML | TypedObject | ECMAArray | Vector | Map<any, any> | ArrayCollection | ArrayList | ObjectProxy | SmallMessage;
