'use strict';
// The event pump: one per JavaScript thread, for every socket.
//
// The library keeps one process-wide queue of events and one file descriptor
// that is readable while events wait (ss_event_fd; on Linux also while a
// connection's input waits, which ss_next_event then decrypts on this
// thread: the header's "Input on Linux"). The pump watches
// that descriptor on Node's event loop with koffi.node.poll (libuv uv_poll,
// level-triggered); when it is readable, a drain (setImmediate, see
// onReadable) takes the events with ss_next_event - plain C in the library,
// it never enters the Go runtime - and hands each to the socket object that
// owns it. No timer loop, no thread pool, no blocking wait.
//
// The poll handle exists only while some socket of this thread is connecting
// or open: it keeps the loop alive then, and a program with no open socket
// exits by itself. (Closed rather than unref'd when idle: a thread without
// busy sockets then takes no events, and koffi 3.3.4 crashes when a worker
// thread ends with a poll handle still open.) Sockets that are connecting or
// open are also held strongly here (like net.Socket, an open socket stays
// alive without user references); idle ones only weakly, so the GC can take
// them and their FinalizationRegistry entry frees the native handle.

const native = require('./native');

/** Most events handled per wake-up before yielding to the event loop. */
const BUDGET = 1024;

let api = null;
let fd = -1;
let poll = null;
let buf = null;
let u64 = null;
let i32 = null;
let off = null;

/** handle (BigInt) -> WeakRef of its socket object */
const owners = new Map();
/** sockets connecting or open: held strongly; the descriptor is watched while non-empty */
const busy = new Set();
let scheduled = false;

function init() {
  if (api !== null) return;
  const a = native.load();
  const size = native.koffi.sizeof(a.event);
  buf = Buffer.alloc(size);
  u64 = new BigUint64Array(buf.buffer, buf.byteOffset, size / 8);
  i32 = new Int32Array(buf.buffer, buf.byteOffset, size / 4);
  const m = a.event.members;
  off = {
    type: m.type.offset / 4,
    errorId: m.error_id.offset / 4,
    socket: m.socket.offset / 8,
    typeName: m.type_name.offset / 8,
    text: m.text.offset / 8,
    textLen: m.text_len.offset / 8,
    detail: m.detail.offset / 8,
    detailLen: m.detail_len.offset / 8,
    loaded: m.bytes_loaded.offset / 8,
    pending: m.bytes_pending.offset / 8,
    total: m.bytes_total.offset / 8,
    queued: m.queued.offset / 8,
  };
  const efd = a.ss_event_fd();
  if (efd < 0) {
    const err = new Error(`securesocket: no event descriptor (code ${efd})`);
    err.code = efd === -4 ? 'ERR_SS_FORKED' : 'ERR_SS_NOMEM';
    throw err;
  }
  if (!native.koffi.node || typeof native.koffi.node.poll !== 'function') {
    const err = new Error('securesocket: this koffi has no koffi.node.poll (needs koffi 3.x)');
    err.code = 'ERR_SS_LIBRARY';
    throw err;
  }
  fd = efd;
  api = a;
  // A handle still open when a worker thread ends crashes koffi 3.3.4.
  process.on('exit', closePoll);
}

function openPoll() {
  if (poll === null) poll = native.koffi.node.poll(fd, { readable: true }, onReadable);
}

function closePoll() {
  if (poll === null) return;
  poll.close();
  poll = null;
}

const EMPTY = '';

function decodeString(ptrIndex, lenIndex) {
  const n = u64[lenIndex];
  return n === 0n ? EMPTY : native.koffi.decode.string(u64[ptrIndex], Number(n));
}

/** Takes the oldest event from the library as a plain record, or null. */
function take() {
  if (api.ss_next_event(buf) !== 1) return null;
  const type = i32[off.type];
  return {
    type,
    // The name only matters for types newer than this binding (type 0).
    typeName: type === 0 ? native.koffi.decode.string(u64[off.typeName]) : EMPTY,
    handle: u64[off.socket],
    errorId: i32[off.errorId],
    text: decodeString(off.text, off.textLen),
    detail: decodeString(off.detail, off.detailLen),
    loaded: Number(u64[off.loaded]),
    pending: Number(u64[off.pending]),
    total: Number(u64[off.total]),
    queued: Number(u64[off.queued]),
  };
}

/** Hands rec to its socket; true if the socket wants the pump to yield. */
function deliver(rec) {
  const ref = owners.get(rec.handle);
  const sock = ref === undefined ? undefined : ref.deref();
  if (sock === undefined) return false; // collected or destroyed: nobody to tell
  try {
    return sock[kDeliver](rec) === true;
  } catch (err) {
    // A listener threw: an uncaught exception, as a throwing listener of a
    // net.Socket is; the pump's state stays intact and it goes on.
    process.nextTick(() => { throw err; });
    return false;
  }
}

// koffi runs the poll callback with a bare napi_call_function, outside
// Node's callback scope: promise continuations and process.nextTick
// callbacks queued there would wait for some unrelated later callback. So
// the poll callback only schedules the drain, and the drain runs from
// setImmediate - in the check phase of the same loop iteration, with Node
// draining ticks and microtasks after it.
function onReadable() { schedule(); }

function schedule() {
  if (scheduled) return;
  scheduled = true;
  setImmediate(drain);
}

function drain() {
  scheduled = false;
  for (let budget = BUDGET; budget > 0; budget--) {
    const rec = take();
    if (rec === null) return;
    if (deliver(rec)) break;
    // None waited behind it: done without another call (later events and
    // input make the descriptor readable again).
    if (rec.queued === 0) return;
  }
  // Budget spent, or a promise was settled (connectAsync): the rest waits a
  // turn, so other I/O runs and `await socket.connectAsync()` resumes before
  // the socket's next event (a socketData listener added after the await
  // sees the first data).
  schedule();
}

/** Symbol of the socket method that receives its event records. */
const kDeliver = Symbol('deliver');

/**
 * Starts routing the events of handle to sock (held weakly).
 * @param {bigint} handle
 * @param {object} sock
 */
function attach(handle, sock) {
  init();
  owners.set(handle, new WeakRef(sock));
}

/** Stops routing events of handle. */
function detach(handle) {
  owners.delete(handle);
}

/**
 * Marks sock as connecting/open (true) or idle (false). The descriptor is
 * watched while any socket is busy.
 */
function setBusy(sock, on) {
  if (on) {
    busy.add(sock);
    openPoll();
  } else if (busy.delete(sock) && busy.size === 0) {
    closePoll();
  }
}

module.exports = { attach, detach, setBusy, kDeliver };
