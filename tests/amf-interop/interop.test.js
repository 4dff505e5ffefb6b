'use strict';
// Interoperability of core/amf with two independent implementations:
// amf3-ts (AMF3) and amf-codec (AMF0). For every row of a table:
//   (a) the npm library encodes the JS value, core/amf decodes it, and its
//       tagged JSON (core/amf/JSON.md) must be the row's JSON;
//   (b) core/amf encodes the row's JSON, the library decodes it, and the JS
//       value must be the row's value;
//   (c) both encoders must write the same bytes (and the row's hex, if given),
//       unless the row says why they differ.
// A direction a library cannot take is skipped with the reason. Where a
// library and core/amf disagree, the exact behaviour is pinned at the end of
// this file (README.md lists every case).
//
// Run: node --test (in this directory), or ./run_tests.sh.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { AmfJson } = require('./amfjson');
const P = require('./peers');
const { amf3ts, amfCodec, Stream, Empty, One, Person, ArrayCollection, ObjectProxy, Unregistered, same, hex } = P;
const random = require('./random');
const message = require('./message');
const conformant = require('./conformant');

let go;
before(() => {
  go = new AmfJson();
});
after(() => go && go.close());

// Helpers for building rows.
const frozen = (ta) => Object.preventExtensions(ta);
const mixed = (dense, assoc) => Object.assign([...dense], assoc);
const bytes = (...b) => new Stream(b.flat());
const all256 = () => Array.from({ length: 256 }, (_, i) => i);
const longA = 'a'.repeat(70000);
const u29 = (n) => `04${hex(encU29(n & 0x1fffffff))}`;
function encU29(n) {
  if (n < 0x80) return [n];
  if (n < 0x4000) return [0x80 | (n >> 7), n & 0x7f];
  if (n < 0x200000) return [0x80 | (n >> 14), 0x80 | ((n >> 7) & 0x7f), n & 0x7f];
  return [0x80 | (n >> 22), 0x80 | ((n >> 15) & 0x7f), 0x80 | ((n >> 8) & 0x7f), n & 0xff];
}

// Rows: name; js() the JS value (a fresh graph per call); json the same value
// in core/amf's JSON form; optional hex (the canonical bytes, worked out by
// hand from the specifications); a / b: a string skips that direction with the
// reason; decoded() the value the library reads in (b) when it is not js();
// sameBytes: a string says why the two encodings differ.
const NAN_BYTES = 'V8 writes NaN as 7ff8000000000000, core/amf as fff8000000000000 (its one NaN, JSON.md); both read either as NaN';

