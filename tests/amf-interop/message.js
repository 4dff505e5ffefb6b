'use strict';
// The benchmark message (core/amf/testdata/remoting-message.amf3 and its JSON
// form) and its JS values for amf3-ts.

const fs = require('node:fs');
const path = require('node:path');
const { AMF3, Stream } = require('amf3-ts');
const { ArrayCollection, ObjectProxy } = require('./peers');
const { ROOT } = require('./amfjson');

const FILE = path.join(ROOT, 'core/amf/testdata/remoting-message.amf3');
const JSON_FILE = path.join(ROOT, 'core/amf/testdata/remoting-message.json');

function load() {
  return { bytes: fs.readFileSync(FILE), json: fs.readFileSync(JSON_FILE, 'utf8').trim() };
}

// A JS class per alias, registered with amf3-ts on first use.
const classes = new Map();
function classFor(alias) {
  if (!classes.has(alias)) {
    const name = alias.replace(/.*\./, '');
    const C = { [name]: class {} }[name];
    AMF3.registerClassAlias(alias, C);
    classes.set(alias, C);
  }
  return classes.get(alias);
}

const unescape = (k) => (/^\$+amf$/.test(k) ? k.slice(1) : k);
const number = (x) => (typeof x === 'string' ? Number(x) : x);

// fromTagged turns a parsed tagged JSON value into the JS value amf3-ts
// reads and writes (typed objects as instances of registered classes). It
// covers the tags amf3-ts can express.
function fromTagged(j, ids = new Map()) {
  if (j === null || typeof j !== 'object') return j;
  if (Array.isArray(j)) return j.map((x) => fromTagged(x, ids));
  const tag = j.$amf;
  const keep = (v) => {
    if (j.id !== undefined) ids.set(j.id, v);
    return v;
  };
  const members = (target, m) => {
    for (const [k, v] of Object.entries(m || {})) target[k] = fromTagged(v, ids);
    return target;
  };
  switch (tag) {
    case undefined: {
      const o = {};
      for (const [k, v] of Object.entries(j)) o[unescape(k)] = fromTagged(v, ids);
      return o;
    }
    case 'undefined':
      return undefined;
    case 'double':
      return number(j.value);
    case 'date':
      return keep(new Date(number(j.ms)));
    case 'ref':
      return ids.get(j.id);
    case 'bytearray':
      return keep(new Stream([...Buffer.from(j.base64 || '', 'base64')]));
    case 'vector-int':
    case 'vector-uint':
    case 'vector-double': {
      const T = { 'vector-int': Int32Array, 'vector-uint': Uint32Array, 'vector-double': Float64Array }[tag];
      const v = keep(new T(j.items.map(number)));
      return j.fixed ? Object.preventExtensions(v) : v;
    }
    case 'array': {
      const a = keep([]);
      members(a, j.assoc);
      for (const x of j.dense || []) a.push(fromTagged(x, ids));
      return a;
    }
    case 'object': {
      const o = keep(j.class ? new (classFor(j.class))() : {});
      members(o, j.sealed);
      return members(o, j.dynamic);
    }
    case 'arraycollection': {
      const ac = keep(new ArrayCollection());
      ac.source = fromTagged(j.source, ids);
      return ac;
    }
    case 'objectproxy': {
      const op = keep(new ObjectProxy());
      op.object = fromTagged(j.object, ids);
      return op;
    }
    default:
      throw new Error(`fromTagged: tag ${tag} not supported`);
  }
}

// plain turns the message's JSON text into one with only what amf3-ts
// handles as shipped: typed objects become anonymous dynamic ones (same
// members, same order) and an ArrayCollection its source array. As a JS
// client would send it, an integral Number becomes an integer (JSON.parse
// keeps no difference), so that amf3-ts writes exactly core/amf's bytes.
function plain(jsonText) {
  const out = (v) => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(out);
    if (v.$amf === 'object') return out({ ...(v.sealed || {}), ...(v.dynamic || {}) });
    if (v.$amf === 'arraycollection') return out(v.source);
    if (v.$amf !== undefined) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, out(x)]));
  };
  return JSON.stringify(out(JSON.parse(jsonText)));
}

module.exports = { load, fromTagged, plain, classFor, FILE, JSON_FILE };
