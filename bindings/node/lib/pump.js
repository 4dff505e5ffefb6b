'use strict';
// The event pump: one per JavaScript thread, for every socket.
//
// The library keeps one process-wide queue of events and one file descriptor
// that is readable while events wait (ss_event_fd; on Linux also while a
// connection's input waits, which ss_next_event then decrypts on this
// thread: the header's "Input on Linux"). The pump watches
// that descriptor on Node's event loop with a libuv poll handle (uv_poll,
// level-triggered: see "Watching the descriptor" below); when it is
// readable, a drain (setImmediate, see onReadable) takes the events with
// ss_next_event and hands each to the socket object that owns it. No timer
// loop, no thread pool, no blocking wait.
//
// The poll handle is started only while some socket of this thread is
// connecting or open: it keeps the loop alive then, and a program with no
// open socket exits by itself. (Stopped or closed rather than unref'd when
// idle: a thread without busy sockets then takes no events, and koffi 3.3.4
// crashes when a worker thread ends with a poll handle still open.) Sockets
// that are connecting or open are also held strongly here (like net.Socket,
// an open socket stays alive without user references); idle ones only
// weakly, so the GC can take them and their FinalizationRegistry entry frees
// the native handle.
//
// Watching the descriptor. On Node's main thread (POSIX) the pump starts its
// own uv_poll_t on uv_default_loop() - libuv's functions come from the node
// process itself, which exports them for addons - with a koffi-registered C
// callback: one call into JS per wake-up, without arguments to build.
// koffi.node.poll does the same with a handle of its own, but builds an
// object ({readable, writable, disconnect}) for every call through three
// napi_set_named_property calls, which cost about 2 us of a 64-byte round
// trip on this path (V8's slow property paths, cold after the thread slept).
// Elsewhere - worker threads (their loop is not uv_default_loop), Windows
// (the descriptor is a SOCKET), CPUs other than x64 and arm64, Electron, Bun
// and Deno (their own loops or none), or if any of it cannot be set up -
// koffi.node.poll.
const native = require('./native');

/** Most events handled per wake-up before yielding to the event loop. */
const BUDGET = 1024;

let api = null;
let fd = -1;
/** The descriptor's watcher: {kind, start(), stop()}, made on the first start. */
let watcher = null;
/** Whether the watcher is started. */
let watching = false;
let buf = null;
let u64 = null;
let u32 = null;
let i32 = null;
let off = null;

/** handle (see keyOf) -> WeakRef of its socket object */
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
  u32 = new Uint32Array(buf.buffer, buf.byteOffset, size / 4);
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

/** uv_handle_type UV_POLL and uv_poll_event UV_READABLE (uv.h; stable across libuv 1.x). */
const UV_POLL = 8;
const UV_PREPARE = 9;
const UV_READABLE = 1;
/**
 * The callback type of uv_poll_start and uv_prepare_start as registered
 * here (without parameters, see uvWatcher), declared once per koffi instance.
 */
let voidCb = null;

/**
 * The fast watcher (see "Watching the descriptor"): a uv_poll_t of our own
 * on the main thread's loop, or null where it does not apply or cannot be
 * set up.
 */
function uvWatcher() {
  if (process.platform === 'win32' || (process.arch !== 'x64' && process.arch !== 'arm64') ||
      process.release.name !== 'node' || process.versions.electron !== undefined ||
      process.versions.bun !== undefined || process.versions.deno !== undefined) {
    return null;
  }
  if (!require('node:worker_threads').isMainThread) return null;
  const { koffi } = native;
  try {
    const self = koffi.load(null); // the process: node and its libuv
    const loop = self.func('void *uv_default_loop(void)')();
    const handleSize = self.func('size_t uv_handle_size(int type)');
    const size = Number(handleSize(UV_POLL));
    const pollInit = self.func('int uv_poll_init(void *loop, void *handle, int fd)');
    // uv_poll_cb is void (uv_poll_t *, int status, int events); declared
    // without parameters, so that koffi converts none of them (the handle
    // pointer would be a new BigInt per call). The callee ignoring its
    // register arguments is sound on the calling conventions of the POSIX
    // platforms this path runs on (x86-64 System V, AArch64): the caller
    // owns the arguments. onReadable needs none: the descriptor is the only
    // one watched, and an error status (a closed descriptor) is seen by the
    // next ss_next_event as well.
    if (voidCb === null) voidCb = koffi.pointer(koffi.proto('void (void)'));
    const pollStart = self.func('int uv_poll_start(void *handle, int events, void *cb)');
    const pollStop = self.func('int uv_poll_stop(void *handle)');
    if (loop === null || !(size > 0)) return null;
    // The uv_poll_t: an ArrayBuffer's backing store (outside the JS heap,
    // zeroed, never moved), referenced from here for the life of the
    // process; the handle is only ever stopped, never closed, so libuv may
    // use it as long as the loop runs.
    const handle = new Uint8Array(new ArrayBuffer(size));
    if (pollInit(loop, handle, fd) !== 0) return null;
    // Registered for good (one slot of koffi's 8192): the handle may call it
    // whenever it is started.
    const cb = koffi.register(onReadable, voidCb);
    const spin = spinner(self, loop, handleSize);
    return {
      kind: 'uv',
      start() {
        const rc = pollStart(handle, UV_READABLE, cb);
        if (rc !== 0) {
          const err = new Error(`securesocket: cannot watch the event descriptor (uv_poll_start: ${rc})`);
          err.code = 'ERR_SS_LIBRARY';
          throw err;
        }
        if (spin !== null) spin.start();
      },
      stop() {
        pollStop(handle);
        if (spin !== null) spin.stop();
      },
    };
  } catch {
    return null;
  }
}

