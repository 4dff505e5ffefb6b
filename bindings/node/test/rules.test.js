'use strict';
// Rules shared across languages: the header is the one source of return
// codes, event numbers and status names; error texts come from the
// library; AS3's readBytes(bytes, offset, length); one base error class; a
// failure nobody listens for is reported.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ss, lab, port, nextEvent, connectTo, waitBytes } = require('./helpers');
const native = require('../lib/native');
const errors = require('../lib/errors');

const HEADER = path.join(__dirname, '..', '..', '..', 'include', 'securesocket.h');

/** name -> {value, comment} of every SS_ #define in the header. */
function headerDefines() {
  const out = new Map();
  const re = /^#define (SS_[A-Z0-9_]+) +(\S+)[ \t]*(?:\/\*(.*))?$/gm;
  for (const m of fs.readFileSync(HEADER, 'utf8').matchAll(re)) {
    out.set(m[1], { value: m[2], comment: (m[3] || '').trim() });
  }
  assert.ok(out.size > 20, 'the header\'s #defines were not found');
  return out;
}

function group(defs, prefix) {
  const out = {};
  for (const [name, d] of defs) if (name.startsWith(prefix)) out[name] = d.value.replace(/^"|"$/g, '');
  return out;
}

const sorted = (xs) => [...xs].sort();

test('the return codes are the header\'s, with its AS3 classes', () => {
  const defs = headerDefines();
  const codes = Object.entries(group(defs, 'SS_ERR_')).map(([name, v]) => [name, Number(v.replace(/[()]/g, ''))]);
  assert.deepEqual(sorted([...errors.BY_RC.keys()]), sorted(codes.map(([, c]) => c)));
  for (const [name, code] of codes) {
    const [codeString, Cls] = errors.BY_RC.get(code);
    assert.equal(codeString, name.replace(/^SS_ERR_/, 'ERR_SS_'), name);
    if (code <= -1000) assert.ok(defs.get(name).comment.startsWith(Cls.prototype.name), `${name}: ${Cls.name}`);
    assert.doesNotMatch(native.load().ss_error_text(code), /not a code/, name);
  }
});

