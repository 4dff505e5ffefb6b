'use strict';
// Data through the lab's servers: the typed payload, round trips through the
// echo server in both endians, EOF, the peer's close, bytes in and out
// without copies, bulk transfer.
const test = require('node:test');
const assert = require('node:assert/strict');
const { ss, lab, port, nextEvent, firstEvent, connectTo, waitBytes } = require('./helpers');

const { Endian } = ss;

async function open(t, scenario) {
  const s = await connectTo(scenario);
  t.after(() => s.destroy());
  return s;
}

/** Byte i of the lab's pattern streams is i % 251. */
function pattern(n, from = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (from + i) % 251;
  return b;
}

test('the typed payload reads back with the AS3 reads', async (t) => {
  const s = await open(t, 'typed');
  await waitBytes(s, 96);
  assert.equal(s.readBoolean(), true);
  assert.equal(s.readBoolean(), false);
  assert.equal(s.readByte(), -1);
  assert.equal(s.readUnsignedByte(), 200);
  assert.equal(s.readShort(), -30562);
  assert.equal(s.readUnsignedShort(), 65535);
  assert.equal(s.readInt(), -123456789);
  assert.equal(s.readUnsignedInt(), 4000565000);
  assert.equal(s.readFloat(), 76.6500015258789);
  assert.equal(s.readDouble(), 3.141592653589793);
  assert.equal(s.readUTF(), 'héllo wörld');
  assert.equal(s.readUTFBytes(7), 'Text');
  assert.deepEqual(s.readBytes(7), Buffer.from('ABC\0DEF', 'latin1'));
  s.endian = Endian.LITTLE_ENDIAN;
  assert.equal(s.readShort(), -30562);
  assert.equal(s.readUnsignedShort(), 65535);
  assert.equal(s.readInt(), -123456789);
  assert.equal(s.readUnsignedInt(), 4000565000);
  assert.equal(s.readFloat(), 76.6500015258789);
  assert.equal(s.readDouble(), 3.141592653589793);
  assert.equal(s.readUTF(), 'héllo wörld');
  assert.equal(s.bytesAvailable, 0);
});

