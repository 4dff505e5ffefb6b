'use strict';
// AMF values as JavaScript values: the marshalling behind readObject() and
// writeObject(). The library decodes and encodes AMF (AMF3 or AMF0, the
// socket's objectEncoding); values cross the C ABI as JSON with tagged objects
// (core/amf/JSON.md). This module only turns that JSON into JS values and
// back; it never sees AMF bytes.
//
//   AMF / AS3                         JavaScript
//   null, Boolean, String             null, boolean, string
//   undefined                         undefined
//   int, Number                       number (NaN and the infinities too)
//   anonymous dynamic Object          plain object
//   dense Array                       Array
//   Array with named keys             ECMAArray (dense, assoc)
//   typed / sealed / sealed-only Obj  TypedObject (className, sealed, dynamic|null)
//   Date                              Date
//   XML, XMLDocument                  XML (text, document)
//   ByteArray                         Buffer (write: any Uint8Array, ArrayBuffer)
//   Vector.<int/uint/Number/Object>   Vector (kind, items, fixed, typeName);
//                                     write: also Int32Array, Uint32Array, Float64Array
//   flash.utils.Dictionary            Dictionary (a Map, with .weak); write: any Map
//   ArrayCollection, ArrayList,       ArrayCollection, ArrayList, ObjectProxy
//   ObjectProxy
//   BlazeDS small message             SmallMessage (className, fields)
//
// Numbers on write: an integer from -2^28 to 2^28-1 (not -0) is an AMF3 int,
// every other number a double (written "5.0", "1e+21", "-0.0" so that the
// library keeps it a double). On read every number is a JS number; AMF0 has
// only doubles.
//
// Identity: an object reached more than once (shared or cyclic) is written
// once with an "id" and referenced after; on read such a value is one JS
// object, reached from each place.

const TAG = '$amf';
const INT29_MIN = -(2 ** 28);
const INT29_MAX = 2 ** 28 - 1;

/** AS3 XML as its text, never parsed. document: legacy XMLDocument (AMF0 has only that). */
class XML {
  /**
   * @param {string} [text='']
   * @param {boolean} [document=false] true: flash.xml.XMLDocument; false: E4X XML
   */
  constructor(text = '', document = false) {
    this.text = String(text);
    this.document = Boolean(document);
  }

  toString() { return this.text; }
}

/**
 * An AMF object that a plain object cannot say: one of a class (className,
 * e.g. a Java bean from BlazeDS), one with sealed members, or one that is not
 * dynamic. sealed: the trait members, in order; dynamic: the dynamic members,
 * or null when the object is not dynamic. Names are literal (no "$amf"
 * escaping). AMF0 has no sealed members: written in AMF0 it reads back with
 * every member dynamic.
 */
class TypedObject {
  /**
   * @param {string} [className='']
   * @param {object} [sealed={}]
   * @param {object|null} [dynamic=null]
   */
  constructor(className = '', sealed = {}, dynamic = null) {
    this.className = className;
    this.sealed = sealed;
    this.dynamic = dynamic;
  }
}

/** An AS3 Array with named keys: dense is its index part, assoc its named part. */
class ECMAArray {
  /**
   * @param {Array} [dense=[]]
   * @param {object} [assoc={}]
   */
  constructor(dense = [], assoc = {}) {
    this.dense = dense;
    this.assoc = assoc;
  }
}

const VECTOR_KINDS = ['int', 'uint', 'double', 'object'];

/**
 * An AS3 Vector: kind "int", "uint", "double" (Vector.<Number>) or "object";
 * items an Array (numbers for the numeric kinds); fixed the fixed-length
 * flag; typeName the element class of a Vector.<T> ("object" kind only; ""
 * is Vector.<Object>).
 */