test('event numbers and status names are the header\'s', () => {
  const defs = headerDefines();
  const events = group(defs, 'SS_EVENT_');
  assert.deepEqual(Object.fromEntries(Object.entries(events).map(([n, v]) => [n.slice('SS_EVENT_'.length), Number(v)])),
    { ...native.EVENT });
  // The AS3 type string opens each comment, and the event classes use it.
  const names = Object.keys(events).map((n) => /^"(\w+)"/.exec(defs.get(n).comment)[1]);
  assert.deepEqual(sorted(names), sorted([ss.Event.CONNECT, ss.Event.CLOSE, ss.ProgressEvent.SOCKET_DATA,
    ss.IOErrorEvent.IO_ERROR, ss.SecurityErrorEvent.SECURITY_ERROR, ss.OutputProgressEvent.OUTPUT_PROGRESS]));
  assert.deepEqual(sorted(Object.values(ss.CertificateStatus)), sorted(Object.values(group(defs, 'SS_CERT_'))));
  assert.deepEqual(sorted(Object.values(ss.Endian)),
    sorted([defs.get('SS_BIG_ENDIAN').value, defs.get('SS_LITTLE_ENDIAN').value].map((v) => v.replace(/"/g, ''))));
  const rev = group(defs, 'SS_REVOCATION_');
  const modes = ['SOFT_FAIL', 'HARD_FAIL', 'STAPLE_ONLY', 'OFF'].map((k) => rev[`SS_REVOCATION_${k}`]);
  assert.deepEqual(sorted(Object.values(ss.RevocationMode)), sorted(modes));
  assert.deepEqual(sorted(Object.values(ss.RevocationStatus)),
    sorted(Object.values(rev).filter((v) => !modes.includes(v))));
  assert.deepEqual(sorted(Object.values(ss.TLSVersion)), sorted(Object.values(group(defs, 'SS_TLS1_')).map(Number)));
});

test('every error class shares one base, SecureSocketError, with errorID', () => {
  const made = [
    new ss.IOError('x', 2002, 'ERR_SS_INVALID_SOCKET'), new ss.EOFError('x', 2030, 'ERR_SS_EOF'),
    new ss.ArgumentError('x', 2004, 'ERR_SS_BAD_PARAM'), new ss.SecurityError('x', 2003, 'ERR_SS_BAD_PORT'),
    new ss.IllegalOperationError('x', 0, 'ERR_SS_UNSUPPORTED'), new ss.RangeError('x', 2006, 'ERR_SS_RANGE'),
    new ss.TypeError('x', 2007, 'ERR_SS_NULL'), new ss.SecureSocketError('x', 0, 'ERR_SS_HANDLE'),
  ];
  for (const e of made) {
    assert.ok(e instanceof ss.SecureSocketError, e.name);
    assert.ok(e instanceof Error);
    assert.equal(typeof e.errorID, 'number');
  }
  assert.ok(made[5] instanceof globalThis.RangeError && made[6] instanceof globalThis.TypeError);
  // Only the base recognises the brand; the other classes stay exact.
  assert.ok(!(made[5] instanceof ss.IOError) && !(made[0] instanceof ss.ArgumentError));
  assert.ok(!(new Error('x') instanceof ss.SecureSocketError) && !(new RangeError('x') instanceof ss.SecureSocketError));
  // A library failure too.
  const s = new ss.SecureSocket();
  try {
    assert.throws(() => s.readInt(), (e) => e instanceof ss.SecureSocketError && e instanceof ss.IOError);
    assert.throws(() => s.endian = 'x', (e) => e instanceof ss.SecureSocketError && e.errorID === 2008);
  } finally {
    s.destroy();
  }
});

test('the constructor throws IllegalOperationError where secure sockets are not supported', () => {
  // The library is always supported here: make it answer as an unsupported
  // one would (ss_socket_new NULL, ss_is_supported 0).
  const api = native.load();
  const { ss_socket_new: newFn, ss_is_supported: supFn } = api;
  api.ss_socket_new = () => null;
  api.ss_is_supported = () => 0;
  try {
    assert.throws(() => new ss.SecureSocket(), (e) => e instanceof ss.IllegalOperationError &&
      e instanceof ss.SecureSocketError && e.name === 'IllegalOperationError' && e.code === 'ERR_SS_UNSUPPORTED');
  } finally {
    api.ss_socket_new = newFn;
    api.ss_is_supported = supFn;
  }
});

test('error texts without a socket come from the library', () => {
  assert.equal(native.load().ss_error_text(-2030), 'Error #2030: End of file was encountered.');
  assert.throws(() => ss.SecureSocket.publicKeyPin(Buffer.from('nope')), {
    name: 'ArgumentError', errorID: 2004, message: 'Error #2004: One of the parameters is invalid. (not one DER certificate)',
  });
  const s = new ss.SecureSocket();
  try {
    assert.throws(() => s.readBytes(Buffer.alloc(2), 3), {
      name: 'RangeError', errorID: 2006, message: 'Error #2006: The supplied index is out of bounds. (offset exceeds the buffer)',
    });
  } finally {
    s.destroy();
  }
});

test('readBytes(bytes, offset, length) writes into the given buffer, as AS3', async (t) => {
  const s = await connectTo('echo');
  t.after(() => s.destroy());
  const data = Buffer.from('0123456789abcdefghij');
  s.writeBytes(data);
  s.flush();
  await waitBytes(s, 20);
  const ba = Buffer.alloc(8, 0x2e);
  assert.equal(s.readBytes(ba, 0, 5), undefined);
  assert.equal(ba.toString('latin1'), '01234...');
  const u8 = new Uint8Array(6);
  s.readBytes(u8, 2, 3);
  assert.deepEqual([...u8], [0, 0, ...Buffer.from('567'), 0]);
  assert.throws(() => s.readBytes(Buffer.alloc(64), 0, 13), { name: 'EOFError', errorID: 2030 }); // 12 are there
  assert.throws(() => s.readBytes(Buffer.alloc(4)), { name: 'RangeError', errorID: 2006 }); // 12 do not fit in 4
  assert.throws(() => s.readBytes(Buffer.alloc(4), 0, 5), { name: 'RangeError', errorID: 2006 });
  assert.equal(s.bytesAvailable, 12); // nothing consumed
  const rest = Buffer.alloc(14, 0x2e);
  s.readBytes(rest, 1); // length 0: everything available
  assert.equal(rest.toString('latin1'), '.89abcdefghij.');
  s.readBytes(rest); // nothing left: nothing read, no error
  assert.throws(() => s.readBytes(null), { name: 'TypeError', errorID: 2007 });
  // The number-first form still returns a new Buffer.
  assert.deepEqual(s.readBytes(), Buffer.alloc(0));
  assert.throws(() => s.readBytes(1), { name: 'EOFError', errorID: 2030 });
});

test('a port wraps as AS3 converts an int (ToInt32), as in Python', async (t) => {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  s.connect(lab.host, 2 ** 32 + port('trusted'));
  await nextEvent(s, 'connect');
  assert.equal(s.remotePort, port('trusted'));
  s.timeout = -1; // uint: ToUint32
  assert.equal(s.timeout, 2 ** 32 - 1);
});

test('an ioError nobody listens for is reported as a process warning', async (t) => {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  const warned = new Promise((resolve) => {
    const on = (w) => {
      if (w.name !== 'UnhandledIOErrorEvent') return;
      process.off('warning', on);
      resolve(w);
    };
    process.on('warning', on);
  });
  s.connect(lab.host, port('refused'));
  const w = await warned;
  assert.equal(w.code, 'ERR_SS_UNHANDLED_ERROR_EVENT');
  assert.ok(w.message.startsWith(`Error #2031: Socket Error. URL: ${lab.host} (`), w.message);
  assert.match(w.message, /refused/);
  // With a listener: handled, no warning.
  let warnings = 0;
  const count = (x) => { if (x.name === 'UnhandledIOErrorEvent') warnings++; };
  process.on('warning', count);
  t.after(() => process.off('warning', count));
  s.connect(lab.host, port('refused'));
  await nextEvent(s, 'ioError');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(warnings, 0);
});