test('EOF consumes nothing', async (t) => {
  const s = await open(t, 'echo');
  s.writeBytes(Buffer.from([0x01, 0x02, 0x03]));
  s.flush();
  await waitBytes(s, 3);
  const eof = { name: 'EOFError', code: 'ERR_SS_EOF', errorID: 2030, message: /^Error #2030: / };
  assert.throws(() => s.readInt(), eof);
  assert.throws(() => s.readDouble(), eof);
  assert.throws(() => s.readUTFBytes(4), eof);
  assert.throws(() => s.readBytes(4), eof);
  assert.throws(() => s.readBytesInto(Buffer.alloc(8), 0, 4), eof);
  assert.throws(() => s.readMultiByte(4, 'utf-8'), eof);
  // A UTF length prefix with a short body: the prefix stays too.
  assert.throws(() => s.readUTF(), eof); // 0x0102 = 258 bytes announced
  assert.ok(new ss.EOFError('', 0, '') instanceof ss.IOError);
  assert.equal(s.bytesAvailable, 3);
  assert.deepEqual(s.readBytes(), Buffer.from([1, 2, 3]));
});

for (const endian of [Endian.BIG_ENDIAN, Endian.LITTLE_ENDIAN]) {
  test(`typed round trip through echo, ${endian}`, async (t) => {
    const s = await open(t, 'echo');
    s.endian = endian;
    s.writeBoolean(true);
    s.writeBoolean(0);
    s.writeByte(-2);
    s.writeByte(256 + 7); // low 8 bits
    s.writeShort(-1234);
    s.writeShort(65535);
    s.writeInt(-2147483648);
    s.writeInt(2 ** 32 + 5); // ToInt32, as AS3
    s.writeUnsignedInt(4294967295);
    s.writeFloat(76.65);
    s.writeDouble(-0.1);
    s.writeUTF('héllo wörld ✓ 😀');
    s.writeUTFBytes('abc');
    s.writeMultiByte('Größe', 'iso-8859-1');
    const raw = Buffer.from('0123456789');
    s.writeBytes(raw, 2, 3);
    s.writeBytes(raw, 8); // to the end
    s.writeBytes(new Uint16Array([0x4142]).buffer);
    assert.ok(s.bytesPending > 0);
    s.flush();
    const total = 1 + 1 + 1 + 1 + 2 + 2 + 4 + 4 + 4 + 4 + 8 + 2 + Buffer.byteLength('héllo wörld ✓ 😀') + 3 + 5 + 3 + 2 + 2;
    await waitBytes(s, total);
    assert.equal(s.bytesAvailable, total);
    assert.equal(s.readBoolean(), true);
    assert.equal(s.readBoolean(), false);
    assert.equal(s.readByte(), -2);
    assert.equal(s.readUnsignedByte(), 7);
    assert.equal(s.readShort(), -1234);
    assert.equal(s.readUnsignedShort(), 65535);
    assert.equal(s.readInt(), -2147483648);
    assert.equal(s.readInt(), 5);
    assert.equal(s.readUnsignedInt(), 4294967295);
    assert.equal(s.readFloat(), Math.fround(76.65));
    assert.equal(s.readDouble(), -0.1);
    assert.equal(s.readUTF(), 'héllo wörld ✓ 😀');
    assert.equal(s.readUTFBytes(3), 'abc');
    assert.equal(s.readMultiByte(5, 'iso-8859-1'), 'Größe');
    assert.deepEqual(s.readBytes(5), Buffer.from('23489'));
    const into = Buffer.alloc(6, 0xee);
    assert.equal(s.readBytesInto(into, 2, 2), 2);
    assert.deepEqual(into, Buffer.from([0xee, 0xee, ...new Uint8Array(new Uint16Array([0x4142]).buffer), 0xee, 0xee]));
    assert.equal(s.bytesAvailable, 0);
  });
}

test('writes and reads without copies: offsets, lengths and ranges', async (t) => {
  const s = await open(t, 'echo');
  const big = Buffer.alloc(65536, 0x61);
  assert.throws(() => s.writeUTF(big.toString() + 'x'), { name: 'RangeError', code: 'ERR_SS_RANGE', errorID: 2006 });
  assert.equal(s.bytesPending, 0, 'a failed write writes nothing');
  assert.throws(() => s.writeBytes(Buffer.alloc(4), 5), { code: 'ERR_SS_RANGE' });
  assert.throws(() => s.writeBytes(Buffer.alloc(4), 2, 3), { code: 'ERR_SS_RANGE' });
  const src = pattern(300000);
  s.writeBytes(src.subarray(1000), 0, 200000); // a view into a larger buffer
  s.flush();
  await waitBytes(s, 200000);
  // Into a view of a larger buffer, at an offset.
  const backing = Buffer.alloc(250000);
  const view = backing.subarray(10);
  assert.throws(() => s.readBytesInto(view, 0, 300000), { code: 'ERR_SS_RANGE' });
  assert.equal(s.readBytesInto(view, 5, 100000), 100000);
  assert.ok(backing.subarray(15, 100015).equals(src.subarray(1000, 101000)));
  // length 0: everything that fits.
  const rest = Buffer.alloc(150000);
  assert.equal(s.readBytesInto(rest), 100000);
  assert.ok(rest.subarray(0, 100000).equals(src.subarray(101000, 201000)));
  assert.equal(s.readBytes().length, 0);
});

test('the peer\'s close: a close event, the input stays readable, then #2002', async (t) => {
  const s = sock2(t);
  let connectSeen = false;
  s.addEventListener('connect', () => { connectSeen = true; });
  s.connect(lab.host, port('closeAfter'));
  const ev = await nextEvent(s, 'close');
  assert.ok(connectSeen);
  assert.equal(ev.type, 'close');
  assert.equal(s.connected, false);
  assert.equal(s.bytesAvailable, 1000);
  assert.deepEqual(s.readBytes(500), pattern(500));
  assert.deepEqual(s.readBytes(), pattern(500, 500));
  assert.throws(() => s.readByte(), { code: 'ERR_SS_INVALID_SOCKET', errorID: 2002 });
  assert.throws(() => s.writeByte(1), { code: 'ERR_SS_INVALID_SOCKET' });
});

function sock2(t) {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  return s;
}

test('outputProgress reports flushed bytes leaving', async (t) => {
  const s = await open(t, 'sink');
  const n = 1 << 20;
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(n));
  s.writeBytes(header);
  s.writeBytes(pattern(n));
  const progress = [];
  s.on('outputProgress', (e) => progress.push(e));
  s.flush();
  await waitBytes(s, 9, 20000);
  const reply = s.readBytes(9);
  assert.equal(reply.readBigUInt64BE(0), BigInt(n));
  assert.equal(reply[8], 1, 'the sink saw the pattern');
  // The reply can come before the writer's last progress event.
  while (progress.length === 0 || progress[progress.length - 1].bytesPending !== 0) {
    await nextEvent(s, 'outputProgress');
  }
  const last = progress[progress.length - 1];
  assert.ok(last instanceof ss.OutputProgressEvent);
  assert.equal(last.bytesPending, 0);
  assert.equal(last.bytesTotal, n + 8);
});

test('bulk download from source, in order, through socketData events', async (t) => {
  const s = await open(t, 'source');
  const n = 8 << 20;
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(n));
  s.writeBytes(header);
  s.flush();
  const buf = Buffer.alloc(n);
  let got = 0;
  let events = 0;
  await new Promise((resolve) => {
    s.on('socketData', (e) => {
      events++;
      assert.ok(e.bytesLoaded > 0);
      assert.equal(e.bytesTotal, 0);
      got += s.readBytesInto(buf, got);
      if (got === n) resolve();
    });
  });
  assert.ok(buf.equals(pattern(n)));
  t.diagnostic(`${events} socketData events for ${n} bytes`);
});

