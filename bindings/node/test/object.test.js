'use strict';
// readObject/writeObject: JS values through the lab's echo server in AMF3 and
// AMF0 (the library encodes and decodes; lib/amf.js maps tagged JSON to JS
// values), shared values and cycles, EOF, malformed input, unencodable values.

const test = require('node:test');
const assert = require('node:assert/strict');
const { inspect } = require('node:util');
const { ss, lab, port, nextEvent, waitBytes } = require('./helpers');
const amf = require('../lib/amf');

const {
  XML, TypedObject, ECMAArray, Vector, Dictionary, ArrayCollection, ArrayList, ObjectProxy, SmallMessage,
} = ss;

async function echoSocket(t, encoding) {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  await s.connectAsync(lab.host, port('echo'));
  s.objectEncoding = encoding;
  return s;
}

/** Reads the next object, waiting for socketData while it has not fully arrived. */
async function readWhole(s, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return s.readObject();
    } catch (err) {
      if (!(err instanceof ss.EOFError)) throw err;
      const left = deadline - Date.now();
      if (left <= 0) throw err;
      await nextEvent(s, 'socketData', left);
    }
  }
}

async function echo(s, value) {
  const before = s.bytesPending;
  s.writeObject(value);
  assert.ok(s.bytesPending > before, 'writeObject wrote nothing');
  s.flush();
  return readWhole(s);
}

const SAME = Symbol('same as sent');

// [name, value, back in AMF3, back in AMF0]. AMF0 has only doubles (the same
// JS numbers), only XMLDocument, and typed objects without a sealed part.
const VALUES = [
  ['null', null, SAME, SAME],
  ['true', true, SAME, SAME],
  ['int29 min', -268435456, SAME, SAME],
  ['past int29 (a double)', 268435456, SAME, SAME],
  ['3.5', 3.5, SAME, SAME],
  ['-0', -0, SAME, SAME],
  ['large double', 1e300, SAME, SAME],
  ['NaN', NaN, SAME, SAME],
  ['Infinity', Infinity, SAME, SAME],
  ['-Infinity', -Infinity, SAME, SAME],
  ['undefined', undefined, SAME, SAME],
  ['string', 'h\u00e9llo w\u00f6rld \u{1F600}', SAME, SAME],
  ['array', [1, 'two', 3.5, null, [true]], SAME, SAME],
  ['object', { a: 1, b: 'x', nested: { list: [{ c: null }] } }, SAME, SAME],
  ['empty object and array', { o: {}, a: [] }, SAME, SAME],
  ['date', new Date(1764118923004), SAME, SAME],
  ['invalid date', new Date(NaN), SAME, SAME],
  ['xml', new XML('<a><b/></a>'), SAME, new XML('<a><b/></a>', true)],
  ['xmldoc', new XML('<r/>', true), SAME, SAME],
  ['bytearray (Buffer)', Buffer.from([0, 1, 2, 255]), SAME, SAME],
  ['bytearray (Uint8Array)', new Uint8Array([9, 8]), Buffer.from([9, 8]), Buffer.from([9, 8])],
  ['bytearray (empty)', Buffer.alloc(0), SAME, SAME],
  ['vector-int', new Vector('int', [-1, 0, 1], true), SAME, SAME],
  ['Int32Array', new Int32Array([-5, 7]), new Vector('int', [-5, 7]), new Vector('int', [-5, 7])],
  ['vector-uint', new Vector('uint', [0, 4294967295]), SAME, SAME],
  ['Uint32Array', new Uint32Array([1, 4294967295]), new Vector('uint', [1, 4294967295]),
    new Vector('uint', [1, 4294967295])],
  ['vector-double', new Vector('double', [1.5, 2, NaN, -Infinity]), SAME, SAME],
  ['Float64Array', new Float64Array([0.25, 3]), new Vector('double', [0.25, 3]), new Vector('double', [0.25, 3])],
  ['vector-object', new Vector('object', ['a', 1, { b: 2 }], false, 'Object'), SAME, SAME],
  ['vector-object <*>', new Vector('object', [null]), SAME, SAME],
  ['dictionary', new Dictionary([['k', 1], [2, 'two'], [{ key: true }, [1]]]), SAME, SAME],
  ['weak dictionary', new Dictionary([['k', 1]], true), SAME, SAME],
  ['Map', new Map([['m', 1]]), new Dictionary([['m', 1]]), new Dictionary([['m', 1]])],
  ['typed object', new TypedObject('com.example.Point', { x: 3, y: 4 }), SAME,
    new TypedObject('com.example.Point', {}, { x: 3, y: 4 })],
  ['typed dynamic object', new TypedObject('com.example.Bag', { s: 1 }, { d: 'two' }), SAME,
    new TypedObject('com.example.Bag', {}, { s: 1, d: 'two' })],
  ['typed object without members', new TypedObject('com.example.Empty'), SAME,
    new TypedObject('com.example.Empty', {}, {})],
  ['ecma array', new ECMAArray([1, 2], { foo: 'bar' }), SAME, SAME],
  ['arraycollection', new ArrayCollection(['a', 1]), SAME, SAME],
  ['arraylist', new ArrayList([{ a: 1 }]), SAME, SAME],
  ['objectproxy', new ObjectProxy({ a: 1 }), SAME, SAME],
  ['message', new SmallMessage('DSK', { body: 'payload', headers: { DSId: 'abc' }, timestamp: 1250681083985 }),
    SAME, SAME],
  ['member named $amf', { $amf: 'a plain member that looks like a tag', $$amf: 2, amf: 3 }, SAME, SAME],
  ['member named __proto__', JSON.parse('{"__proto__": 1, "x": 2}'), SAME, SAME],
];