const amf3Rows = [
  // --- scalars
  { name: 'undefined', js: () => undefined, json: '{"$amf":"undefined"}', hex: '00' },
  { name: 'null', js: () => null, json: 'null', hex: '01' },
  { name: 'false', js: () => false, json: 'false', hex: '02' },
  { name: 'true', js: () => true, json: 'true', hex: '03' },
  ...[0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, -1, -128, -129, -2097152, -268435456].map((n) => ({
    name: `int ${n}`,
    js: () => n,
    json: String(n),
    hex: u29(n),
  })),
  ...[268435456, -268435457, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53].map((n) => ({
    name: `int ${n} (outside 29 bits: a double)`,
    js: () => n,
    json: `${n}.0`,
    hex: '05' + hex(f64(n)),
  })),
  ...[1.5, -2.25, 0.1, 1e300, 5e-324, Number.MAX_VALUE, -1e-300].map((n) => ({
    name: `double ${n}`,
    js: () => n,
    json: String(n),
    hex: '05' + hex(f64(n)),
  })),
  { name: 'double Infinity', js: () => Infinity, json: '{"$amf":"double","value":"Infinity"}', hex: '057ff0000000000000' },
  { name: 'double -Infinity', js: () => -Infinity, json: '{"$amf":"double","value":"-Infinity"}', hex: '05fff0000000000000' },
  { name: 'double NaN', js: () => NaN, json: '{"$amf":"double","value":"NaN"}', sameBytes: NAN_BYTES },
  {
    name: 'double -0',
    js: () => -0,
    json: '-0.0',
    hex: '058000000000000000',
    a: 'amf3-ts writes -0 as the integer 0 (pinned below)',
  },
  // --- strings
  { name: 'empty string', js: () => '', json: '""', hex: '0601' },
  { name: 'ASCII string', js: () => 'hello', json: '"hello"', hex: '060b68656c6c6f' },
  { name: 'Latin-1 string', js: () => 'héllo wörld', json: '"héllo wörld"' },
  { name: 'CJK string', js: () => '日本語テキスト', json: '"日本語テキスト"' },
  { name: 'astral string (surrogate pair)', js: () => 'a😀b', json: '"a😀b"', hex: '060d61f09f988062' },
  { name: 'string with NUL and controls', js: () => '\u0000\u0001\n\t"\\', json: '"\\u0000\\u0001\\n\\t\\"\\\\"' },
  { name: 'string of 70000 bytes', js: () => longA, json: JSON.stringify(longA) },
  {
    name: 'lone surrogate becomes U+FFFD on both sides',
    js: () => 'x\ud800y',
    json: '"x\ufffdy"',
    decoded: () => 'x\ufffdy',
  },
  { name: 'string references', js: () => ['abc', 'abc', 'd', 'abc'], json: '["abc","abc","d","abc"]', hex: '0909010607616263060006036406 00'.replace(/ /g, '') },
  // --- dates
  { name: 'date 0', js: () => new Date(0), json: '{"$amf":"date","ms":0}', hex: '08010000000000000000' },
  { name: 'date 2023-11-14', js: () => new Date(1700000000000), json: '{"$amf":"date","ms":1700000000000}' },
  { name: 'date before 1970', js: () => new Date(-1e12), json: '{"$amf":"date","ms":-1000000000000}' },
  { name: 'date at the end of JS time', js: () => new Date(8.64e15), json: '{"$amf":"date","ms":8640000000000000}' },
  { name: 'invalid date (NaN)', js: () => new Date(NaN), json: '{"$amf":"date","ms":"NaN"}', sameBytes: NAN_BYTES },
  {
    name: 'shared date',
    js: () => {
      const d = new Date(1111111111000);
      return [d, d];
    },
    json: '[{"$amf":"date","id":0,"ms":1111111111000},{"$amf":"ref","id":0}]',
  },
  // --- arrays
  { name: 'empty array', js: () => [], json: '[]', hex: '090101' },
  { name: 'dense array', js: () => [1, 2, 3], json: '[1,2,3]', hex: '0907010401040204 03'.replace(/ /g, '') },
  { name: 'nested arrays', js: () => [[1], [2, [3, []]]], json: '[[1],[2,[3,[]]]]' },
  { name: 'array of mixed types', js: () => [1, 'x', true, 1.5, { a: 1 }], json: '[1,"x",true,1.5,{"a":1}]' },
  {
    name: 'mixed array (dense and named)',
    js: () => mixed([1, 2], { k: 'v' }),
    json: '{"$amf":"array","dense":[1,2],"assoc":{"k":"v"}}',
    hex: '0905036b0603760104010402',
  },
  {
    name: 'associative-only array',
    js: () => mixed([], { a: 1, b: 'x' }),
    json: '{"$amf":"array","assoc":{"a":1,"b":"x"}}',
    hex: '090103610401036206037801',
  },
  {
    name: 'array holding null and undefined',
    js: () => [null, undefined, 1],
    json: '[null,{"$amf":"undefined"},1]',
    b: 'amf3-ts reads null and undefined elements as holes (pinned below)',
  },
  {
    name: 'array nested 200 deep',
    js: () => {
      let v = [];
      for (let i = 0; i < 199; i++) v = [v];
      return v;
    },
    json: '['.repeat(200) + ']'.repeat(200),
  },
  // --- anonymous objects
  { name: 'empty object', js: () => ({}), json: '{}', hex: '0a0b0101' },
  { name: 'dynamic object', js: () => ({ a: 1, b: 'x', c: null }), json: '{"a":1,"b":"x","c":null}', hex: '0a0b010361040103620603780363010 1'.replace(/ /g, '') },
  { name: 'object member undefined', js: () => ({ u: undefined }), json: '{"u":{"$amf":"undefined"}}' },
  { name: 'nested objects', js: () => ({ o: { p: { q: [1, { r: 's' }] } } }), json: '{"o":{"p":{"q":[1,{"r":"s"}]}}}' },
  {
    name: 'objects sharing anonymous traits',
    js: () => [{ a: 1 }, { a: 2 }],
    json: '[{"a":1},{"a":2}]',
    hex: '0905010a0b0103610401010a0100040201',
  },
  { name: 'member named $amf (escaped in JSON)', js: () => ({ $amf: 1, $$amf: 2 }), json: '{"$$amf":1,"$$$amf":2}' },
  { name: 'non-ASCII member names', js: () => ({ 'clé': 1, '名前': 'x' }), json: '{"clé":1,"名前":"x"}' },
  {
    name: 'integer-like member names come first in JS',
    js: () => ({ b: 1, 1: 2 }),
    json: '{"1":2,"b":1}',
  },
  {
    name: 'anonymous sealed object without members',
    js: () => new Unregistered(),
    json: '{"$amf":"object"}',
    hex: '0a0301',
    decoded: () => ({}),
  },
  {
    name: 'anonymous sealed object, one member',
    js: () => Object.assign(new Unregistered(), { x: 'y' }),
    json: '{"$amf":"object","sealed":{"x":"y"}}',
    hex: '0a1301037806037 9'.replace(/ /g, ''),
    decoded: () => ({ x: 'y' }),
  },
  // --- typed objects (class aliases)
  { name: 'typed object, no members', js: () => new Empty(), json: '{"$amf":"object","class":"test.Empty"}', hex: '0a031574 6573742e456d707479'.replace(/ /g, '') },
  {
    name: 'typed object, one sealed member',
    js: () => new One(7),
    json: '{"$amf":"object","class":"test.One","sealed":{"x":7}}',
    hex: '0a131174657374 2e4f6e6503780407'.replace(/ /g, ''),
  },
  {
    name: 'typed object, two sealed members',
    js: () => new Person('Ann', 42),
    json: '{"$amf":"object","class":"com.example.Person","sealed":{"name":"Ann","age":42}}',
    a: 'amf3-ts writes sealed member names interleaved with the values (pinned below)',
    b: 'amf3-ts reads sealed member names interleaved with the values (pinned below)',
  },
  {
    name: 'typed objects sharing traits',
    js: () => [new One(1), new One(2)],
    json: '[{"$amf":"object","class":"test.One","sealed":{"x":1}},{"$amf":"object","class":"test.One","sealed":{"x":2}}]',
    a: 'amf3-ts repeats the member names after a traits reference (pinned below)',
    b: 'amf3-ts expects member names after a traits reference (pinned below)',
  },
  {
    name: 'typed dynamic object',
    js: () => ({ a: 1 }),
    json: '{"$amf":"object","class":"test.Dyn","dynamic":{"a":1}}',
    a: 'amf3-ts writes registered classes as sealed and never dynamic',
    decoded: () => ({ a: 1 }),
  },
  // --- ByteArray
  { name: 'ByteArray', js: () => bytes(0, 1, 2, 255), json: '{"$amf":"bytearray","base64":"AAEC/w=="}', hex: '0c09000102ff' },
  { name: 'ByteArray of every byte', js: () => bytes(all256()), json: JSON.stringify({ $amf: 'bytearray', base64: Buffer.from(all256()).toString('base64') }) },
  { name: 'empty ByteArray (last value)', js: () => bytes(), json: '{"$amf":"bytearray"}', hex: '0c01' },
  {
    name: 'empty ByteArray followed by a value',
    js: () => [bytes(), 1],
    json: '[{"$amf":"bytearray"},1]',
    hex: '0905010c010401',
    b: 'amf3-ts reads an empty ByteArray as all the bytes that remain (pinned below)',
  },
  {
    name: 'shared ByteArray',
    js: () => {
      const b = bytes(1, 2);
      return [b, b];
    },
    json: '[{"$amf":"bytearray","id":0,"base64":"AQI="},{"$amf":"ref","id":0}]',
    hex: '0905010c0501020c02',
  },
  // --- vectors
  {
    name: 'Vector.<int>',
    js: () => new Int32Array([0, 1, 65536, 2147483647]),
    json: '{"$amf":"vector-int","items":[0,1,65536,2147483647]}',
    hex: '0d0900 00000000 00000001 00010000 7fffffff'.replace(/ /g, ''),
  },
  {
    name: 'Vector.<int> with negative items',
    js: () => new Int32Array([-1, -2147483648]),
    json: '{"$amf":"vector-int","items":[-1,-2147483648]}',
    hex: '0d05 00 ffffffff 80000000'.replace(/ /g, ''),
    a: 'amf3-ts cannot write a negative Vector.<int> item: RangeError (pinned below)',
  },
  { name: 'Vector.<int> fixed', js: () => frozen(new Int32Array([1, 2])), json: '{"$amf":"vector-int","fixed":true,"items":[1,2]}', hex: '0d05010000000100000002' },
  { name: 'Vector.<int> empty', js: () => new Int32Array(0), json: '{"$amf":"vector-int","items":[]}', hex: '0d0100' },
  {
    name: 'Vector.<uint>',
    js: () => new Uint32Array([0, 1, 2147483648, 4294967295]),
    json: '{"$amf":"vector-uint","items":[0,1,2147483648,4294967295]}',
    hex: '0e09000000000000000001800000 00ffffffff'.replace(/ /g, ''),
  },
  {
    name: 'Vector.<Number>',
    js: () => new Float64Array([1.5, -0, Infinity, -Infinity, 5e-324]),
    json: '{"$amf":"vector-double","items":[1.5,-0.0,"Infinity","-Infinity",5e-324]}',
  },
  { name: 'Vector.<Number> with NaN', js: () => new Float64Array([NaN]), json: '{"$amf":"vector-double","items":["NaN"]}', sameBytes: NAN_BYTES },
  {
    name: 'shared Vector.<int>',
    js: () => {
      const v = new Int32Array([5]);
      return { a: v, b: v };
    },
    json: '{"a":{"$amf":"vector-int","id":0,"items":[5]},"b":{"$amf":"ref","id":0}}',
  },
  // --- externalizables (amf3-ts: user classes registered under the Flex aliases)
  {
    name: 'ArrayCollection',
    js: () => new ArrayCollection([1, 'x', { a: 1 }]),
    json: '{"$amf":"arraycollection","source":[1,"x",{"a":1}]}',
    n: 'amf3-ts reports a wrong position after an externalizable (pinned below)',
  },
  {
    name: 'ObjectProxy',
    js: () => new ObjectProxy({ a: 1, b: 'x' }),
    json: '{"$amf":"objectproxy","object":{"a":1,"b":"x"}}',
    n: 'amf3-ts reports a wrong position after an externalizable (pinned below)',
  },
  // --- references and cycles
  {
    name: 'shared object',
    js: () => {
      const o = { x: 1 };
      return { a: o, b: o };
    },
    json: '{"a":{"$amf":"object","id":0,"dynamic":{"x":1}},"b":{"$amf":"ref","id":0}}',
    hex: '0a0b0103610a0103780401010362 0a0201'.replace(/ /g, ''),
  },
  {
    name: 'object cycle (o.self = o)',
    js: () => {
      const o = {};
      o.self = o;
      return o;
    },
    json: '{"$amf":"object","id":0,"dynamic":{"self":{"$amf":"ref","id":0}}}',
    hex: '0a0b0109736 56c660a0001'.replace(/ /g, ''),
  },
  {
    name: 'array cycle (a[0] = a)',
    js: () => {
      const a = [];
      a.push(a);
      return a;
    },
    json: '{"$amf":"array","id":0,"dense":[{"$amf":"ref","id":0}]}',
    hex: '0903010900',
  },
  {
    name: 'mutual cycle through an array',
    js: () => {
      const a = { name: 'a' };
      const b = { name: 'b', peer: a };
      a.peers = [b];
      return a;
    },
    json: '{"$amf":"object","id":0,"dynamic":{"name":"a","peers":[{"name":"b","peer":{"$amf":"ref","id":0}}]}}',
  },
];

