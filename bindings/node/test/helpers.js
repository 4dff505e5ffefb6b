'use strict';
// Shared by the tests: the lab started by test/run.js, and small waits.
const fs = require('node:fs');
const assert = require('node:assert/strict');

if (!process.env.SS_LAB_JSON || !process.env.SSL_CERT_FILE) {
  throw new Error('run the tests with `node test/run.js` (it starts the lab and sets SSL_CERT_FILE)');
}
const lab = JSON.parse(fs.readFileSync(process.env.SS_LAB_JSON, 'utf8'));
const ss = require('..');

/** Port of a lab scenario. */
function port(name) {
  const p = lab.ports[name];
  assert.ok(p, `no lab scenario ${name}`);
  return p;
}

/** Resolves with the next event of type on sock, rejects after ms. */
function nextEvent(sock, type, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.off(type, on);
      reject(new Error(`no ${type} event in ${ms} ms`));
    }, ms);
    function on(ev) {
      clearTimeout(timer);
      sock.off(type, on);
      resolve(ev);
    }
    sock.on(type, on);
  });
}

/** Resolves with the first of the given event types on sock. */
function firstEvent(sock, types, ms = 10000) {
  return new Promise((resolve, reject) => {
    const offs = [];
    const done = () => { clearTimeout(timer); for (const [t, f] of offs) sock.off(t, f); };
    const timer = setTimeout(() => { done(); reject(new Error(`none of ${types} in ${ms} ms`)); }, ms);
    for (const t of types) {
      const f = (ev) => { done(); resolve(ev); };
      offs.push([t, f]);
      sock.on(t, f);
    }
  });
}

/** A socket connected to a lab scenario. */
async function connectTo(scenario) {
  const s = new ss.SecureSocket();
  await s.connectAsync(lab.host, port(scenario));
  return s;
}

/** Waits until sock has at least n unread bytes. */
async function waitBytes(sock, n, ms = 10000) {
  const deadline = Date.now() + ms;
  while (sock.bytesAvailable < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`only ${sock.bytesAvailable} of ${n} bytes in ${ms} ms`);
    await nextEvent(sock, 'socketData', left);
  }
}

module.exports = { lab, ss, port, nextEvent, firstEvent, connectTo, waitBytes };

/** A new socket destroyed when test t ends. */
function sock(t) {
  const s = new ss.SecureSocket();
  t.after(() => s.destroy());
  return s;
}
module.exports.sock = sock;