class Vector {
  /**
   * @param {'int'|'uint'|'double'|'object'} kind
   * @param {Array|ArrayLike<number>} [items=[]]
   * @param {boolean} [fixed=false]
   * @param {string} [typeName='']
   */
  constructor(kind, items = [], fixed = false, typeName = '') {
    if (!VECTOR_KINDS.includes(kind)) {
      throw new TypeError(`Vector kind must be one of ${VECTOR_KINDS.join(', ')}, not ${String(kind)}`);
    }
    this.kind = kind;
    this.items = items;
    this.fixed = Boolean(fixed);
    this.typeName = typeName;
  }

  get length() { return this.items.length; }
}

/** flash.utils.Dictionary: a Map (keys of any type, objects by identity) with the weak-keys flag. */
class Dictionary extends Map {
  /**
   * @param {Iterable<[any, any]>} [entries]
   * @param {boolean} [weak=false]
   */
  constructor(entries, weak = false) {
    super(entries);
    this.weak = Boolean(weak);
  }
}

/** flex.messaging.io.ArrayCollection: source is the wrapped value, normally an Array. */
class ArrayCollection {
  constructor(source = []) { this.source = source; }
}

/** flex.messaging.io.ArrayList: source is the wrapped value, normally an Array. */
class ArrayList {
  constructor(source = []) { this.source = source; }
}

/** flex.messaging.io.ObjectProxy: object is the wrapped value, normally a plain object. */
class ObjectProxy {
  constructor(object = {}) { this.object = object; }
}

/**
 * A BlazeDS small message: className "DSA", "DSK" or "DSC"; fields holds the
 * fields that were sent, by their JSON.md names (body, clientId, destination,
 * headers, messageId, timestamp, timeToLive, clientIdBytes, messageIdBytes,
 * correlationId, correlationIdBytes, operation, extra). On write a field set
 * to null or undefined is left out.
 */
class SmallMessage {
  constructor(className, fields = {}) {
    this.className = className;
    this.fields = fields;
  }
}

// ---- JS -> JSON ----------------------------------------------------------------

/** "$amf", "$$amf", ...: escaped with one more "$" in a plain object (JSON.md). */
const TAG_LIKE = /^\$+amf$/;

/** A double's JSON literal that the library reads as a double. */
function doubleLiteral(n) {
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  return /[.eE]/.test(s) ? s : s + '.0';
}

function nonFinite(n) {
  return Number.isNaN(n) ? '"NaN"' : (n > 0 ? '"Infinity"' : '"-Infinity"');
}

function isInt29(n) {
  return Number.isInteger(n) && n >= INT29_MIN && n <= INT29_MAX && !Object.is(n, -0);
}

/** A number in a tag that takes doubles only (date ms, Vector.<Number> items); -0 keeps its sign. */
function tagNumber(n) {
  if (Object.is(n, -0)) return '-0.0';
  return Number.isFinite(n) ? String(n) : nonFinite(n);
}