// AMF0 has only doubles: the JSON of a number read from AMF0 is a double.
const amf0Rows = [
  { name: 'undefined', js: () => undefined, json: '{"$amf":"undefined"}', hex: '06' },
  { name: 'null', js: () => null, json: 'null', hex: '05' },
  { name: 'false', js: () => false, json: 'false', hex: '0100' },
  { name: 'true', js: () => true, json: 'true', hex: '0101' },
  ...[0, 1, -1, 268435456, 2 ** 53, 1.5, -2.25, 1e300, 5e-324].map((n) => ({
    name: `number ${n}`,
    js: () => n,
    json: Number.isInteger(n) && Math.abs(n) < 1e21 ? `${n}.0` : String(n),
    hex: '00' + hex(f64(n)),
  })),
  { name: 'number -0', js: () => -0, json: '-0.0', hex: '008000000000000000' },
  { name: 'number Infinity', js: () => Infinity, json: '{"$amf":"double","value":"Infinity"}', hex: '007ff0000000000000' },
  { name: 'number -Infinity', js: () => -Infinity, json: '{"$amf":"double","value":"-Infinity"}', hex: '00fff0000000000000' },
  { name: 'number NaN', js: () => NaN, json: '{"$amf":"double","value":"NaN"}', sameBytes: NAN_BYTES },
  { name: 'empty string', js: () => '', json: '""', hex: '020000' },
  { name: 'ASCII string', js: () => 'hello', json: '"hello"', hex: '02000568656c6c6f' },
  { name: 'non-ASCII string', js: () => 'héllo 日本 😀', json: '"héllo 日本 😀"' },
  { name: 'string of 65535 bytes (short form)', js: () => 'b'.repeat(65535), json: JSON.stringify('b'.repeat(65535)) },
  { name: 'string of 65536 bytes (long string 0x0C)', js: () => 'c'.repeat(65536), json: JSON.stringify('c'.repeat(65536)) },
  { name: 'date 0', js: () => new Date(0), json: '{"$amf":"date","ms":0}', hex: '0b00000000000000000000' },
  { name: 'date 2023-11-14', js: () => new Date(1700000000000), json: '{"$amf":"date","ms":1700000000000}' },
  { name: 'date before 1970', js: () => new Date(-1e12), json: '{"$amf":"date","ms":-1000000000000}' },
  { name: 'invalid date (NaN)', js: () => new Date(NaN), json: '{"$amf":"date","ms":"NaN"}', sameBytes: NAN_BYTES },
  { name: 'empty object', js: () => ({}), json: '{}', hex: '03000009' },
  { name: 'object', js: () => ({ a: 1, b: 'x', c: null, d: undefined }), json: '{"a":1.0,"b":"x","c":null,"d":{"$amf":"undefined"}}' },
  { name: 'nested objects', js: () => ({ o: { p: { q: [1, { r: 's' }] } } }), json: '{"o":{"p":{"q":[1.0,{"r":"s"}]}}}' },
  { name: 'member named $amf (escaped in JSON)', js: () => ({ $amf: true }), json: '{"$$amf":true}' },
  { name: 'non-ASCII member names', js: () => ({ 'clé': 1, '名前': 'x' }), json: '{"clé":1.0,"名前":"x"}' },
  { name: 'empty strict array', js: () => [], json: '[]', hex: '0a00000000' },
  { name: 'strict array', js: () => [1, 'a', null, undefined, false], json: '[1.0,"a",null,{"$amf":"undefined"},false]', hex: '0a00000005003ff000000000000002000161050601 00'.replace(/ /g, '') },
  { name: 'nested strict arrays', js: () => [[1], [[2], []]], json: '[[1.0],[[2.0],[]]]' },
  {
    name: 'ECMA array (dense and named)',
    js: () => mixed([1, 2], { k: 'v' }),
    json: '{"$amf":"array","dense":[1,2],"assoc":{"k":"v"}}',
    a: 'amf-codec writes every JS array as a strict array and drops named keys (pinned below)',
  },
  {
    name: 'ECMA array (named only)',
    js: () => mixed([], { a: 1, b: 'x' }),
    json: '{"$amf":"array","assoc":{"a":1,"b":"x"}}',
    a: 'amf-codec writes every JS array as a strict array and drops named keys (pinned below)',
  },
  {
    name: 'typed object',
    js: () => ({ name: 'Ann', age: 42 }),
    json: '{"$amf":"object","class":"com.example.Person","sealed":{"name":"Ann","age":42}}',
    a: 'amf-codec cannot write a typed object (0x10)',
    decoded: () => ({ name: 'Ann', age: 42 }),
  },
  {
    name: 'shared object (reference 0x07)',
    js: () => {
      const o = { x: 1 };
      return [o, o];
    },
    json: '[{"$amf":"object","id":0,"dynamic":{"x":1.0}},{"$amf":"ref","id":0}]',
    hex: '0a00000002 03 0001 78 00 3ff0000000000000 000009 07 0001'.replace(/ /g, ''),
    a: 'amf-codec writes no references: a shared object is written twice (pinned below)',
  },
  {
    name: 'shared typed object (reference 0x07)',
    js: () => {
      const o = { x: 1 };
      return [o, o];
    },
    json: '[{"$amf":"object","id":0,"class":"com.example.P","sealed":{"x":1.0}},{"$amf":"ref","id":0}]',
    hex: '0a00000002 10 000d 636f6d2e6578616d706c652e50 0001 78 00 3ff0000000000000 000009 07 0001'.replace(/ /g, ''),
    a: 'amf-codec cannot write a typed object (0x10) nor a reference',
    decoded: () => {
      const o = { x: 1 };
      return [o, o];
    },
  },
  {
    name: 'reference counting: arrays take slots, dates do not',
    js: () => {
      const o = { y: 2 };
      const d = new Date(0);
      return [d, [o], o, d];
    },
    json: '[{"$amf":"date","ms":0},[{"$amf":"object","id":0,"dynamic":{"y":2.0}}],{"$amf":"ref","id":0},{"$amf":"date","ms":0}]',
    a: 'amf-codec writes no references',
    decoded: () => {
      const o = { y: 2 };
      return [new Date(0), [o], o, new Date(0)];
    },
  },
  {
    name: 'object cycle (o.self = o)',
    js: () => {
      const o = {};
      o.self = o;
      return o;
    },
    json: '{"$amf":"object","id":0,"dynamic":{"self":{"$amf":"ref","id":0}}}',
    hex: '03 0004 73656c66 07 0000 000009'.replace(/ /g, ''),
    a: 'amf-codec writes no references: a cycle overflows its stack (pinned below)',
  },
];

