'use strict';
// AS3's event model, for a dispatcher that is always the event's target (a
// socket has no display list): Event and its subclasses with AS3's fields
// and type constants, and an EventDispatcher that is also a Node
// EventEmitter, so both faces see the same events.

const { EventEmitter } = require('node:events');

const kTarget = Symbol('target');
const kCurrentTarget = Symbol('currentTarget');
const kPhase = Symbol('eventPhase');
const kPrevented = Symbol('defaultPrevented');
const kStopped = Symbol('stopped');
const kStoppedNow = Symbol('stoppedImmediately');
/** Called with the type (undefined: any) after listeners of either face were added or removed. */
const kInterest = Symbol('interest');

/** AS3 flash.events.EventPhase. */
const EventPhase = Object.freeze({ CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 });

/** AS3 flash.events.Event: the base of every event. */
class Event {
  /**
   * @param {string} type event type, e.g. Event.CONNECT
   * @param {boolean} [bubbles=false]
   * @param {boolean} [cancelable=false]
   */
  constructor(type, bubbles = false, cancelable = false) {
    /** The event type string ("connect", "socketData", ...). */
    this.type = String(type);
    /** Whether the event bubbles (never, for socket events). */
    this.bubbles = Boolean(bubbles);
    /** Whether preventDefault() has an effect. */
    this.cancelable = Boolean(cancelable);
    this[kTarget] = null;
    this[kCurrentTarget] = null;
    this[kPhase] = 0;
    this[kPrevented] = false;
    this[kStopped] = false;
    this[kStoppedNow] = false;
  }

  /** The dispatcher the event was dispatched on (the socket), null before dispatch. */
  get target() { return this[kTarget]; }

  /** The dispatcher whose listeners run now (always the target here). */
  get currentTarget() { return this[kCurrentTarget]; }

  /** EventPhase.AT_TARGET while dispatched, 0 before. */
  get eventPhase() { return this[kPhase]; }

  /** A copy of the event that can be dispatched again. */
  clone() { return new Event(this.type, this.bubbles, this.cancelable); }

  /** Cancels the default behaviour of a cancelable event. */
  preventDefault() { if (this.cancelable) this[kPrevented] = true; }

  /** True if preventDefault() was called on a cancelable event. */
  isDefaultPrevented() { return this[kPrevented]; }

  /** Stops the event from reaching other dispatchers (no effect on a single target). */
  stopPropagation() { this[kStopped] = true; }

  /** Stops the listeners after the current one from running, on both faces. */
  stopImmediatePropagation() { this[kStopped] = true; this[kStoppedNow] = true; }

  /**
   * AS3 formatToString: "[ClassName type="..." field=value ...]".
   * @param {string} className
   * @param {...string} fields
   */
  formatToString(className, ...fields) {
    const parts = fields.map((f) => {
      const v = this[f];
      return typeof v === 'string' ? `${f}="${v}"` : `${f}=${v}`;
    });
    return `[${[className, ...parts].join(' ')}]`;
  }

  /** @returns {string} */
  toString() { return this.formatToString('Event', 'type', 'bubbles', 'cancelable', 'eventPhase'); }
}
/** "connect": the TLS handshake and the certificate checks passed. */
Event.CONNECT = 'connect';
/** "close": the server closed the connection (never sent for close()). */
Event.CLOSE = 'close';

/** AS3 flash.events.ProgressEvent; socketData uses bytesLoaded, bytesTotal is 0. */
class ProgressEvent extends Event {
  /**
   * @param {string} type
   * @param {boolean} [bubbles=false]
   * @param {boolean} [cancelable=false]
   * @param {number} [bytesLoaded=0]
   * @param {number} [bytesTotal=0]
   */
  constructor(type, bubbles = false, cancelable = false, bytesLoaded = 0, bytesTotal = 0) {
    super(type, bubbles, cancelable);
    /** socketData: bytes that arrived since the previous socketData event. */
    this.bytesLoaded = bytesLoaded;
    /** 0 for socketData. */
    this.bytesTotal = bytesTotal;
  }

  clone() {
    return new ProgressEvent(this.type, this.bubbles, this.cancelable, this.bytesLoaded, this.bytesTotal);
  }

