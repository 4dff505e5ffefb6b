#!/usr/bin/env node
'use strict';
// Benchmarks of the Node binding against the loopback lab, side by side with
// Node's own tls module in the same run (not run by the tests):
//
//   1. ns per readInt() call (input already buffered; enters Go once per call)
//   2. events per second through the pump: ping-pong with the echo server
//      (each round trip is a socketData and an outputProgress event), next
//      to the same ping-pong over tls.connect
//   3. bulk download MB/s from the source server, next to tls.connect
//
//   node bench.js [--mb N] [--seconds S]
//
// Starts its own lab unless SS_LAB_JSON (and SSL_CERT_FILE) are set.

const fs = require('node:fs');
const tls = require('node:tls');
const { spawn } = require('node:child_process');
const { startLab } = require('./test/lab');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const MB = arg('--mb', 256);
const SECONDS = arg('--seconds', 2);

const header = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

async function readIntCost(ss, lab) {
  const s = new ss.SecureSocket();
  await s.connectAsync(lab.host, lab.ports.source);
  const n = 1 << 20; // 1M ints = 4 MiB, under the 16 MiB input limit
  s.writeBytes(header(4 * n));
  s.flush();
  while (s.bytesAvailable < 4 * n) await new Promise((r) => s.once('socketData', r));
  for (let i = 0; i < 10000; i++) s.readInt(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 10000; i < n; i++) s.readInt();
  const ns = Number(process.hrtime.bigint() - t0) / (n - 10000);
  s.destroy();
  return ns;
}

async function pingPongSS(ss, lab) {
  const s = new ss.SecureSocket();
  await s.connectAsync(lab.host, lab.ports.echo);
  let events = 0;
  let trips = 0;
  const count = () => { events++; };
  s.on('outputProgress', count);
  const end = Date.now() + SECONDS * 1000;
  const t0 = process.hrtime.bigint();
  await new Promise((resolve) => {
    s.on('socketData', () => {
      events++;
      if (s.bytesAvailable < 4) return;
      s.readInt();
      trips++;
      if (Date.now() >= end) return resolve();
      s.writeInt(trips);
      s.flush();
    });
    s.writeInt(0);
    s.flush();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  return { eventsPerSec: events / secs, tripsPerSec: trips / secs };
}

async function pingPongTLS(lab, ca) {
  const c = tls.connect({ host: lab.host, port: lab.ports.echo, ca });
  await new Promise((r, j) => { c.once('secureConnect', r); c.once('error', j); });
  c.setNoDelay(true);
  let trips = 0;
  let pending = 0;
  const end = Date.now() + SECONDS * 1000;
  const t0 = process.hrtime.bigint();
  const four = Buffer.alloc(4);
  await new Promise((resolve) => {
    c.on('data', (d) => {
      pending += d.length;
      if (pending < 4) return;
      pending -= 4;
      trips++;
      if (Date.now() >= end) return resolve();
      c.write(four);
    });
    c.write(four);
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  c.destroy();
  return { tripsPerSec: trips / secs };
}

async function downloadSS(ss, lab, bytes) {
  const s = new ss.SecureSocket();
  await s.connectAsync(lab.host, lab.ports.source);
  const buf = Buffer.allocUnsafe(1 << 20);
  let got = 0;
  const t0 = process.hrtime.bigint();
  s.writeBytes(header(bytes));
  s.flush();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(
      `securesocket download stuck at ${got} of ${bytes} bytes (bytesAvailable ${s.bytesAvailable})`)), 60000);
    s.on('socketData', () => {
      for (;;) {
        const n = s.readBytesInto(buf);
        if (n === 0) break;
        got += n;
      }
      if (got >= bytes) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  return bytes / secs / 1e6;
}

async function downloadTLS(lab, ca, bytes) {
  const c = tls.connect({ host: lab.host, port: lab.ports.source, ca });
  await new Promise((r, j) => { c.once('secureConnect', r); c.once('error', j); });
  let got = 0;
  const t0 = process.hrtime.bigint();
  c.write(header(bytes));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tls download stuck at ${got} of ${bytes} bytes`)), 60000);
    c.on('data', (d) => {
      got += d.length;
      if (got >= bytes) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  c.destroy();
  return bytes / secs / 1e6;
}

async function main() {
  if (!process.env.SS_LAB_JSON) {
    // Start the lab, then run again in a child that has SSL_CERT_FILE in its
    // environment from the start: the Go runtime in the library reads the
    // process's initial environment, so process.env changes do not reach it
    // reliably (README, "Host facts").
    const lab = await startLab();
    try {
      const child = spawn(process.execPath, process.argv.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, SS_LAB_JSON: lab.json, SSL_CERT_FILE: lab.caFile },
      });
      process.exitCode = await new Promise((r) => child.on('exit', (c, sig) => r(sig ? 1 : c)));
    } finally {
      await lab.stop();
    }
    return;
  }
  const info = JSON.parse(fs.readFileSync(process.env.SS_LAB_JSON, 'utf8'));
  const ca = fs.readFileSync(process.env.SSL_CERT_FILE);
  const ss = require('.');
  const bytes = MB << 20;
  {
    const ns = await readIntCost(ss, info);
    console.log(`readInt:        ${ns.toFixed(0)} ns per call`);

    const pss = await pingPongSS(ss, info);
    const ptls = await pingPongTLS(info, ca);
    console.log(`events:         ${pss.eventsPerSec.toFixed(0)} events/s through the pump ` +
      `(echo ping-pong: ${pss.tripsPerSec.toFixed(0)} round trips/s; node tls ${ptls.tripsPerSec.toFixed(0)}/s; ` +
      `ratio ${(pss.tripsPerSec / ptls.tripsPerSec).toFixed(2)})`);

    // Alternate, three rounds each, and take the best: the machine is shared.
    const a = [];
    const b = [];
    for (let i = 0; i < 3; i++) {
      a.push(await downloadSS(ss, info, bytes));
      b.push(await downloadTLS(info, ca, bytes));
    }
    const bestA = Math.max(...a);
    const bestB = Math.max(...b);
    console.log(`download:       securesocket ${bestA.toFixed(0)} MB/s, node tls ${bestB.toFixed(0)} MB/s ` +
      `(${MB} MiB, best of 3; ratio ${(bestA / bestB).toFixed(2)})`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