function isPlainObject(v) {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function describe(v) {
  if (typeof v === 'function') return `a function (${v.name || 'anonymous'})`;
  if (typeof v === 'symbol') return `a Symbol (${v.description ?? ''})`;
  if (typeof v === 'bigint') return 'a BigInt';
  const c = v !== null && typeof v === 'object' && v.constructor ? v.constructor.name : typeof v;
  return `an instance of ${c}`;
}

function unencodable(v, where) {
  const err = new TypeError(`writeObject: cannot send ${describe(v)}${where}: not an AMF value ` +
    '(use a plain object, an Array, a Map, a Date, a Buffer or a class of this package)');
  err.code = 'ERR_SS_UNENCODABLE';
  return err;
}

/**
 * One write: the first pass finds the objects reached more than once, the
 * second writes the JSON text, giving each of those an "id" where it first
 * appears and a "ref" after.
 */
class Encoder {
  constructor() {
    this.seen = new Set();
    this.shared = new Set();
    /** @type {Map<object, number>} */
    this.ids = new Map();
  }

  scan(v) {
    if (v === null || typeof v !== 'object') return;
    if (this.seen.has(v)) {
      this.shared.add(v);
      return;
    }
    this.seen.add(v);
    for (const x of childrenOf(v)) this.scan(x);
  }

  /** The tag's head '{"$amf":"tag"[,"id":n]', or null when v was written already (write a ref). */
  open(tag, v) {
    if (!this.shared.has(v)) return `{"${TAG}":"${tag}"`;
    if (this.ids.has(v)) return null;
    const n = this.ids.size;
    this.ids.set(v, n);
    return `{"${TAG}":"${tag}","id":${n}`;
  }

  ref(v) {
    return `{"${TAG}":"ref","id":${this.ids.get(v)}}`;
  }

  /** A member map of a tag (sealed, dynamic, assoc): names literal. */
  members(m, where) {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      throw new TypeError(`writeObject: ${where} must be an object of members`);
    }
    const parts = [];
    for (const k of Object.keys(m)) parts.push(JSON.stringify(k) + ':' + this.value(m[k]));
    return '{' + parts.join(',') + '}';
  }

  list(a) {
    const parts = new Array(a.length);
    for (let i = 0; i < a.length; i++) parts[i] = this.value(a[i]);
    return '[' + parts.join(',') + ']';
  }

  value(v) {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        if (isInt29(v)) return String(v);
        return Number.isFinite(v) ? doubleLiteral(v) : `{"${TAG}":"double","value":${nonFinite(v)}}`;
      case 'undefined':
        return `{"${TAG}":"undefined"}`;
      case 'object':
        return v === null ? 'null' : this.object(v);
      default:
        throw unencodable(v, '');
    }
  }

  object(v) {
    for (const [test, write] of WRITERS) if (test(v)) return write(this, v);
    throw unencodable(v, '');
  }

  // One writer per kind of object (WRITERS).

  array(v) {
    if (!this.shared.has(v)) return this.list(v);
    const head = this.open('array', v);
    return head === null ? this.ref(v) : `${head},"dense":${this.list(v)}}`;
  }

  plainObject(v) {
    if (this.shared.has(v)) {
      const head = this.open('object', v);
      return head === null ? this.ref(v) : `${head},"dynamic":${this.members(v, 'an object')}}`;
    }
    const parts = [];
    for (const k of Object.keys(v)) {
      const name = TAG_LIKE.test(k) ? '$' + k : k;
      parts.push(JSON.stringify(name) + ':' + this.value(v[k]));
    }
    return '{' + parts.join(',') + '}';
  }

  date(v) {
    const head = this.open('date', v);
    return head === null ? this.ref(v) : `${head},"ms":${tagNumber(v.getTime())}}`;
  }

  bytes(v) {
    const head = this.open('bytearray', v);
    if (head === null) return this.ref(v);
    const b = v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return `${head},"base64":"${b.toString('base64')}"}`;
  }

  typedArray(v) {
    const kind = v instanceof Int32Array ? 'int' : v instanceof Uint32Array ? 'uint' : 'double';
    return this.vector(v, kind, v, false, '');
  }

  xml(v) {
    const head = this.open(v.document ? 'xmldoc' : 'xml', v);
    return head === null ? this.ref(v) : `${head},"text":${JSON.stringify(String(v.text))}}`;
  }

  typedObject(v) {
    const head = this.open('object', v);
    if (head === null) return this.ref(v);
    if (typeof v.className !== 'string') throw new TypeError('writeObject: TypedObject.className must be a string');
    let out = head;
    if (v.className !== '') out += `,"class":${JSON.stringify(v.className)}`;
    if (v.sealed != null && Object.keys(v.sealed).length > 0) {
      out += `,"sealed":${this.members(v.sealed, 'TypedObject.sealed')}`;
    }
    if (v.dynamic != null) out += `,"dynamic":${this.members(v.dynamic, 'TypedObject.dynamic')}`;
    return out + '}';
  }

  ecmaArray(v) {
    const head = this.open('array', v);
    if (head === null) return this.ref(v);
    if (!Array.isArray(v.dense)) throw new TypeError('writeObject: ECMAArray.dense must be an Array');
    return `${head},"assoc":${this.members(v.assoc ?? {}, 'ECMAArray.assoc')},"dense":${this.list(v.dense)}}`;
  }

  collection(v) {
    const head = this.open(v instanceof ArrayCollection ? 'arraycollection' : 'arraylist', v);
    return head === null ? this.ref(v) : `${head},"source":${this.value(v.source)}}`;
  }

  objectProxy(v) {
    const head = this.open('objectproxy', v);
    return head === null ? this.ref(v) : `${head},"object":${this.value(v.object)}}`;
  }

  vector(v, kind, items, fixed, typeName) {
    const head = this.open('vector-' + kind, v);
    if (head === null) return this.ref(v);
    if (items == null || typeof items.length !== 'number') {
      throw new TypeError('writeObject: Vector.items must be an Array or a TypedArray');
    }
    let out = head;
    if (kind === 'object' && typeName) out += `,"type":${JSON.stringify(String(typeName))}`;
    if (fixed) out += ',"fixed":true';
    const parts = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const x = items[i];
      if (kind === 'object') {
        parts[i] = this.value(x);
      } else if (typeof x !== 'number') {
        throw unencodable(x, ` in a Vector of ${kind}`);
      } else {
        // Range checks are the library's (#2004).
        parts[i] = kind === 'double' ? tagNumber(x) : Number.isFinite(x) ? String(x) : nonFinite(x);
      }
    }
    return `${out},"items":[${parts.join(',')}]}`;
  }

  dictionary(m) {
    const head = this.open('dictionary', m);
    if (head === null) return this.ref(m);
    const parts = [];
    for (const [k, x] of m) parts.push(`[${this.value(k)},${this.value(x)}]`);
    return `${head}${m.weak === true ? ',"weak":true' : ''},"entries":[${parts.join(',')}]}`;
  }

  message(v) {
    const head = this.open('message', v);
    if (head === null) return this.ref(v);
    let out = `${head},"class":${JSON.stringify(String(v.className))}`;
    for (const k of Object.keys(v.fields ?? {})) {
      const x = v.fields[k];
      if (x === null || x === undefined) continue; // not sent
      if (k === 'extra') {
        if (!Array.isArray(x)) throw new TypeError('writeObject: SmallMessage extra must be an Array');
        const es = x.map((e) => `{"level":${Number(e.level)},"bit":${Number(e.bit)},"value":${this.value(e.value)}}`);
        out += `,"extra":[${es.join(',')}]`;
      } else {
        out += `,${JSON.stringify(k)}:${this.value(x)}`;
      }
    }
    return out + '}';
  }
}