function f64(n) {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
}

for (const [lib, rows] of [
  [amf3ts, amf3Rows],
  [amfCodec, amf0Rows],
]) {
  describe(`${lib.name} (AMF${lib.enc})`, () => {
    for (const row of rows) {
      describe(row.name, () => {
        test(`${lib.name} encodes, core/amf decodes`, { skip: row.a }, async () => {
          const b = lib.encode(row.js());
          const got = await go.decode(lib.enc, b);
          assert.equal(got.n, b.length, 'core/amf used every byte');
          assert.equal(got.json, await go.canon(row.json));
        });
        test(`core/amf encodes, ${lib.name} decodes`, { skip: row.b }, async () => {
          const b = await go.encode(lib.enc, row.json);
          const got = lib.decode(b);
          if (!row.n) assert.equal(got.n, b.length, `${lib.name} used every byte`);
          same(got.v, (row.decoded || row.js)());
        });
        const why = row.a || row.sameBytes;
        test('same bytes' + (row.hex ? ' (canonical)' : ''), { skip: why }, async () => {
          const ours = hex(await go.encode(lib.enc, row.json));
          const theirs = hex(lib.encode(row.js()));
          if (row.hex) assert.equal(ours, row.hex, 'core/amf');
          assert.equal(theirs, ours, `${lib.name} vs core/amf`);
        });
        if (row.hex && why) {
          test('core/amf writes the canonical bytes', async () => {
            assert.equal(hex(await go.encode(lib.enc, row.json)), row.hex);
          });
        }
      });
    }
  });
}