for (const encoding of [3, 0]) {
  test(`every type round-trips through echo in AMF${encoding}`, async (t) => {
    const s = await echoSocket(t, encoding);
    for (const [name, value, amf3, amf0] of VALUES) {
      const want0 = encoding === 3 ? amf3 : amf0;
      const want = want0 === SAME ? value : want0;
      const got = await echo(s, value);
      try {
        if (want instanceof Date && Number.isNaN(want.getTime())) {
          // deepStrictEqual never finds two Invalid Dates equal
          assert.ok(got instanceof Date && Number.isNaN(got.getTime()));
        } else {
          assert.deepStrictEqual(got, want);
        }
      } catch {
        // (A plain message: the TAP reporter cannot print an Invalid Date.)
        assert.fail(`AMF${encoding} ${name}: sent ${amf.toJSON(value)}, got ${inspect(got)}, want ${inspect(want)}`);
      }
    }
    assert.equal(s.bytesAvailable, 0);
  });
}

test('the JSON sent is the library\'s tagged JSON (tests/c/test_object.c)', () => {
  const cases = [
    [-268435456, '-268435456'],
    [268435456, '268435456.0'],
    [3.5, '3.5'],
    [-0, '-0.0'],
    [1e21, '1e+21'],
    [[1, 'two', 3.5], '[1,"two",3.5]'],
    [{ a: 1, b: 'x' }, '{"a":1,"b":"x"}'],
    [undefined, '{"$amf":"undefined"}'],
    [NaN, '{"$amf":"double","value":"NaN"}'],
    [new Date(1764118923004), '{"$amf":"date","ms":1764118923004}'],
    [new XML('<a><b/></a>'), '{"$amf":"xml","text":"<a><b/></a>"}'],
    [Buffer.from([0, 1, 2, 255]), '{"$amf":"bytearray","base64":"AAEC/w=="}'],
    [new Vector('int', [-1, 0, 1]), '{"$amf":"vector-int","items":[-1,0,1]}'],
    [new Dictionary([['k', 1], [2, 'two']]), '{"$amf":"dictionary","entries":[["k",1],[2,"two"]]}'],
    [new TypedObject('com.example.Point', { x: 3, y: 4 }),
      '{"$amf":"object","class":"com.example.Point","sealed":{"x":3,"y":4}}'],
    [new ArrayCollection(['a', 1]), '{"$amf":"arraycollection","source":["a",1]}'],
    [{ $amf: 'a plain member that looks like a tag' }, '{"$$amf":"a plain member that looks like a tag"}'],
  ];
  for (const [value, json] of cases) assert.equal(amf.toJSON(value), json);
  // And back, "$$amf" names unescaped only in plain objects.
  assert.deepStrictEqual(amf.fromJSON('{"$$$amf":1,"o":{"$amf":"object","dynamic":{"$$amf":2}}}'),
    { $$amf: 1, o: { $$amf: 2 } });
});