const is = (cls) => (v) => v instanceof cls;

/**
 * How each kind of object is written: [test, writer], the first test that
 * holds wins (a Buffer is a Uint8Array, a Dictionary a Map).
 */
const WRITERS = [
  [Array.isArray, (e, v) => e.array(v)],
  [isPlainObject, (e, v) => e.plainObject(v)],
  [is(Date), (e, v) => e.date(v)],
  [(v) => v instanceof Uint8Array || v instanceof ArrayBuffer, (e, v) => e.bytes(v)],
  [(v) => v instanceof Int32Array || v instanceof Uint32Array || v instanceof Float64Array, (e, v) => e.typedArray(v)],
  [is(Vector), (e, v) => e.vector(v, v.kind, v.items, v.fixed, v.typeName)],
  [is(Map), (e, v) => e.dictionary(v)],
  [is(XML), (e, v) => e.xml(v)],
  [is(TypedObject), (e, v) => e.typedObject(v)],
  [is(ECMAArray), (e, v) => e.ecmaArray(v)],
  [(v) => v instanceof ArrayCollection || v instanceof ArrayList, (e, v) => e.collection(v)],
  [is(ObjectProxy), (e, v) => e.objectProxy(v)],
  [is(SmallMessage), (e, v) => e.message(v)],
];

const NONE = Object.freeze([]);

