'use strict';
// Lifecycle: a process with no open socket exits by itself, an open one keeps
// it alive, handles are freed deterministically or by the GC, promises end
// when the attempt ends, listener exceptions, worker threads.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ss, lab, port, sock, nextEvent } = require('./helpers');

const fixture = (name) => path.join(__dirname, 'fixtures', name);

/**
 * Runs a child node program; resolves with its output, exit code and time.
 * killAfter: kill it that many ms after it printed killAfterLine (at once
 * when that is ''), or `within` ms after the start if it never does.
 */
function run(args, { killAfter = 0, killAfterLine = '', within = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const kill = () => { killed = true; child.kill('SIGKILL'); };
    let timer = setTimeout(kill, killAfter && !killAfterLine ? killAfter : within);
    child.stdout.on('data', (d) => {
      out += d;
      if (killAfter && killAfterLine && out.split('\n').includes(killAfterLine)) {
        clearTimeout(timer);
        timer = setTimeout(kill, killAfter);
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ out: out.trim().split('\n'), err, code, signal, killed, ms: Date.now() - t0 });
    });
  });
}

for (const [mode, want] of [
  ['idle', ['idle']],
  ['closed', ['echo 42']],
  ['peerClosed', ['close 1000']],
  ['failed', ['rejected expired']],
  ['gc', ['gc']],
]) {
  test(`the process exits by itself: ${mode}`, async () => {
    const r = await run(['--expose-gc', fixture('exit.js'), mode], { within: 10000 });
    assert.equal(r.killed, false, `still running after 10 s; output ${r.out}`);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out, want);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });
}

test('an open socket without references stays alive until its close event', async () => {
  const r = await run(['--expose-gc', fixture('exit.js'), 'dropped']);
  assert.equal(r.killed, false);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out, ['connect', 'close']);
});

test('an open socket keeps the process alive', async () => {
  // Still alive 1 s after its connect (however long the start took).
  const r = await run([fixture('exit.js'), 'hang'], { killAfter: 1000, killAfterLine: 'connect', within: 20000 });
  assert.equal(r.killed, true, 'exited while a socket was open');
  assert.deepEqual(r.out, ['connect']);
});

test('a throwing listener is an uncaught exception; the pump goes on', async () => {
  const r = await run([fixture('exit.js'), 'throws']);
  assert.equal(r.killed, false);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.sort(), ['data still flows', 'resolved', 'uncaught boom']);
});

test('worker_threads: a socket used from a worker', async () => {
  const r = await run([fixture('worker.js')]);
  assert.equal(r.killed, false);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out, ['worker read true', 'worker watcher koffi', 'worker exit 0']);
});

test('the pump finds a socket by the handle its events carry, at any pointer value', () => {
  // attach() keys sockets by keyOf(handle); take() reads the event's handle
  // with keyAt, without a BigInt. Both must agree, also where a Number is
  // no longer exact.
  const { keyOf, keyAt } = require('../lib/pump');
  const mem = new ArrayBuffer(16);
  const w32 = new Uint32Array(mem);
  const w64 = new BigUint64Array(mem);
  for (const h of [1n, 0x7f3a12345678n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n,
    2n ** 60n, 2n ** 64n - 1n]) {
    w64[1] = h;
    assert.equal(keyAt(w32, w64, 1), keyOf(h), `handle ${h}`);
    assert.equal(BigInt(keyOf(h)), h, `key of ${h} is exact`);
  }
  assert.equal(typeof keyOf(0x7f3a12345678n), 'number');
});

test('the main thread watches the event descriptor with its own uv_poll handle', async (t) => {
  // lib/pump.js, "Watching the descriptor": koffi.node.poll only where the
  // handle of our own does not apply (the worker test above).
  const s = sock(t);
  await s.connectAsync(lab.host, port('echo'));
  assert.equal(require('../lib/pump').watcherKind(), process.platform === 'win32' ? 'koffi' : 'uv');
  // It is stopped while no socket is busy and started again: events still flow.
  s.close();
  await new Promise((r) => setTimeout(r, 20));
  await s.connectAsync(lab.host, port('echo'));
  s.writeUTF('watched');
  s.flush();
  await nextEvent(s, 'socketData');
  assert.equal(s.readUTF(), 'watched');
});

test('connectAsync rejects with ERR_SS_ABORTED when close(), destroy() or connect() ends the attempt', async (t) => {
  const a = sock(t);
  const pa = a.connectAsync(lab.host, port('silent'));
  a.close();
  await assert.rejects(pa, { code: 'ERR_SS_ABORTED', name: 'SecureSocketError' });

  const b = new ss.SecureSocket();
  const pb = b.connectAsync(lab.host, port('silent'));
  b.destroy();
  await assert.rejects(pb, { code: 'ERR_SS_ABORTED' });

  const c = sock(t);
  const pc = c.connectAsync(lab.host, port('silent'));
  const pc2 = c.connectAsync(lab.host, port('trusted'));
  await assert.rejects(pc, { code: 'ERR_SS_ABORTED' });
  assert.equal(await pc2, c);
});

test('close() sends no close event; the socket can connect again', async (t) => {
  const s = sock(t);
  await s.connectAsync(lab.host, port('echo'));
  let closes = 0;
  s.on('close', () => closes++);
  s.close();
  assert.throws(() => s.close(), { code: 'ERR_SS_INVALID_SOCKET', errorID: 2002 });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(closes, 0);
  await s.connectAsync(lab.host, port('echo'));
  s.writeUTF('again');
  s.flush();
  await nextEvent(s, 'socketData');
  assert.equal(s.readUTF(), 'again');
});

test('destroy() while open, and a freed handle never reaches a newer socket', async (t) => {
  const old = new ss.SecureSocket();
  await old.connectAsync(lab.host, port('echo'));
  old.destroy();
  assert.throws(() => old.connected, { code: 'ERR_SS_HANDLE' });
  // Handle values are never reused: new sockets stay unaffected by the old object.
  const fresh = [];
  for (let i = 0; i < 50; i++) fresh.push(sock(t));
  assert.throws(() => old.readInt(), { code: 'ERR_SS_HANDLE' });
  for (const s of fresh) assert.equal(s.connected, false);
});

test('a missing library: isSupported is false, the constructor says where it looked', async () => {
  const code = `
    const { SecureSocket } = require(${JSON.stringify(require.resolve('..'))});
    console.log(SecureSocket.isSupported);
    try { new SecureSocket(); } catch (e) { console.log(e.code); }`;
  const r = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], {
      env: { ...process.env, SECURESOCKET_LIBRARY: '/nonexistent/libsecuresocket.so.0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (c) => resolve({ c, out: out.trim().split('\n') }));
  });
  assert.equal(r.c, 0);
  assert.deepEqual(r.out, ['false', 'ERR_SS_LIBRARY']);
});
