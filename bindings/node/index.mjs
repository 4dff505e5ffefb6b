// The ES module face of the package: `import { SecureSocket, CertificateStatus } from 'securesocket'`.
//
// index.js (CommonJS) is the implementation; Node's CommonJS named-export
// detection cannot see its exports (module.exports is an object literal of
// `name: other.name` entries), so they are listed here, statically. The
// list must equal index.js's exports: test/esm.test.js checks both ways and
// fails naming any export missing here. The default export is the CommonJS
// module object itself, so `import ss from 'securesocket'` works as require does.
import cjs from './index.js';

export default cjs;
export const {
  Socket,
  SecureSocket,
  Event,
  ProgressEvent,
  ErrorEvent,
  IOErrorEvent,
  SecurityErrorEvent,
  OutputProgressEvent,
  EventPhase,
  EventDispatcher,
  CertificateStatus,
  Endian,
  ObjectEncoding,
  TLSVersion,
  RevocationMode,
  RevocationStatus,
  SecureSocketError,
  IOError,
  EOFError,
  ArgumentError,
  SecurityError,
  IllegalOperationError,
  RangeError,
  TypeError,
  XML,
  TypedObject,
  ECMAArray,
  Vector,
  Dictionary,
  ArrayCollection,
  ArrayList,
  ObjectProxy,
  SmallMessage,
} = cjs;