function membersOf(m) {
  return m === null || typeof m !== 'object' ? NONE : Object.values(m);
}

function messageChildren(v) {
  const out = [];
  for (const [k, x] of Object.entries(v.fields ?? {})) {
    if (k === 'extra' && Array.isArray(x)) {
      for (const e of x) if (e !== null && typeof e === 'object') out.push(e.value);
    } else {
      out.push(x);
    }
  }
  return out;
}

/** The values each kind of object holds, for the first pass of a write: [test, children]. */
const CHILDREN = [
  [Array.isArray, (v) => v],
  [(v) => ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof XML, () => NONE],
  [is(Map), (v) => [...v].flat()],
  [is(TypedObject), (v) => [...membersOf(v.sealed), ...membersOf(v.dynamic)]],
  [is(ECMAArray), (v) => [...membersOf(v.assoc), ...(Array.isArray(v.dense) ? v.dense : NONE)]],
  [is(Vector), (v) => (v.kind === 'object' && v.items != null ? v.items : NONE)],
  [(v) => v instanceof ArrayCollection || v instanceof ArrayList, (v) => [v.source]],
  [is(ObjectProxy), (v) => [v.object]],
  [is(SmallMessage), messageChildren],
];

function childrenOf(v) {
  for (const [test, children] of CHILDREN) if (test(v)) return children(v);
  return membersOf(v);
}

/**
 * The tagged JSON text (core/amf/JSON.md) of a JS value. Throws TypeError
 * (code 'ERR_SS_UNENCODABLE') for a value of no AMF type (a function, a
 * Symbol, a BigInt, an instance of another class); the library checks the
 * rest (ranges, message fields).
 * @param {any} value
 * @returns {string}
 */
function toJSON(value) {
  const enc = new Encoder();
  enc.scan(value);
  return enc.value(value);
}

// ---- JSON -> JS ----------------------------------------------------------------

/** A double inside a tag: a number, or "NaN", "Infinity", "-Infinity". */
function num(n) {
  if (typeof n === 'number') return n;
  if (n === 'NaN') return NaN;
  if (n === 'Infinity') return Infinity;
  if (n === '-Infinity') return -Infinity;
  throw new TypeError(`readObject: ${JSON.stringify(n)} is not a number`);
}

/** Sets a member, "__proto__" included, as an own data property. */
function put(o, k, v) {
  if (k === '__proto__') {
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  } else {
    o[k] = v;
  }
}

/**
 * One read: JSON values to JS values, top down, so that a value with an
 * "id" is registered before its children are converted (a "ref" inside it
 * is a cycle).
 */
class Decoder {
  constructor() {
    /** @type {Map<number, any>} */
    this.ids = new Map();
  }

  value(n) {
    if (n === null || typeof n !== 'object') return n;
    if (Array.isArray(n)) return n.map((x) => this.value(x));
    if (Object.prototype.hasOwnProperty.call(n, TAG)) return this.tagged(n, n[TAG]);
    const out = {};
    for (const k of Object.keys(n)) put(out, TAG_LIKE.test(k) ? k.slice(1) : k, this.value(n[k]));
    return out;
  }

  define(n, v) {
    if (n.id !== undefined) this.ids.set(n.id, v);
    return v;
  }

  fill(target, members) {
    if (members == null) return target;
    for (const k of Object.keys(members)) put(target, k, this.value(members[k]));
    return target;
  }

  tagged(n, tag) {
    const read = Object.prototype.hasOwnProperty.call(TAG_READERS, tag) ? TAG_READERS[tag] : undefined;
    if (read === undefined) {
      throw new TypeError(`readObject: unknown AMF JSON tag ${JSON.stringify(tag)} (a library newer than this binding?)`);
    }
    return read(this, n, tag);
  }
}