test('integers in the 29-bit range go as AMF3 ints, other numbers as doubles', async (t) => {
  const s = await echoSocket(t, 3);
  const cases = [
    [7, [0x04, 0x07]],
    [-1, [0x04, 0xff, 0xff, 0xff, 0xff]],
    [7.5, [0x05, 0x40, 0x1e, 0, 0, 0, 0, 0, 0]],
    [268435456, [0x05, 0x41, 0xb0, 0, 0, 0, 0, 0, 0]],
    [-0, [0x05, 0x80, 0, 0, 0, 0, 0, 0, 0]],
  ];
  for (const [value, bytes] of cases) {
    s.writeObject(value);
    s.flush();
    await waitBytes(s, bytes.length);
    assert.deepEqual([...s.readBytes()], bytes, `${value}`);
  }
});

for (const encoding of [3, 0]) {
  test(`shared values and cycles keep their identity (AMF${encoding})`, async (t) => {
    const s = await echoSocket(t, encoding);
    const o = { name: 'o' };
    o.self = o;
    let r = await echo(s, o);
    assert.equal(r.self, r);
    assert.equal(r.name, 'o');

    const a = [1];
    a.push(a);
    r = await echo(s, a);
    assert.equal(r[1], r);

    const shared = { n: 1 };
    r = await echo(s, { x: shared, y: [shared, shared] });
    assert.equal(r.x, r.y[0]);
    assert.equal(r.x, r.y[1]);

    const typed = new TypedObject('com.example.Node', { next: null });
    typed.sealed.next = typed;
    r = await echo(s, typed);
    assert.ok(r instanceof TypedObject);
    assert.equal(encoding === 3 ? r.sealed.next : r.dynamic.next, r);

    if (encoding === 3) {
      // AMF0 has no references for these: each occurrence is a new value there.
      const d = new Date(0);
      const b = Buffer.from('hi');
      const m = new Map();
      m.set('me', m);
      r = await echo(s, [d, d, b, b, m]);
      assert.equal(r[0], r[1]);
      assert.ok(r[0] instanceof Date);
      assert.equal(r[2], r[3]);
      assert.ok(Buffer.isBuffer(r[2]));
      assert.equal(r[4].get('me'), r[4]);
    }
  });
}

test('EOF: a partial value throws EOFError and consumes nothing', async (t) => {
  const s = await echoSocket(t, 3);
  const str = Buffer.from([0x06, 0x0b, 0x68, 0x65, 0x6c, 0x6c, 0x6f]); // AMF3 "hello"
  s.writeBytes(str, 0, 4);
  s.flush();
  await waitBytes(s, 4);
  assert.throws(() => s.readObject(), (e) => e instanceof ss.EOFError && e.errorID === 2030 && e.code === 'ERR_SS_EOF');
  assert.equal(s.bytesAvailable, 4);
  s.writeBytes(str, 4);
  s.flush();
  await waitBytes(s, 7);
  assert.equal(s.readObject(), 'hello');
  assert.equal(s.bytesAvailable, 0);
});

test('malformed input: RangeError #2006, nothing consumed', async (t) => {
  const s = await echoSocket(t, 3);
  s.writeBytes(Buffer.from([0x0a, 0x07, 0x00])); // a trait reference to no trait
  s.flush();
  await waitBytes(s, 3);
  assert.throws(() => s.readObject(), (e) => e instanceof RangeError && e instanceof ss.RangeError &&
    e.errorID === 2006 && e.code === 'ERR_SS_RANGE' && /offset/.test(e.message));
  assert.equal(s.bytesAvailable, 3);
});

test('unencodable values throw before anything is written', async (t) => {
  const s = await echoSocket(t, 3);
  class Foo { constructor() { this.a = 1; } }
  for (const bad of [() => 1, Symbol('s'), { nested: [function f() {}] }, { s: Symbol('x') }, 10n,
    new Foo(), new Set([1]), new Map([[Symbol('k'), 1]])]) {
    assert.throws(() => s.writeObject(bad), (e) => e instanceof TypeError && e.code === 'ERR_SS_UNENCODABLE',
      String(typeof bad));
    assert.equal(s.bytesPending, 0);
  }
  // What the library refuses (an int out of range in a Vector.<int>) writes nothing either.
  assert.throws(() => s.writeObject(new Vector('int', [2 ** 40])), { errorID: 2004, code: 'ERR_SS_BAD_PARAM' });
  assert.equal(s.bytesPending, 0);
});

test('readObject/writeObject on a socket that is not open: IOError #2002', (t) => {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  assert.throws(() => s.readObject(), { errorID: 2002, code: 'ERR_SS_INVALID_SOCKET' });
  assert.throws(() => s.writeObject(1), { errorID: 2002, code: 'ERR_SS_INVALID_SOCKET' });
});
