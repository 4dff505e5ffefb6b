'use strict';
// Errors thrown by SecureSocket: AS3's error classes, each with the AS3
// `errorID` and a stable Node-style `code`. The messages are the library's
// own (ss_error_message, or ss_error_text where no socket records one): no
// AS3 text is written in this binding.
//
// One base, as in Python: every error this binding throws is an instance of
// SecureSocketError. IOError, EOFError, ArgumentError, SecurityError and
// IllegalOperationError extend it; RangeError and TypeError extend the
// global RangeError and TypeError (so `instanceof RangeError` works as a
// Node programmer expects) and are SecureSocketErrors through
// Symbol.hasInstance, as JavaScript has single inheritance.

const kBrand = Symbol('securesocket.error');

/**
 * Base of every error of this binding. Used directly for the failures that
 * have no AS3 class: an invalid (freed) handle, an internal error, out of
 * memory, use in a forked child, an aborted connect.
 */
class SecureSocketError extends Error {
  /**
   * @param {string} message
   * @param {number} errorID AS3 error id, 0 if none
   * @param {string} code stable code, e.g. 'ERR_SS_HANDLE'
   */
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id (2030, 2002, ...), 0 when the failure has none. */
    this.errorID = errorID;
    /** Stable code string, e.g. 'ERR_SS_HANDLE'. */
    this.code = code;
  }

  static [Symbol.hasInstance](value) {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // RangeError and TypeError below carry the brand instead.
    return this === SecureSocketError && value !== null && typeof value === 'object' && value[kBrand] === true;
  }
}
SecureSocketError.prototype.name = 'SecureSocketError';

/** AS3 flash.errors.IOError: #2002 (socket not open), #2031 (socket error). */
class IOError extends SecureSocketError {}
IOError.prototype.name = 'IOError';

/** AS3 flash.errors.EOFError (#2030): too little input; nothing was consumed. */
class EOFError extends IOError {}
EOFError.prototype.name = 'EOFError';

/** AS3 ArgumentError: #2004 bad parameter, #2008 value not in the enumeration. */
class ArgumentError extends SecureSocketError {}
ArgumentError.prototype.name = 'ArgumentError';

/** AS3 SecurityError: #2003 port out of range, #2048 security sandbox. */
class SecurityError extends SecureSocketError {}
SecurityError.prototype.name = 'SecurityError';

/**
 * AS3 flash.errors.IllegalOperationError: `new SecureSocket()` where secure
 * sockets are not supported (SecureSocket.isSupported is false), as the AS3
 * constructor throws.
 */
class IllegalOperationError extends SecureSocketError {}
IllegalOperationError.prototype.name = 'IllegalOperationError';

/** AS3 RangeError (#2006); also an instance of the global RangeError. */
class SSRangeError extends globalThis.RangeError {
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id. */
    this.errorID = errorID;
    /** Stable code string. */
    this.code = code;
  }
}
SSRangeError.prototype.name = 'RangeError';
SSRangeError.prototype[kBrand] = true;

/** AS3 TypeError (#2007 null argument, #1009 null object); also an instance of the global TypeError. */
class SSTypeError extends globalThis.TypeError {
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id. */
    this.errorID = errorID;
    /** Stable code string. */
    this.code = code;
  }
}
SSTypeError.prototype.name = 'TypeError';
SSTypeError.prototype[kBrand] = true;

// Return code -> [code string, class]: exactly the SS_ERR_* codes of the
// header, with the AS3 class its comment names (test/rules.test.js checks
// both against include/securesocket.h).
const BY_RC = new Map([
  [-1, ['ERR_SS_HANDLE', SecureSocketError]],
  [-2, ['ERR_SS_PANIC', SecureSocketError]],
  [-3, ['ERR_SS_NOMEM', SecureSocketError]],
  [-4, ['ERR_SS_FORKED', SecureSocketError]],
  [-5, ['ERR_SS_INTERNAL', SecureSocketError]],
  [-1009, ['ERR_SS_NULL_OBJECT', SSTypeError]],
  [-2002, ['ERR_SS_INVALID_SOCKET', IOError]],
  [-2003, ['ERR_SS_BAD_PORT', SecurityError]],
  [-2004, ['ERR_SS_BAD_PARAM', ArgumentError]],
  [-2006, ['ERR_SS_RANGE', SSRangeError]],
  [-2007, ['ERR_SS_NULL', SSTypeError]],
  [-2008, ['ERR_SS_BAD_ENUM', ArgumentError]],
  [-2030, ['ERR_SS_EOF', EOFError]],
]);

/**
 * The error for return code rc with the given message (the library's text).
 * @param {number} rc a negative SS_* return code
 * @param {string} message
 */
function fromCode(rc, message) {
  const known = BY_RC.get(rc);
  const errorID = rc <= -1000 ? -rc : 0;
  if (known !== undefined) return new known[1](message, errorID, known[0]);
  if (rc <= -1000) return new SecureSocketError(message, errorID, 'ERR_SS_' + errorID);
  return new SecureSocketError(message, 0, 'ERR_SS_UNKNOWN');
}

module.exports = {
  SecureSocketError,
  IOError,
  EOFError,
  ArgumentError,
  SecurityError,
  IllegalOperationError,
  RangeError: SSRangeError,
  TypeError: SSTypeError,
  fromCode,
  BY_RC,
};
