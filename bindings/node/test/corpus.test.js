'use strict';
// The shared AMF corpus (tests/corpus/amf-json.json), also run by core/amf and
// the Python tests: each case both ways, without a network (tagged JSON <-> JS
// value) and through the lab's echo server (AMF bytes -> readObject,
// writeObject -> AMF bytes). A case added to the file runs here too.
//
// The corpus describes the JS value of each case in a neutral notation (its
// "native" key, in the notation the file describes); describe() writes a JS
// value in it.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ss, lab, port, waitBytes } = require('./helpers');
const amf = require('../lib/amf');

const {
  XML, TypedObject, ECMAArray, Vector, Dictionary, ArrayCollection, ArrayList, ObjectProxy, SmallMessage,
} = ss;

const CORPUS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'tests', 'corpus', 'amf-json.json'), 'utf8'));
const CASES = CORPUS.cases;

function float(n) {
  if (Number.isFinite(n)) return n;
  return { $t: 'float', value: Number.isNaN(n) ? 'NaN' : (n > 0 ? 'Infinity' : '-Infinity') };
}

function entries(o, desc) {
  const out = {};
  for (const k of Object.keys(o)) out[k] = desc(o[k]);
  return out;
}

function children(x) {
  if (Array.isArray(x)) return x;
  if (x instanceof ECMAArray) return [...Object.values(x.assoc), ...x.dense];
  if (x instanceof TypedObject) return [...Object.values(x.sealed), ...Object.values(x.dynamic ?? {})];
  if (x instanceof Vector) return x.items;
  if (x instanceof Dictionary) return [...x].flat();
  if (x instanceof ArrayCollection || x instanceof ArrayList) return [x.source];
  if (x instanceof ObjectProxy) return [x.object];
  if (x instanceof SmallMessage) return Object.values(x.fields);
  if (x instanceof Date || x instanceof XML || Buffer.isBuffer(x)) return [];
  return Object.values(x);
}

/** v in the corpus's neutral notation; an object reached more than once is
 * {$t: "shared"} the first time and {$t: "ref"} after. */
function describe(v) {
  const counts = new Map();
  const count = (x) => {
    if (x === null || typeof x !== 'object') return;
    counts.set(x, (counts.get(x) ?? 0) + 1);
    if (counts.get(x) > 1) return;
    for (const c of children(x)) count(c);
  };
  const ids = new Map();
  const desc = (x) => {
    if (x !== null && typeof x === 'object' && counts.get(x) > 1) {
      if (ids.has(x)) return { $t: 'ref', id: ids.get(x) };
      const id = ids.size;
      ids.set(x, id);
      return { $t: 'shared', id, value: plain(x) };
    }
    return plain(x);
  };
  const plain = (x) => {
    if (x === undefined) return { $t: 'undefined' };
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') return float(x);
    if (Array.isArray(x)) return x.map(desc);
    if (x instanceof Date) return { $t: 'date', ms: Number.isNaN(x.getTime()) ? 'NaN' : x.getTime() };
    if (x instanceof XML) return { $t: 'XML', text: x.text, document: x.document };
    if (Buffer.isBuffer(x)) return { $t: 'bytes', hex: x.toString('hex') };
    if (x instanceof ECMAArray) return { $t: 'ECMAArray', dense: x.dense.map(desc), assoc: entries(x.assoc, desc) };
    if (x instanceof TypedObject) {
      return {
        $t: 'TypedObject', class: x.className, sealed: entries(x.sealed, desc), dynamic: x.dynamic === null ? null : entries(x.dynamic, desc),
      };
    }
    if (x instanceof Vector) return { $t: 'Vector', kind: x.kind, fixed: x.fixed, type: x.typeName, items: x.items.map(desc) };
    if (x instanceof Dictionary) return { $t: 'Dictionary', weak: x.weak, entries: [...x].map(([k, c]) => [desc(k), desc(c)]) };
    if (x instanceof ArrayCollection) return { $t: 'ArrayCollection', source: desc(x.source) };
    if (x instanceof ArrayList) return { $t: 'ArrayList', source: desc(x.source) };
    if (x instanceof ObjectProxy) return { $t: 'ObjectProxy', object: desc(x.object) };
    if (x instanceof SmallMessage) return { $t: 'SmallMessage', class: x.className, fields: entries(x.fields, desc) };
    if (Object.getPrototypeOf(x) === Object.prototype) return entries(x, desc);
    throw new Error(`describe(): no rule for ${x.constructor?.name}`);
  };
  count(v);
  return desc(v);
}

const native = (c) => (Object.hasOwn(c, 'js_native') ? c.js_native : c.native);
// The case's JSON as text; JSON.stringify writes -0 as 0, the library -0.0.
const NEG0 = '#corpus:negative-zero#';
const jsonText = (c) => JSON.stringify(c.json, (k, v) => (Object.is(v, -0) ? NEG0 : v)).replaceAll(`"${NEG0}"`, '-0.0');

test('describe helper', () => {
  const o = {};
  o.self = o;
  assert.deepEqual(describe([o, -0]), [{ $t: 'shared', id: 0, value: { self: { $t: 'ref', id: 0 } } }, -0]);
  assert.throws(() => assert.deepEqual(describe([0]), [-0]));
});

test('the tag table is core/amf\'s', () => {
  // The corpus holds core/amf's list (its TestCorpusTags checks it).
  assert.deepEqual(Object.keys(amf.TAG_READERS).sort(), [...CORPUS.tags].sort());
});

test('corpus: tagged JSON -> JS value', async (t) => {
  for (const c of CASES) {
    await t.test(c.id, () => {
      assert.deepEqual(describe(amf.fromJSON(jsonText(c))), native(c));
    });
  }
});

test('corpus: JS value -> tagged JSON', async (t) => {
  for (const c of CASES) {
    await t.test(c.id, () => {
      const text = amf.toJSON(amf.fromJSON(jsonText(c)));
      assert.deepEqual(JSON.parse(text), Object.hasOwn(c, 'js_json') ? c.js_json : c.json, text);
    });
  }
});

test('corpus: through the library (readObject of the bytes, writeObject of the value)', async (t) => {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  await s.connectAsync(lab.host, port('echo'));
  for (const c of CASES) {
    await t.test(c.id, async () => {
      s.objectEncoding = c.encoding;
      const bytes = Buffer.from(c.hex, 'hex');
      s.writeBytes(bytes);
      s.flush();
      await waitBytes(s, bytes.length);
      assert.deepEqual(describe(s.readObject()), native(c), 'readObject');
      assert.equal(s.bytesAvailable, 0);

      s.writeObject(amf.fromJSON(jsonText(c)));
      const n = s.bytesPending;
      s.flush();
      await waitBytes(s, n);
      const want = c.js_hex ?? c.reencoded ?? c.hex;
      assert.equal(s.readBytes(n).toString('hex'), want, 'writeObject');
    });
  }
});