function readArray(d, n) {
  const dense = n.dense ?? [];
  if (n.assoc != null && Object.keys(n.assoc).length > 0) {
    const a = d.define(n, new ECMAArray([], {}));
    d.fill(a.assoc, n.assoc);
    for (const x of dense) a.dense.push(d.value(x));
    return a;
  }
  const a = d.define(n, []);
  for (const x of dense) a.push(d.value(x));
  return a;
}

function readObject(d, n) {
  const cls = n.class ?? '';
  const sealed = n.sealed;
  const hasSealed = sealed != null && Object.keys(sealed).length > 0;
  if (cls === '' && !hasSealed && n.dynamic != null) return d.fill(d.define(n, {}), n.dynamic);
  const o = d.define(n, new TypedObject(cls, {}, n.dynamic == null ? null : {}));
  d.fill(o.sealed, sealed);
  if (o.dynamic !== null) d.fill(o.dynamic, n.dynamic);
  return o;
}

function readVector(d, n, tag) {
  const kind = tag.slice(7);
  const v = d.define(n, new Vector(kind, [], n.fixed === true, n.type ?? ''));
  const items = n.items ?? [];
  if (kind === 'object') for (const x of items) v.items.push(d.value(x));
  else if (kind === 'double') for (const x of items) v.items.push(num(x));
  else v.items.push(...items);
  return v;
}

function readDictionary(d, n) {
  const dict = d.define(n, new Dictionary(undefined, n.weak === true));
  for (const [k, x] of n.entries ?? []) {
    const key = d.value(k);
    dict.set(key, d.value(x));
  }
  return dict;
}

function readCollection(d, n, tag) {
  const c = d.define(n, tag === 'arraycollection' ? new ArrayCollection(null) : new ArrayList(null));
  c.source = d.value(n.source ?? null);
  return c;
}

function readMessage(d, n) {
  const m = d.define(n, new SmallMessage(n.class, {}));
  for (const k of Object.keys(n)) {
    if (k === TAG || k === 'id' || k === 'class') continue;
    put(m.fields, k, k === 'extra'
      ? n.extra.map((e) => ({ ...e, value: d.value(e.value) }))
      : d.value(n[k]));
  }
  return m;
}

/**
 * The reader of each tag of the tagged JSON (core/amf/JSON.md), called as
 * read(decoder, taggedObject, tag). The tag names are core/amf's:
 * test/corpus.test.js checks this table against the shared corpus, whose
 * list core/amf checks against its own.
 */
const TAG_READERS = Object.freeze({
  __proto__: null,
  ref(d, n) {
    if (!d.ids.has(n.id)) throw new TypeError(`readObject: reference to an undefined id ${n.id}`);
    return d.ids.get(n.id);
  },
  undefined: () => undefined,
  double: (d, n) => num(n.value),
  array: readArray,
  object: readObject,
  date: (d, n) => d.define(n, new Date(num(n.ms))),
  xml: (d, n) => d.define(n, new XML(n.text, false)),
  xmldoc: (d, n) => d.define(n, new XML(n.text, true)),
  bytearray: (d, n) => d.define(n, Buffer.from(n.base64 ?? '', 'base64')),
  'vector-int': readVector,
  'vector-uint': readVector,
  'vector-double': readVector,
  'vector-object': readVector,
  dictionary: readDictionary,
  arraycollection: readCollection,
  arraylist: readCollection,
  objectproxy(d, n) {
    const p = d.define(n, new ObjectProxy(null));
    p.object = d.value(n.object ?? null);
    return p;
  },
  message: readMessage,
});

/**
 * The JS value of a tagged JSON text (core/amf/JSON.md).
 * @param {string} text
 */
function fromJSON(text) {
  const tree = JSON.parse(text);
  if (!text.includes(TAG)) return tree; // plain JSON: nothing tagged or escaped
  return new Decoder().value(tree);
}

module.exports = {
  XML,
  TypedObject,
  ECMAArray,
  Vector,
  Dictionary,
  ArrayCollection,
  ArrayList,
  ObjectProxy,
  SmallMessage,
  toJSON,
  fromJSON,
  TAG_READERS,
};