// Seeded random graphs within what each library handles correctly: the
// library's bytes must decode in core/amf to a JSON form that core/amf
// encodes to the very same bytes, and the library must read those back to
// the original graph (sharing and cycles included for AMF3).
const SEEDS = Number(process.env.AMF_INTEROP_SEEDS || 300);
describe('random graphs', () => {
  for (const [lib, gen] of [
    [amf3ts, random.amf3Value],
    [amfCodec, random.amf0Value],
  ]) {
    test(`${lib.name}: ${SEEDS} graphs, same bytes both ways`, async () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const where = `${lib.name} seed ${seed}`;
        const theirs = lib.encode(gen(seed));
        const got = await go.decode(lib.enc, theirs);
        assert.equal(got.n, theirs.length, where);
        const ours = await go.encode(lib.enc, got.json);
        assert.equal(hex(ours), hex(theirs), `${where}: ${got.json}`);
        const back = lib.decode(ours);
        assert.equal(back.n, ours.length, where);
        try {
          same(back.v, gen(seed));
        } catch (e) {
          e.message = `${where}: ${e.message}`;
          throw e;
        }
      }
    });
  }
});

// The benchmark message (bench.js): amf3-ts reads it only with conformant.js.
describe('benchmark message', () => {
  test('amf3-ts as shipped cannot read it', () => {
    const { bytes, json } = message.load();
    message.fromTagged(JSON.parse(json)); // registers the classes
    assert.throws(() => amf3ts.decode(bytes));
  });

  test('amf3-ts with conformant.js reads it to its JSON value, and writes it back', async () => {
    const { bytes, json } = message.load();
    const want = message.fromTagged(JSON.parse(json));
    conformant.install();
    try {
      const { n, v } = amf3ts.decode(bytes);
      assert.equal(n, bytes.length);
      same(v, want);
      const theirs = amf3ts.encode(v);
      // Only the two integral doubles (balance 2469.0, 4938.0) differ: JS
      // writes them as integers.
      assert.equal(theirs.length, bytes.length - 12);
      const back = (await go.decode(3, theirs)).json;
      assert.equal(back, json.replace('"balance":2469.0', '"balance":2469').replace('"balance":4938.0', '"balance":4938'));
    } finally {
      conformant.uninstall();
    }
  });

  test('its plain form (anonymous objects, no ArrayCollection): amf3-ts as shipped, same bytes', async () => {
    const { json } = message.load();
    const plainJSON = message.plain(json);
    const ours = await go.encode(3, plainJSON);
    const { n, v } = amf3ts.decode(ours);
    assert.equal(n, ours.length);
    same(v, message.fromTagged(JSON.parse(plainJSON)));
    assert.equal(hex(amf3ts.encode(v)), hex(ours));
  });
});