  toString() {
    return this.formatToString('ProgressEvent', 'type', 'bubbles', 'cancelable', 'eventPhase',
      'bytesLoaded', 'bytesTotal');
  }
}
/** "socketData": input arrived (several arrivals may merge into one event). */
ProgressEvent.SOCKET_DATA = 'socketData';
/** "progress" (AS3 constant; not sent by sockets). */
ProgressEvent.PROGRESS = 'progress';

/** AS3 flash.events.ErrorEvent: an event with a text and an errorID. */
class ErrorEvent extends Event {
  /**
   * @param {string} type
   * @param {boolean} [bubbles=false]
   * @param {boolean} [cancelable=false]
   * @param {string} [text='']
   * @param {number} [errorID=0]
   * @param {string} [detail=''] why, in words (securesocket's addition)
   */
  constructor(type, bubbles = false, cancelable = false, text = '', errorID = 0, detail = '') {
    super(type, bubbles, cancelable);
    /** AS3 text, e.g. "Error #2031: Socket Error. URL: example.net". */
    this.text = text;
    /** AS3 error id: 2031 for ioError, 2048 for securityError. */
    this.errorID = errorID;
    /** Why, in words: "connection refused", "timed out", the certificate problem. */
    this.detail = detail;
  }

  clone() {
    return new this.constructor(this.type, this.bubbles, this.cancelable, this.text, this.errorID, this.detail);
  }

  toString() {
    return this.formatToString(this.constructor.name, 'type', 'bubbles', 'cancelable', 'eventPhase',
      'text', 'errorID', 'detail');
  }
}
/** "error" (AS3 constant; not sent by sockets). */
ErrorEvent.ERROR = 'error';

/** AS3 flash.events.IOErrorEvent: connect failed, or the connection broke. */
class IOErrorEvent extends ErrorEvent {}
/** "ioError". */
IOErrorEvent.IO_ERROR = 'ioError';

/** AS3 flash.events.SecurityErrorEvent. */
class SecurityErrorEvent extends ErrorEvent {}
/** "securityError". */
SecurityErrorEvent.SECURITY_ERROR = 'securityError';

/** AS3 flash.events.OutputProgressEvent: flushed bytes moved to the network. */
class OutputProgressEvent extends Event {
  /**
   * @param {string} type
   * @param {boolean} [bubbles=false]
   * @param {boolean} [cancelable=false]
   * @param {number} [bytesPending=0]
   * @param {number} [bytesTotal=0]
   */
  constructor(type, bubbles = false, cancelable = false, bytesPending = 0, bytesTotal = 0) {
    super(type, bubbles, cancelable);
    /** Flushed bytes not yet sent. */
    this.bytesPending = bytesPending;
    /** Sent plus pending. */
    this.bytesTotal = bytesTotal;
  }

  clone() {
    return new OutputProgressEvent(this.type, this.bubbles, this.cancelable, this.bytesPending, this.bytesTotal);
  }

  toString() {
    return this.formatToString('OutputProgressEvent', 'type', 'bubbles', 'cancelable', 'eventPhase',
      'bytesPending', 'bytesTotal');
  }
}
/** "outputProgress". */
OutputProgressEvent.OUTPUT_PROGRESS = 'outputProgress';

const kListeners = Symbol('as3Listeners');
const emit = EventEmitter.prototype.emit;

/**
 * AS3 flash.events.EventDispatcher and a Node EventEmitter in one object.
 *
 * dispatchEvent() runs the AS3 listeners first (by priority, highest first,
 * then in the order added), then the EventEmitter listeners (on/once, in
 * the order added) with the same event object. No type is special: an
 * "ioError" without listeners is ignored, unlike EventEmitter's "error".
 */
class EventDispatcher extends EventEmitter {
  constructor() {
    super();
    /** @type {Map<string, Array<{listener: Function, useCapture: boolean, priority: number}>>} */
    this[kListeners] = new Map();
  }