/**
 * Before the loop sleeps: a uv_prepare_t (run once per loop iteration, just
 * before libuv polls) that lets the library poll for a reply for up to its
 * spin time (ss_spin_events, 50 us), but only when the loop would block
 * (uv_backend_timeout not 0: nothing else is due). A reply within that time
 * then costs no sleep and no wake-up of an idle processor; the poll handle
 * sees the descriptor readable at once. After a stream's batch the library
 * pauses there instead (sleeps for the spin time, then decrypts the records
 * that came meanwhile: one wake-up per batch, not per record). Unref'd: it
 * never keeps the loop alive. Null where it cannot be set up (the pump works
 * without it).
 */
function spinner(self, loop, handleSize) {
  const { koffi } = native;
  try {
    const size = Number(handleSize(UV_PREPARE));
    const init = self.func('int uv_prepare_init(void *loop, void *handle)');
    const start = self.func('int uv_prepare_start(void *handle, void *cb)');
    const stop = self.func('int uv_prepare_stop(void *handle)');
    const unref = self.func('void uv_unref(void *handle)');
    const backendTimeout = self.func('int uv_backend_timeout(void *loop)');
    if (!(size > 0)) return null;
    const handle = new Uint8Array(new ArrayBuffer(size)); // as the poll handle's
    if (init(loop, handle) !== 0) return null;
    unref(handle);
    const cb = koffi.register(() => {
      if (backendTimeout(loop) !== 0) api.ss_spin_events();
    }, voidCb);
    return {
      start() { start(handle, cb); },
      stop() { stop(handle); },
    };
  } catch {
    return null;
  }
}

/** koffi.node.poll: a handle per start, closed when stopped. */
function koffiWatcher() {
  let poll = null;
  return {
    kind: 'koffi',
    start() { poll = native.koffi.node.poll(fd, { readable: true }, onReadable); },
    stop() {
      poll.close();
      poll = null;
    },
  };
}

function openPoll() {
  if (watching) return;
  if (watcher === null) watcher = uvWatcher() ?? koffiWatcher();
  watcher.start();
  watching = true;
}

function closePoll() {
  if (!watching) return;
  watching = false;
  watcher.stop();
}

const EMPTY = '';
const TWO_32 = 2 ** 32;
const TWO_53 = 2n ** 53n;

/**
 * The key of a handle in owners: the pointer as a Number below 2^53, where
 * that is exact (every 64-bit user-space address today), else the BigInt
 * itself. take() reads it from the event by the same rule (keyAt), without
 * a BigInt.
 */
function keyOf(handle) {
  return handle < TWO_53 ? Number(handle) : handle;
}

/** keyOf of the pointer at 8-byte index i of views w32/w64 over the same memory. */
function keyAt(w32, w64, i) {
  const hi = w32[2 * i + 1];
  return hi < 0x200000 ? w32[2 * i] + hi * TWO_32 : w64[i];
}

/** The uint64 at 8-byte index i of the event, as a Number (exact below 2^53). */
function u64n(i) {
  return u32[2 * i] + u32[2 * i + 1] * TWO_32;
}

function decodeString(ptrIndex, lenIndex) {
  const n = u64n(lenIndex);
  return n === 0 ? EMPTY : native.koffi.decode.string(u64[ptrIndex], n);
}

/**
 * The event record handed to sockets, one per thread and reused by every
 * take(): a socket reads it during its [kDeliver] call and keeps nothing of
 * it (it builds the Event objects its listeners see). Numbers only, so an
 * event costs no allocation before the Event itself.
 */
const rec = {
  type: 0,
  typeName: EMPTY,
  handle: 0,
  errorId: 0,
  text: EMPTY,
  detail: EMPTY,
  loaded: 0,
  pending: 0,
  total: 0,
  queued: 0,
};

/** Takes the oldest event from the library into rec; false if none waits. */
function take() {
  if (api.ss_next_event(buf) !== 1) return false;
  const type = i32[off.type];
  rec.type = type;
  // The name only matters for types newer than this binding (type 0).
  rec.typeName = type === 0 ? native.koffi.decode.string(u64[off.typeName]) : EMPTY;
  rec.handle = keyAt(u32, u64, off.socket);
  rec.errorId = i32[off.errorId];
  rec.text = decodeString(off.text, off.textLen);
  rec.detail = decodeString(off.detail, off.detailLen);
  rec.loaded = u64n(off.loaded);
  rec.pending = u64n(off.pending);
  rec.total = u64n(off.total);
  rec.queued = u64n(off.queued);
  return true;
}

/** Hands rec to its socket; true if the socket wants the pump to yield. */
function deliver() {
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
    if (!take()) return;
    if (deliver()) break;
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
  owners.set(keyOf(handle), new WeakRef(sock));
}

/** Stops routing events of handle. */
function detach(handle) {
  owners.delete(keyOf(handle));
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

/** Which watcher this thread uses ('uv' or 'koffi'), or null before the first start (for tests). */
function watcherKind() {
  return watcher === null ? null : watcher.kind;
}

module.exports = { attach, detach, setBusy, kDeliver, watcherKind, keyOf, keyAt };