// Where a library and core/amf disagree, the exact behaviour, so that
// README.md stays true: a library that changes makes these fail.
const H = (s) => Buffer.from(s.replace(/ /g, ''), 'hex');
const rejects = async (p, re) => assert.match((await p.then(() => null, (e) => e))?.message ?? 'no error', re);

describe('amf3-ts disagreements (pinned)', () => {
  test('-0: amf3-ts writes the integer 0; it reads core/amf\'s double -0 correctly', async () => {
    assert.equal(hex(amf3ts.encode(-0)), '0400');
    assert.equal((await go.decode(3, amf3ts.encode(-0))).json, '0');
    same(amf3ts.decode(await go.encode(3, '-0.0')).v, -0);
  });

  test('typed object with two sealed members: names interleaved with values', async () => {
    const theirs = amf3ts.encode(new Person('Ann', 42));
    assert.equal(hex(theirs), '0a23' + '25636f6d2e6578616d706c652e506572736f6e' + '096e616d65' + '0607416e6e' + '07616765' + '042a');
    // core/amf reads the traits as declaring the names "name" and then a
    // string reference 3, which does not exist.
    await rejects(go.decode(3, theirs), /reference|out of range|index/i);
    const ours = await go.encode(3, '{"$amf":"object","class":"com.example.Person","sealed":{"name":"Ann","age":42}}');
    assert.equal(hex(ours), '0a23' + '25636f6d2e6578616d706c652e506572736f6e' + '096e616d65' + '07616765' + '0607416e6e' + '042a');
    // amf3-ts reads the member "name", then takes the marker 0x07 (legacy XML)
    // of "age" for its value.
    assert.throws(() => amf3ts.decode(ours), /unsupported marker found: '7'/);
  });

  test('typed objects sharing traits: amf3-ts repeats the member names after a traits reference', async () => {
    const theirs = amf3ts.encode([new One(1), new One(2)]);
    assert.equal(hex(theirs), '0905010a1311746573742e4f6e6503780401' + '0a01' + '02' + '0402');
    // core/amf (as Flash) reads the second object's value x = false (0x02, the
    // repeated name's string reference) and stops two bytes early.
    const got = await go.decode(3, theirs);
    assert.equal(got.n, theirs.length - 2);
    assert.match(got.json, /"sealed":\{"x":false\}/);
    const ours = await go.encode(3, '[{"$amf":"object","class":"test.One","sealed":{"x":1}},{"$amf":"object","class":"test.One","sealed":{"x":2}}]');
    assert.equal(hex(ours), '0905010a1311746573742e4f6e6503780401' + '0a01' + '0402');
    // amf3-ts reads 0x04 as a string reference to index 2 (none) and 0x02 as
    // the value false.
    const { v } = amf3ts.decode(ours);
    same(v[1], Object.assign(new One(), { undefined: false }));
  });

  test('sealed members of a dynamic object: amf3-ts ignores the traits\' names', async () => {
    // It reads every member as a dynamic name/value pair, which happens to
    // work for one sealed member and not for two.
    const one = await go.encode(3, '{"$amf":"object","sealed":{"s":1},"dynamic":{"d":3}}');
    same(amf3ts.decode(one).v, { s: 1, d: 3 });
    const two = await go.encode(3, '{"$amf":"object","sealed":{"s":1,"t":2},"dynamic":{"d":3}}');
    assert.equal(hex(two), '0a2b01' + '0373' + '0374' + '0401' + '0402' + '03640403' + '01');
    same(amf3ts.decode(two).v, { s: true, undefined: false, d: 3 });
  });

  test('Vector.<int>: amf3-ts cannot write a negative item', () => {
    assert.throws(() => amf3ts.encode(new Int32Array([-1])), /out of range \(-2147483648, 2147483647\)/);
  });

  test('after an externalizable, amf3-ts reports a wrong position', async () => {
    // Its readObject slices the stream at the payload and restarts at 0, so
    // the position returned counts from the payload's first byte.
    const ours = await go.encode(3, '[{"$amf":"arraycollection","source":[1]},2]');
    const payload = ours.indexOf(Buffer.from('ArrayCollection')) + 'ArrayCollection'.length;
    const { n, v } = amf3ts.decode(ours);
    same(v, [new ArrayCollection([1]), 2]);
    assert.equal(n, ours.length - payload);
  });

  test('an array with named keys: amf3-ts enters its first name twice in the string table', async () => {
    // To tell a mixed array from a dense one it reads the first name, then
    // goes back and reads it again: every later string reference is off by one.
    const ours = await go.encode(3, '[{"$amf":"array","dense":[1],"assoc":{"k":"v"}},"v"]');
    assert.equal(hex(ours), '090501' + '0903036b0603760104 01'.replace(' ', '') + '0602');
    assert.equal(hex(amf3ts.encode([mixed([1], { k: 'v' }), 'v'])), hex(ours));
    same(amf3ts.decode(ours).v, [mixed([1], { k: 'v' }), 'k']);
  });

  test('an empty member name ends the dynamic members', async () => {
    // AMF3 cannot carry the name "": amf3-ts writes it as the end marker.
    const theirs = amf3ts.encode({ '': 1, a: 2 });
    assert.equal(hex(theirs), '0a0b01' + '01' + '0401' + '036104 0201'.replace(' ', ''));
    const got = await go.decode(3, theirs);
    assert.deepEqual([got.n, got.json], [4, '{}']);
    await rejects(go.encode(3, '{"":1}'), /empty|name/i);
  });

  test('null and undefined array elements come back as holes', async () => {
    const { v } = amf3ts.decode(await go.encode(3, '[null,{"$amf":"undefined"},1]'));
    assert.equal(v.length, 3);
    assert.ok(!(0 in v) && !(1 in v) && v[2] === 1);
  });

  test('an empty ByteArray swallows the rest of the input', async () => {
    const ours = await go.encode(3, '[{"$amf":"bytearray"},1]');
    assert.equal(hex(ours), '0905010c010401');
    assert.throws(() => amf3ts.decode(ours), /no data left to read/);
  });

  test('Vector.<Object> (JS Set): no fixed byte, no type name', async () => {
    const theirs = amf3ts.encode(new Set([1, 'a']));
    assert.equal(hex(theirs), '1005' + '0401' + '060361');
    // core/amf takes 04 for the fixed flag and 01 for the type name "", reads
    // "a", then needs a second item.
    await rejects(go.decode(3, theirs), /incomplete|need/i);
    const ours = await go.encode(3, '{"$amf":"vector-object","items":[1,"a"]}');
    assert.equal(hex(ours), '1005' + '00' + '01' + '0401' + '060361');
    const { n, v } = amf3ts.decode(ours);
    assert.equal(n, 4, 'amf3-ts stops after two of the nine bytes');
    same(v, new Set([undefined, null]));
  });

  test('Dictionary (JS Map): no weak-keys byte', async () => {
    const theirs = amf3ts.encode(new Map([['k', 1]]));
    assert.equal(hex(theirs), '1103' + '06036b' + '0401');
    // core/amf takes 06 for the weak flag, 03 (true) for the key and 6b for
    // a marker.
    await rejects(go.decode(3, theirs), /marker|0x6b/i);
    const ours = await go.encode(3, '{"$amf":"dictionary","entries":[["k",1]]}');
    assert.equal(hex(ours), '1103' + '00' + '06036b' + '0401');
    const { n, v } = amf3ts.decode(ours);
    assert.equal(n, 6, 'amf3-ts stops two bytes early');
    same(v, new Map([[undefined, 'k']]));
  });

  test('XML and XMLDocument are not supported', async () => {
    const xml = await go.encode(3, '{"$amf":"xml","text":"<a/>"}');
    const doc = await go.encode(3, '{"$amf":"xmldoc","text":"<a/>"}');
    assert.equal(hex(xml), '0b093c612f3e');
    assert.equal(hex(doc), '07093c612f3e');
    assert.throws(() => amf3ts.decode(xml), /unsupported marker found: '11'/);
    assert.throws(() => amf3ts.decode(doc), /unsupported marker found: '7'/);
  });

  test('externalizable payloads get fresh reference tables', async () => {
    // amf3-ts's writeObject/readObject inside writeExternal/readExternal run
    // a new AMF3.stringify/parse: the payload cannot refer to strings or
    // objects written before it. Writing, that is merely not canonical
    // (the string is sent again); reading a conforming payload, the
    // reference resolves to nothing.
    const theirs = amf3ts.encode(['a', new ArrayCollection(['a'])]);
    const got = await go.decode(3, theirs);
    assert.equal(got.json, '["a",{"$amf":"arraycollection","source":["a"]}]');
    const ours = await go.encode(3, got.json);
    assert.notEqual(hex(ours), hex(theirs));
    assert.equal(theirs.length - ours.length, 1, 'amf3-ts sends "a" again (06 03 61 for 06 00)');
    const { v } = amf3ts.decode(ours);
    assert.equal(v[1].source.length, 1);
    assert.ok(!(0 in v[1].source), 'the string reference resolved to nothing (a hole)');
  });

  test('integral doubles: JS has one number type', async () => {
    const ours = await go.encode(3, '3.0');
    assert.equal(hex(ours), '054008000000000000');
    const { v } = amf3ts.decode(ours);
    assert.equal(v, 3);
    assert.equal(hex(amf3ts.encode(v)), '0403', 'amf3-ts sends it back as the integer 3');
  });

  test('dates: JS keeps whole milliseconds within ±8.64e15', async () => {
    assert.equal(amf3ts.decode(await go.encode(3, '{"$amf":"date","ms":1.75}')).v.getTime(), 1);
    assert.ok(Number.isNaN(amf3ts.decode(await go.encode(3, '{"$amf":"date","ms":9e15}')).v.getTime()));
  });

  test('member order: JS lists integer-like names first', async () => {
    const { v } = amf3ts.decode(await go.encode(3, '{"b":1,"1":2}'));
    assert.deepEqual(Object.keys(v), ['1', 'b']);
  });

  test('invalid UTF-8: core/amf keeps the bytes (Flash\'s U+0080..U+00FF in JSON), amf3-ts makes U+FFFD', async () => {
    const b = H('06 05 61 ff');
    assert.equal((await go.decode(3, b)).json, '"a\u00ff"');
    assert.equal(amf3ts.decode(b).v, 'a\ufffd');
  });
});

