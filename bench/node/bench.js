#!/usr/bin/env node
'use strict';
// The Node client of `make bench` (bench/run.py): the securesocket package
// (ours, from bindings/node) next to Node's tls module (theirs), one
// measurement per process.
//
//   node bench.js METRIC ours|theirs      (BENCH_CONFIG names the run's JSON)
//
// Prints one JSON line: {"values": {...}, "info": {...}}. Ours trusts the
// servers through SSL_CERT_FILE, theirs through the `ca` option (Node's tls
// does not read SSL_CERT_FILE). Both sides are used the Node way: events and
// promises (connectAsync, 'socketData'; tls.connect, 'data').

const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');

const CFG = JSON.parse(fs.readFileSync(process.env.BENCH_CONFIG, 'utf8'));
const HOST = CFG.host;
const PORTS = CFG.ports;
const SZ = CFG.sizes;

const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssKiB() {
  const pages = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
  return (pages * 4096) / 1024;
}

function header(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

// ---- theirs: tls -------------------------------------------------------

class Theirs {
  constructor() {
    this.ca = fs.readFileSync(CFG.ca_file);
    this.session = undefined; // kept for the peer "with resumption"
  }

  dial(port, resume = false) {
    return new Promise((resolve, reject) => {
      const c = tls.connect({ host: HOST, port, ca: this.ca, session: resume ? this.session : undefined });
      // As securesocket (Go) does: Nagle's algorithm would hold a small
      // write behind the handshake's last flight for a delayed ACK.
      c.setNoDelay(true);
      c.chunks = [];
      c.have = 0;
      c.wake = null;
      c.on('session', (s) => { this.session = s; }); // TLS 1.3 tickets come after the handshake
      c.on('data', (d) => {
        c.chunks.push(d);
        c.have += d.length;
        if (c.wake) c.wake();
      });
      c.on('error', (e) => { c.failed = e; if (c.wake) c.wake(); reject(e); });
      c.once('secureConnect', () => resolve(c));
    });
  }

  write(c, data) { c.write(data); }

  // Copies the next n bytes into buf (what a reader into a buffer does).
  async readFull(c, buf) {
    let got = 0;
    while (got < buf.length) {
      while (c.have === 0) {
        if (c.failed) throw c.failed;
        await new Promise((r) => { c.wake = r; });
        c.wake = null;
      }
      const d = c.chunks[0];
      const k = Math.min(d.length, buf.length - got);
      d.copy(buf, got, 0, k);
      got += k;
      c.have -= k;
      if (k === d.length) c.chunks.shift();
      else c.chunks[0] = d.subarray(k);
    }
  }

  resumed(c) { return c.isSessionReused(); }

  close(c) { c.end(); c.destroy(); }
}

// ---- ours: securesocket -------------------------------------------------

// The listeners of every connection of Ours (`this` is the socket): they
// wake the one read waiting.
function oursData() {
  if (this.wake) this.wake();
}

function oursFail(e) {
  this.failed = new Error(`securesocket: ${e.type} ${e.detail || ''}`);
  if (this.wake) this.wake();
}

class Ours {
  constructor() {
    this.ss = require(path.join(__dirname, '..', '..', 'bindings', 'node'));
  }

  // As Theirs does with 'data' and 'error': listeners added once per
  // connection that wake the one read waiting. (Adding and removing three
  // listeners around every wait was work per round trip that the tls side
  // did not do.)
  async dial(port) {
    const s = new this.ss.SecureSocket();
    s.wake = null;
    s.failed = null;
    s.on('socketData', oursData);
    s.on('ioError', oursFail);
    s.on('close', oursFail);
    await s.connectAsync(HOST, port);
    return s;
  }

  write(s, data) {
    s.writeBytes(data);
    s.flush();
  }

  async readFull(s, buf) {
    let got = 0;
    while (got < buf.length) {
      const k = s.readBytesInto(buf.subarray(got));
      got += k;
      if (got < buf.length && k === 0) {
        if (s.failed) throw s.failed;
        await new Promise((r) => { s.wake = r; });
        s.wake = null;
      }
    }
  }

  resumed(s) { return Boolean(s.sessionResumed); }

  close(s) {
    s.close();
    s.destroy();
  }
}

async function measure(side, metric) {
  const msg = Buffer.alloc(SZ.rtt_size);
  const back = Buffer.alloc(SZ.rtt_size);
  // One connection with a round trip before the clock starts: loading the
  // trust store and first-use setup are not timed (and a side that resumes
  // has a session to offer).
  const warmUp = async (port, resume = false) => {
    const s = await side.dial(port, resume);
    side.write(s, msg);
    await side.readFull(s, back);
    side.resumed(s);
    side.close(s);
  };
  if (metric === 'upload') {
    const n = SZ.upload_bytes;
    const chunk = Buffer.alloc(SZ.upload_chunk);
    const s = await side.dial(PORTS.sink);
    const t0 = now();
    side.write(s, header(n));
    for (let left = n; left > 0;) {
      const k = Math.min(left, chunk.length);
      side.write(s, k === chunk.length ? chunk : chunk.subarray(0, k));
      left -= k;
    }
    const ack = Buffer.alloc(8);
    await side.readFull(s, ack);
    if (Number(ack.readBigUInt64BE()) !== n) throw new Error('sink acknowledged a different count');
    const v = n / (now() - t0) / 1e6;
    side.close(s);
    return { values: { upload: v } };
  }
  if (metric === 'download') {
    const n = SZ.download_bytes;
    const buf = Buffer.alloc(SZ.download_chunk);
    const s = await side.dial(PORTS.source);
    const t0 = now();
    side.write(s, header(n));
    for (let left = n; left > 0;) {
      const k = Math.min(left, buf.length);
      await side.readFull(s, k === buf.length ? buf : buf.subarray(0, k));
      left -= k;
    }
    const v = n / (now() - t0) / 1e6;
    side.close(s);
    return { values: { download: v } };
  }
  if (metric === 'rtt') {
    const trips = SZ.rtt_trips;
    const s = await side.dial(PORTS.echo);
    const t0 = now();
    for (let i = 0; i < trips; i++) {
      side.write(s, msg);
      await side.readFull(s, back);
    }
    const v = trips / (now() - t0);
    side.close(s);
    return { values: { rtt: v } };
  }
  if (metric === 'handshake') {
    const n = SZ.handshakes;
    await warmUp(PORTS.echo_full);
    const t0 = now();
    for (let i = 0; i < n; i++) side.close(await side.dial(PORTS.echo_full));
    return { values: { handshake: n / (now() - t0) } };
  }
  if (metric === 'reconnect' || metric === 'reconnect_full') {
    // Theirs offers its kept session only against the peer "with
    // resumption"; ours does what it does by default.
    const resume = metric === 'reconnect';
    const n = SZ.reconnects;
    let resumed = 0;
    await warmUp(PORTS.echo, resume);
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const s = await side.dial(PORTS.echo, resume);
      side.write(s, msg); // one round trip; lets the ticket arrive
      await side.readFull(s, back);
      if (side.resumed(s)) resumed++;
      side.close(s);
    }
    return { values: { [metric]: n / (now() - t0) }, info: { resumed: `${resumed}/${n}` } };
  }
  if (metric === 'rss') {
    const n = SZ.rss_conns;
    const port = PORTS.echo_full;
    const w = await side.dial(port); // warm up: libraries loaded and initialised
    side.write(w, msg);
    await side.readFull(w, back);
    side.close(w);
    await sleep(SZ.settle_ms);
    const base = rssKiB();
    const conns = [];
    for (let i = 0; i < n; i++) conns.push(await side.dial(port));
    await sleep(SZ.settle_ms);
    const idle = rssKiB();
    for (const s of conns) side.write(s, msg);
    for (const s of conns) await side.readFull(s, back);
    await sleep(SZ.settle_ms);
    const after = rssKiB();
    for (const s of conns) side.close(s);
    return { values: { rss_idle: (idle - base) / n, rss_msg: (after - base) / n }, info: { base_kib: base } };
  }
  if (metric === 'concurrent') {
    const n = SZ.conc_conns;
    const port = PORTS.echo_full;
    const one = async () => {
      const t = now();
      const s = await side.dial(port);
      side.write(s, msg);
      await side.readFull(s, Buffer.alloc(msg.length));
      const dt = now() - t;
      side.close(s);
      return dt;
    };
    await warmUp(port);
    const before = rssKiB();
    const t0 = now();
    const lat = await Promise.all(Array.from({ length: n }, one));
    const total = now() - t0;
    const done = rssKiB();
    await sleep(SZ.free_settle_ms);
    const freed = rssKiB();
    lat.sort((a, b) => a - b);
    return {
      values: {
        conc_total: total,
        conc_p50: lat[Math.floor(n / 2)] * 1e3,
        conc_p99: lat[Math.floor((n * 99) / 100)] * 1e3,
        conc_rss_freed: freed / before,
      },
      info: { rss_before_kib: before, rss_done_kib: done, rss_freed_kib: freed },
    };
  }
  throw new Error(`unknown metric ${metric}`);
}

async function main() {
  const [metric, which] = process.argv.slice(2);
  if (which !== 'ours' && which !== 'theirs') throw new Error('usage: node bench.js METRIC ours|theirs');
  const side = which === 'ours' ? new Ours() : new Theirs();
  const out = await measure(side, metric);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

main().catch((err) => {
  console.error('bench.js:', err);
  process.exit(1);
});
