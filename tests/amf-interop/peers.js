'use strict';
// The two npm peers behind one small interface, a deep comparison that
// understands their value models, and the class aliases the tests use.

const assert = require('node:assert/strict');
const { AMF3, Stream } = require('amf3-ts');
const amf0 = require('amf-codec');

// amf3-ts: AMF3. parse(Uint8Array) returns [bytes used, value]; stringify
// returns an array of byte values.
const amf3ts = {
  name: 'amf3-ts',
  enc: 3,
  encode: (v) => Buffer.from(AMF3.stringify(v)),
  decode: (b) => {
    const [n, v] = AMF3.parse(new Uint8Array(b));
    return { n, v };
  },
};

// amf-codec: AMF0. toAMF returns a Buffer; decodeAMF reads one value at a
// Memo's position and advances it.
const amfCodec = {
  name: 'amf-codec',
  enc: 0,
  encode: (v) => amf0.toAMF(v),
  decode: (b) => {
    const memo = new amf0.Memo(0);
    const v = amf0.decodeAMF(Buffer.from(b), memo);
    return { n: memo.position, v };
  },
};

// Typed classes for amf3-ts. It writes an instance of a registered class as a
// typed sealed object whose members are the instance's own keys, and creates
// the class with no arguments when it reads one.
class Empty {}
class One {
  constructor(x = 1) {
    this.x = x;
  }
}
class Person {
  constructor(name = 'Ann', age = 42) {
    this.name = name;
    this.age = age;
  }
}
// Externalizables: amf3-ts calls writeExternal/readExternal with its stream,
// whose writeObject/readObject run a nested AMF3.stringify/parse.
class ArrayCollection {
  constructor(source) {
    this.source = source;
  }
  writeExternal(out) {
    out.writeObject(this.source);
  }
  readExternal(input) {
    this.source = input.readObject();
  }
}
class ObjectProxy {
  constructor(object) {
    this.object = object;
  }
  writeExternal(out) {
    out.writeObject(this.object);
  }
  readExternal(input) {
    this.object = input.readObject();
  }
}
// An unregistered class: amf3-ts writes its instances as anonymous sealed
// objects.
class Unregistered {}

AMF3.registerClassAlias('test.Empty', Empty);
AMF3.registerClassAlias('test.One', One);
AMF3.registerClassAlias('com.example.Person', Person);
AMF3.registerClassAlias('flex.messaging.io.ArrayCollection', ArrayCollection);
AMF3.registerClassAlias('flex.messaging.io.ObjectProxy', ObjectProxy);

const hex = (b) => Buffer.from(b).toString('hex');

// same asserts that actual is the value expected, stricter than
// assert.deepStrictEqual where AMF needs it: the same sharing and cycles (a
// bijection between the two graphs), NaN equal to NaN and -0 unequal to 0
// (dates included), holes distinct from undefined, member order, prototypes,
// the fixed flag of vectors (extensibility), ByteArray (Stream) contents.
function same(actual, expected, path = 'value', seen = { a: new Map(), e: new Map() }) {
  const at = (msg) => `${path}: ${msg}`;
  if (typeof expected !== 'object' || expected === null) {
    assert.ok(Object.is(actual, expected), at(`got ${fmt(actual)}, want ${fmt(expected)}`));
    return;
  }
  assert.ok(typeof actual === 'object' && actual !== null, at(`got ${fmt(actual)}, want an object`));
  if (seen.e.has(expected) || seen.a.has(actual)) {
    assert.ok(seen.e.get(expected) === actual && seen.a.get(actual) === expected, at('sharing differs'));
    return;
  }
  seen.e.set(expected, actual);
  seen.a.set(actual, expected);
  assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected), at('prototype differs'));
  if (expected instanceof Date) {
    assert.ok(Object.is(actual.getTime(), expected.getTime()), at(`date ${actual.getTime()}, want ${expected.getTime()}`));
    return;
  }
  if (expected instanceof Stream) {
    assert.equal(hex(actual.data), hex(expected.data), at('ByteArray bytes'));
    return;
  }
  if (ArrayBuffer.isView(expected)) {
    assert.equal(Object.isExtensible(actual), Object.isExtensible(expected), at('fixed flag'));
    assert.equal(actual.length, expected.length, at('length'));
    for (let i = 0; i < expected.length; i++) same(actual[i], expected[i], `${path}[${i}]`, seen);
    return;
  }
  if (expected instanceof Map || expected instanceof Set) {
    const ae = [...actual.entries()];
    const ee = [...expected.entries()];
    assert.equal(ae.length, ee.length, at('size'));
    ee.forEach((e, i) => same(ae[i], e, `${path}.entries[${i}]`, seen));
    return;
  }
  if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, at('length'));
    for (let i = 0; i < expected.length; i++) {
      assert.equal(i in actual, i in expected, at(`[${i}] is ${i in expected ? 'a hole' : 'not a hole'}`));
    }
  }
  assert.deepEqual(Object.keys(actual), Object.keys(expected), at('keys'));
  for (const k of Object.keys(expected)) same(actual[k], expected[k], `${path}.${k}`, seen);
}

function fmt(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Object.is(v, -0)) return '-0';
  if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v);
  return String(v);
}

module.exports = {
  amf3ts,
  amfCodec,
  AMF3,
  Stream,
  Empty,
  One,
  Person,
  ArrayCollection,
  ObjectProxy,
  Unregistered,
  same,
  hex,
};