describe('amf-codec disagreements (pinned)', () => {
  test('a JS array with named keys is written as a strict array: the names are lost', async () => {
    const theirs = amfCodec.encode(mixed([1, 2], { k: 'v' }));
    assert.equal(hex(theirs), '0a00000002003ff0000000000000004000000000000000');
    assert.equal((await go.decode(0, theirs)).json, '[1.0,2.0]');
  });

  test('no references: a shared object is written twice', async () => {
    const o = { x: 1 };
    const theirs = amfCodec.encode([o, o]);
    assert.equal(hex(theirs), '0a00000002' + '03000178003ff0000000000000000009'.repeat(2));
    assert.equal((await go.decode(0, theirs)).json, '[{"x":1.0},{"x":1.0}]');
  });

  test('an empty member name: amf-codec writes it, core/amf reads and writes it', async () => {
    // In AMF0 only an empty name followed by 0x09 ends an object: "" followed
    // by a value is a member named "".
    const theirs = amfCodec.encode({ '': 1 });
    assert.equal(hex(theirs), '03' + '0000' + '003ff0000000000000' + '000009');
    assert.deepEqual(await go.decode(0, theirs), { n: theirs.length, json: '{"":1.0}' });
    assert.equal(hex(await go.encode(0, '{"":1.0}')), hex(theirs));
    same(amfCodec.decode(await go.encode(0, '{"":1.0}')).v, { '': 1 });
  });

  test('no references: a cycle overflows the stack', () => {
    const o = {};
    o.self = o;
    assert.throws(() => amfCodec.encode(o), RangeError);
  });

  test('XMLDocument (0x0F) is not supported', async () => {
    const ours = await go.encode(0, '{"$amf":"xmldoc","text":"<a/>"}');
    assert.equal(hex(ours), '0f000000043c612f3e');
    assert.throws(() => amfCodec.decode(ours), /unknown type of 15/);
  });

  test('the AMF3 switch (0x11) is not supported: no ByteArray, Vector, Dictionary, externalizable', async () => {
    for (const json of [
      '{"$amf":"bytearray","base64":"AQI="}',
      '{"$amf":"vector-int","items":[1]}',
      '{"$amf":"dictionary","entries":[[1,2]]}',
      '{"$amf":"arraycollection","source":[]}',
    ]) {
      const ours = await go.encode(0, json);
      assert.equal(ours[0], 0x11, json);
      assert.throws(() => amfCodec.decode(ours), /unknown type of 17/, json);
    }
  });

  test('typed objects: the class name is dropped on read, cannot be written', async () => {
    const ours = await go.encode(0, '{"$amf":"object","class":"com.example.Person","sealed":{"name":"Ann"}}');
    assert.equal(hex(ours), '10' + '0012636f6d2e6578616d706c652e506572736f6e' + '00046e616d65' + '020003416e6e' + '000009');
    same(amfCodec.decode(ours).v, { name: 'Ann' });
  });

  test('a member name of 65536 bytes or more gets a 4-byte length (AMF0 allows only 2)', async () => {
    const name = 'k'.repeat(65536);
    const theirs = amfCodec.encode({ [name]: 1 });
    assert.equal(hex(theirs.subarray(0, 5)), '0300010000', 'a U32 length 65536');
    // core/amf reads the name "\0" (U16 length 1), then a number made of
    // eight "k", then names and values out of "k"s, until a "k" (0x6b) is
    // read as a type marker.
    await rejects(go.decode(0, theirs), /unknown AMF0 type marker 0x6b/);
    // core/amf switches to AMF3 for such a name (core/amf/README.md, Fuzzing).
    const ours = await go.encode(0, JSON.stringify({ [name]: 1 }));
    assert.equal(ours[0], 0x11);
  });

  test('dates: JS keeps whole milliseconds', async () => {
    assert.equal(amfCodec.decode(await go.encode(0, '{"$amf":"date","ms":1.75}')).v.getTime(), 1);
  });
});
