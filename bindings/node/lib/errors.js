'use strict';
// Errors thrown by SecureSocket: AS3's error classes, each with the AS3
// `errorID` and a stable Node-style `code`. The message is the library's own
// (ss_error_message): texts live in one place, the library.

/**
 * Base of the errors that have no AS3 class: an invalid (freed) handle, an
 * internal error, out of memory, use in a forked child, an aborted connect.
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
}
SecureSocketError.prototype.name = 'SecureSocketError';

/** AS3 flash.errors.IOError: #2002 (socket not open), #2031 (socket error). */
class IOError extends Error {
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id. */
    this.errorID = errorID;
    /** Stable code string. */
    this.code = code;
  }
}
IOError.prototype.name = 'IOError';

/** AS3 flash.errors.EOFError (#2030): too little input; nothing was consumed. */
class EOFError extends IOError {}
EOFError.prototype.name = 'EOFError';

/** AS3 ArgumentError: #2004 bad parameter, #2008 value not in the enumeration. */
class ArgumentError extends Error {
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id. */
    this.errorID = errorID;
    /** Stable code string. */
    this.code = code;
  }
}
ArgumentError.prototype.name = 'ArgumentError';

/** AS3 SecurityError: #2003 port out of range, #2048 security sandbox. */
class SecurityError extends Error {
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id. */
    this.errorID = errorID;
    /** Stable code string. */
    this.code = code;
  }
}
SecurityError.prototype.name = 'SecurityError';

/** AS3 flash.errors.IllegalOperationError (#2037). */
class IllegalOperationError extends Error {
  constructor(message, errorID, code) {
    super(message);
    /** AS3 error id. */
    this.errorID = errorID;
    /** Stable code string. */
    this.code = code;
  }
}
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

/** AS3 TypeError (#2007 null argument, #1009); also an instance of the global TypeError. */
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

// Return code -> [code string, class]. The codes mirror SS_ERR_* of the header.
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
  [-2031, ['ERR_SS_SOCKET', IOError]],
  [-2037, ['ERR_SS_ILLEGAL_STATE', IllegalOperationError]],
  [-2048, ['ERR_SS_SECURITY', SecurityError]],
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
};
