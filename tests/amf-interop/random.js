'use strict';
// Seeded random value graphs within what each library handles correctly
// (README.md), for the round-trip tests in interop.test.js.

const { Stream } = require('amf3-ts');

function rng(seed) {
  // mulberry32
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  return { next, int, pick, chance: (p) => next() < p };
}

const WORDS = ['', 'a', 'id', 'name', 'value', 'héllo', '日本', '😀', 'x y', 'DSId', '$amf', 'toString', 'constructor', 'length'];
const KEYS = ['a', 'b', 'id', 'name', 'value', 'clé', '名前', '$amf', 'z9', 'toString', 'length'];

function string(r) {
  if (r.chance(0.6)) return r.pick(WORDS); // repeats exercise the string table
  let s = '';
  for (let n = r.int(12); n > 0; n--) s += String.fromCodePoint(r.pick([0x20 + r.int(95), 0xa0 + r.int(0x700), 0x3040 + r.int(0x60), 0x1f600 + r.int(0x40)]));
  return s;
}

function int29(r) {
  if (r.chance(0.2)) return r.pick([0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, -1, -268435456]);
  const v = r.int(2 ** r.int(29));
  return r.chance(0.5) || v === 0 ? v : -v;
}

function double(r) {
  switch (r.int(4)) {
    case 0:
      return (r.next() - 0.5) * 10 ** (r.int(40) - 20);
    case 1:
      return r.int(2 ** 20) + 0.5;
    case 2:
      return (r.chance(0.5) ? 1 : -1) * (2 ** 28 + r.int(2 ** 24)); // integral, outside 29 bits
    default:
      return r.pick([Infinity, -Infinity, Number.MAX_VALUE, 5e-324, 1e21, -1e-7]);
  }
}

// amf3Value: a graph amf3-ts writes and reads as core/amf does. No null or
// undefined array elements (holes in amf3-ts), no empty ByteArray (swallows
// the rest), no negative Vector.<int> items, no NaN (byte form differs), no
// -0 (written as the integer 0), no arrays with named keys (amf3-ts's reader
// then enters the first name twice in its string table), no typed objects,
// Sets or Maps.
function amf3Value(seed, maxNodes = 40) {
  const r = rng(seed);
  let nodes = 0;
  const made = []; // values with identity, for sharing
  const open = []; // containers being filled, for cycles
  const leaf = () => {
    switch (r.int(10)) {
      case 0:
        return r.chance(0.5);
      case 1:
      case 2:
        return int29(r);
      case 3:
        return double(r);
      case 4:
      case 5:
        return string(r);
      case 6: {
        const d = new Date(Math.round((r.next() - 0.3) * 4e12));
        made.push(d);
        return d;
      }
      case 7: {
        const b = new Stream(Array.from({ length: 1 + r.int(8) }, () => r.int(256)));
        made.push(b);
        return b;
      }
      case 8: {
        const n = r.int(4);
        const T = r.pick([Int32Array, Uint32Array, Float64Array]);
        const items = Array.from({ length: n }, () => (T === Float64Array ? double(r) : T === Int32Array ? r.int(2 ** 31) : r.int(2 ** 32)));
        let v = new T(items);
        if (n > 0 && r.chance(0.3)) v = Object.preventExtensions(v);
        made.push(v);
        return v;
      }
      default:
        return r.chance(0.5) ? null : undefined;
    }
  };
  const value = (depth, inArray) => {
    nodes++;
    if (made.length && r.chance(0.08)) return r.pick(made);
    if (open.length && r.chance(0.03)) return r.pick(open);
    if (depth > 5 || nodes > maxNodes || r.chance(0.45)) {
      let v = leaf();
      while (inArray && (v === null || v === undefined)) v = leaf();
      return v;
    }
    const kind = r.chance(0.5) ? 2 : 0;
    const c = kind === 2 ? {} : [];
    made.push(c);
    open.push(c);
    const n = r.int(5);
    for (let i = 0; i < n; i++) {
      if (kind === 2) c[r.pick(KEYS)] = value(depth + 1, false);
      else c.push(value(depth + 1, true));
    }
    open.pop();
    return c;
  };
  return value(0, false);
}

// amf0Value: a tree amf-codec writes and reads as core/amf does: numbers
// (no NaN), booleans, strings, null, undefined, dates, strict arrays and
// anonymous objects, nothing shared.
function amf0Value(seed, maxNodes = 40) {
  const r = rng(seed);
  let nodes = 0;
  const value = (depth) => {
    nodes++;
    if (depth > 5 || nodes > maxNodes || r.chance(0.45)) {
      switch (r.int(7)) {
        case 0:
          return r.chance(0.5);
        case 1:
          return r.chance(0.5) ? int29(r) : double(r);
        case 2:
        case 3:
          return string(r);
        case 4:
          return new Date(Math.round((r.next() - 0.3) * 4e12));
        case 5:
          return r.chance(0.3) ? -0 : r.int(1000);
        default:
          return r.chance(0.5) ? null : undefined;
      }
    }
    if (r.chance(0.5)) return Array.from({ length: r.int(5) }, () => value(depth + 1));
    const o = {};
    for (let i = r.int(5); i > 0; i--) o[r.pick(KEYS)] = value(depth + 1);
    return o;
  };
  return value(0);
}

module.exports = { amf3Value, amf0Value };