  /**
   * AS3 addEventListener. Adding the same listener again for the same type
   * and phase does nothing (the first priority stays). Capture listeners
   * never run on a socket (it has no parent to capture from), as in AS3.
   * @param {string} type
   * @param {(event: Event) => void} listener
   * @param {boolean} [useCapture=false]
   * @param {number} [priority=0]
   * @param {boolean} [useWeakReference=false] accepted for AS3 compatibility; references are strong
   */
  addEventListener(type, listener, useCapture = false, priority = 0, useWeakReference = false) { // eslint-disable-line no-unused-vars
    if (typeof listener !== 'function') {
      throw new TypeError('The "listener" argument must be of type function');
    }
    type = String(type);
    useCapture = Boolean(useCapture);
    priority = priority | 0;
    let list = this[kListeners].get(type);
    if (list === undefined) {
      list = [];
      this[kListeners].set(type, list);
    }
    if (list.some((l) => l.listener === listener && l.useCapture === useCapture)) return;
    // Stable: after every entry of the same or higher priority.
    let i = list.length;
    while (i > 0 && list[i - 1].priority < priority) i--;
    // Copy on write: a dispatch in progress keeps iterating its own array.
    const next = list.slice();
    next.splice(i, 0, { listener, useCapture, priority });
    this[kListeners].set(type, next);
    this[kInterest](type);
  }

  /**
   * AS3 removeEventListener: removes the listener added for this type and phase.
   * @param {string} type
   * @param {(event: Event) => void} listener
   * @param {boolean} [useCapture=false]
   */
  removeEventListener(type, listener, useCapture = false) {
    type = String(type);
    useCapture = Boolean(useCapture);
    const list = this[kListeners].get(type);
    if (list === undefined) return;
    const next = list.filter((l) => !(l.listener === listener && l.useCapture === useCapture));
    if (next.length === 0) this[kListeners].delete(type);
    else this[kListeners].set(type, next);
    this[kInterest](type);
  }

  /**
   * Told after listeners of type (undefined: of any type) were added or
   * removed on either face; a subclass that can skip work nobody listens to
   * (the socket's outputProgress) overrides it.
   * @param {string | undefined} type
   */
  [kInterest](type) {} // eslint-disable-line no-unused-vars

  /**
   * AS3 hasEventListener: true if any listener (either face) is registered for type.
   * @param {string} type
   * @returns {boolean}
   */
  hasEventListener(type) {
    type = String(type);
    return this[kListeners].has(type) || this.listenerCount(type) > 0;
  }

  /**
   * AS3 willTrigger: the same as hasEventListener for a dispatcher without parents.
   * @param {string} type
   * @returns {boolean}
   */
  willTrigger(type) { return this.hasEventListener(type); }

  /**
   * AS3 dispatchEvent: runs the listeners of event.type on both faces. An
   * event that was dispatched before is cloned first, as in AS3.
   * @param {Event} event
   * @returns {boolean} false if a listener called preventDefault() on a cancelable event
   */
  dispatchEvent(event) {
    if (!(event instanceof Event)) {
      throw new TypeError('The "event" argument must be an instance of Event');
    }
    if (event[kTarget] !== null) event = event.clone();
    event[kTarget] = this;
    event[kCurrentTarget] = this;
    event[kPhase] = EventPhase.AT_TARGET;
    const list = this[kListeners].get(event.type);
    if (list !== undefined) {
      // AS3: listeners removed during the dispatch still run, added ones do not;
      // `list` is never mutated (copy on write), so iterating it gives that.
      for (let i = 0; i < list.length; i++) {
        const l = list[i];
        if (l.useCapture) continue;
        l.listener.call(this, event);
        if (event[kStoppedNow]) break;
      }
    }
    if (!event[kStoppedNow]) emit.call(this, event.type, event);
    return !event[kPrevented];
  }
}

// The EventEmitter face reports changes too. once() and prependOnceListener()
// go through on() and prependListener(), and a once-listener removes itself
// through removeListener().
for (const name of ['on', 'addListener', 'prependListener', 'removeListener', 'off', 'removeAllListeners']) {
  const base = EventEmitter.prototype[name];
  Object.defineProperty(EventDispatcher.prototype, name, {
    value: function (...args) {
      const r = base.apply(this, args);
      this[kInterest](args.length > 0 ? String(args[0]) : undefined);
      return r;
    },
    writable: true,
    configurable: true,
  });
}

module.exports = {
  kInterest,
  Event,
  ProgressEvent,
  ErrorEvent,
  IOErrorEvent,
  SecurityErrorEvent,
  OutputProgressEvent,
  EventPhase,
  EventDispatcher,
};