/** Blocks the JS thread (so the pump cannot run) until cond() or 10 s. */
function spinUntil(cond) {
  const deadline = Date.now() + 10000;
  while (!cond()) if (Date.now() > deadline) throw new Error('spinUntil: timed out');
}

test('a reconnect never sees the old connection\'s events', async (t) => {
  const s = sock2(t);
  const seen = [];
  for (const type of ['connect', 'ioError', 'close', 'socketData']) s.on(type, (e) => seen.push(e.type));
  // Each old attempt's event is queued in the library but not yet delivered
  // (the thread spins, the pump cannot run) when the next connect()/close()
  // starts: it must never be taken for the new connection's.
  s.connect(lab.host, port('refused'));
  spinUntil(() => s.failureDetail !== ''); // its ioError waits
  s.connect(lab.host, port('typed'));
  spinUntil(() => s.connected); // its connect (and maybe socketData) waits
  s.close();
  s.connect(lab.host, port('trusted'));
  spinUntil(() => s.connected);
  await s.connectAsync(lab.host, port('typed'));
  await waitBytes(s, 96);
  assert.equal(seen[0], 'connect', seen.join());
  assert.equal(seen.filter((x) => x === 'connect').length, 1, seen.join());
  assert.ok(!seen.includes('ioError'), seen.join());
  assert.equal(s.readBoolean(), true);
  assert.equal(s.readBoolean(), false);
});

test('a closed socket gets no stale events (ss_close drops the waiting ones)', async (t) => {
  const s = sock2(t);
  const seen = [];
  for (const type of ['connect', 'ioError', 'close', 'socketData', 'outputProgress']) {
    s.on(type, (e) => seen.push(e.type));
  }
  // connect, and typed's first bytes, wait in the library's queue (the
  // thread spins, the pump cannot run) when close() is called.
  s.connect(lab.host, port('typed'));
  spinUntil(() => s.bytesAvailable >= 96);
  s.close();
  // The same while connecting: nothing of the aborted attempt arrives.
  s.connect(lab.host, port('typed'));
  s.close();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(seen, []);
});

test('input is bounded by inputLimit; nothing is dropped', async (t) => {
  const s = sock2(t);
  s.inputLimit = 64 << 10;
  await s.connectAsync(lab.host, port('source'));
  const n = 4 << 20;
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(n));
  s.writeBytes(header);
  s.flush();
  await waitBytes(s, 64 << 10);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(s.bytesAvailable < 1 << 20, `${s.bytesAvailable} bytes buffered over a 64 KiB limit`);
  const buf = Buffer.alloc(n);
  let got = s.readBytesInto(buf);
  while (got < n) {
    if (s.bytesAvailable === 0) await firstEvent(s, ['socketData']);
    got += s.readBytesInto(buf, got);
  }
  assert.ok(buf.equals(pattern(n)));
});

test('a socketData listener added right after `await connectAsync()` sees the first data', async (t) => {
  for (let i = 0; i < 5; i++) {
    const s = sock2(t);
    await s.connectAsync(lab.host, port('typed')); // typed sends right after the handshake
    const ev = await nextEvent(s, 'socketData', 5000);
    assert.ok(ev.bytesLoaded > 0);
  }
});

test('session resumption: on by default, reported, and switched off per socket', async (t) => {
  const echoOne = async (s) => {
    s.writeByte(5);
    s.flush();
    await waitBytes(s, 1); // the session ticket came before the echo
    assert.equal(s.readByte(), 5);
  };
  const first = new ss.SecureSocket();
  t.after(() => first.destroy());
  assert.equal(first.sessionCache, true);
  assert.equal(first.sessionResumed, false);
  await first.connectAsync(lab.host, port('echo'));
  await echoOne(first);
  first.close();
  const second = await open(t, 'echo');
  assert.equal(second.sessionResumed, true);
  assert.equal(second.serverCertificateStatus, 'trusted');
  await echoOne(second);
  const off = new ss.SecureSocket();
  t.after(() => off.destroy());
  off.sessionCache = false;
  assert.equal(off.sessionCache, false);
  await off.connectAsync(lab.host, port('echo'));
  assert.equal(off.sessionResumed, false);
});

test('outputProgress reaches listeners added on either face, also after all were removed', async (t) => {
  const s = await open(t, 'echo');
  const flushAndWait = async (add) => {
    const got = new Promise((resolve) => add(resolve));
    s.writeBytes(Buffer.alloc(100));
    s.flush();
    const e = await got;
    assert.equal(e.type, 'outputProgress');
    await waitBytes(s, 100);
    s.readBytes(100);
  };
  await flushAndWait((f) => s.once('outputProgress', f));
  const g = (e) => g.resolve(e);
  await flushAndWait((f) => { g.resolve = f; s.addEventListener('outputProgress', g); });
  s.removeEventListener('outputProgress', g);
  s.removeAllListeners();
  await flushAndWait((f) => s.prependOnceListener('outputProgress', f));
});
