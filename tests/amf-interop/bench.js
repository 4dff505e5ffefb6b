#!/usr/bin/env node
'use strict';
// Decode and encode throughput of core/amf and amf3-ts on the same bytes, in
// one run: first the JS loops, then the Go benchmarks (go test -bench in
// ./amfjson, the same loops as core/amf's BenchmarkDecodeRemotingMessage and
// BenchmarkEncodeRemotingMessage), then both side by side.
//
//   node bench.js [--time SECONDS per round, default 2] [--rounds N, default 5]
//
// Two messages:
//   remoting-message.amf3 (core/amf/testdata): the Flex RemotingMessage.
//     amf3-ts 1.1.0 cannot read it as shipped (typed sealed objects, an
//     ArrayCollection), so it runs with conformant.js, which replaces its two
//     object methods with spec-conformant ones; the rest is amf3-ts as shipped.
//   remoting-message-plain.amf3 (made here by core/amf from the same JSON):
//     the same graph with anonymous objects and a plain array for the
//     ArrayCollection, which amf3-ts handles unpatched.
// Each is checked first: amf3-ts must read the value the JSON describes and
// write bytes that core/amf reads back to it.

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { AMF3 } = require('amf3-ts');
const { AmfJson, ROOT } = require('./amfjson');
const conformant = require('./conformant');
const message = require('./message');
const { same } = require('./peers');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const SECONDS = arg('time', 2);
const ROUNDS = arg('rounds', 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs) => Math.min(...xs);

// jsBench runs fn for SECONDS per round, ROUNDS rounds, after a warm-up, and
// returns ns/op per round.
function jsBench(fn) {
  const warm = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 0.5e9));
  while (process.hrtime.bigint() < warm) fn();
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(SECONDS * 1e9));
    let now = start;
    while (now < end) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
      now = process.hrtime.bigint();
    }
    rounds.push(Number(now - start) / n);
  }
  return rounds;
}

function goBench(files) {
  const args = ['test', '-run', '^$', '-bench', '^Benchmark(De|En)code$', '-benchmem', '-benchtime', `${SECONDS}s`, '-count', String(ROUNDS), './tests/amf-interop/amfjson'];
  console.error(`$ AMFJSON_BENCH_FILES=${files.join(path.delimiter)} go ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(process.env.GO || 'go', args, { cwd: ROOT, env: { ...process.env, AMFJSON_BENCH_FILES: files.join(path.delimiter) }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stdout}${stderr}`));
      const out = {};
      let cpu = '';
      for (const line of stdout.split('\n')) {
        const m = /^Benchmark(Decode|Encode)\/(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns\/op.*?(\d+) B\/op\s+(\d+) allocs\/op/.exec(line);
        if (m) {
          const key = `${m[1].toLowerCase()} ${m[2]}`;
          (out[key] ||= { ns: [], bytes: +m[5], allocs: +m[6] }).ns.push(Number(m[4]));
        }
        if (line.startsWith('cpu:')) cpu = line.slice(4).trim();
      }
      resolve({ results: out, cpu });
    });
  });
}

async function main() {
  const go = new AmfJson();
  const { bytes, json } = message.load();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amf-bench-'));

  // The message, with amf3-ts patched.
  const want = message.fromTagged(JSON.parse(json)); // registers the classes
  conformant.install();
  let got = AMF3.parse(new Uint8Array(bytes));
  assert.equal(got[0], bytes.length, 'amf3-ts (patched) read the whole message');
  same(got[1], want);
  const written = Buffer.from(AMF3.stringify(got[1]));
  // JS has one number type: amf3-ts writes the two integral doubles of the
  // message (balance 2469.0 and 4938.0) as integers, 6 bytes shorter each.
  assert.equal(written.length, bytes.length - 12);
  assert.deepEqual(JSON.parse((await go.decode(3, written)).json), JSON.parse(json));
  const msgValue = got[1];
  const msg = {
    name: 'remoting-message.amf3',
    bytes,
    decode: () => AMF3.parse(new Uint8Array(bytes)),
    encode: () => AMF3.stringify(msgValue),
    note: 'amf3-ts with conformant.js',
  };
  conformant.uninstall();

  // The plain message, amf3-ts as shipped.
  const plainJSON = message.plain(json);
  const plainBytes = await go.encode(3, plainJSON);
  const plainFile = path.join(tmp, 'remoting-message-plain.amf3');
  fs.writeFileSync(plainFile, plainBytes);
  got = AMF3.parse(new Uint8Array(plainBytes));
  assert.equal(got[0], plainBytes.length);
  same(got[1], message.fromTagged(JSON.parse(plainJSON)));
  assert.ok(Buffer.from(AMF3.stringify(got[1])).equals(plainBytes), 'amf3-ts writes core/amf\'s bytes');
  const plainValue = got[1];
  const plainMsg = {
    name: 'remoting-message-plain.amf3',
    bytes: plainBytes,
    decode: () => AMF3.parse(new Uint8Array(plainBytes)),
    encode: () => AMF3.stringify(plainValue),
    note: 'amf3-ts as shipped',
  };
  go.close();

  console.error(`amf3-ts: ${ROUNDS} rounds of ${SECONDS}s per measurement (node ${process.version})`);
  const js = {};
  for (const m of [msg, plainMsg]) {
    if (m === msg) conformant.install();
    js[`decode ${m.name}`] = jsBench(m.decode);
    js[`encode ${m.name}`] = jsBench(m.encode);
    if (m === msg) conformant.uninstall();
  }
  const { results, cpu } = await goBench([plainFile]);
  fs.rmSync(tmp, { recursive: true, force: true });

  const mbs = (size, ns) => ((size / ns) * 1e3).toFixed(1);
  const us = (ns) => (ns / 1e3).toFixed(1);
  console.log(`\nAMF3 decode/encode, ns per message: median of ${ROUNDS} rounds (best), MB/s from the median. CPU: ${cpu || os.cpus()[0].model}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  console.log('| message | op | bytes | amf3-ts µs | amf3-ts MB/s | core/amf µs | core/amf MB/s | core/amf allocs | amf3-ts ÷ core/amf |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const m of [msg, plainMsg]) {
    for (const op of ['decode', 'encode']) {
      const key = `${op} ${m.name}`;
      const j = js[key];
      const g = results[key];
      if (!g) throw new Error(`no Go result for ${key}`);
      const size = m.bytes.length;
      console.log(
        `| ${m.name} (${m.note}) | ${op} | ${size} | ${us(median(j))} (${us(best(j))}) | ${mbs(size, median(j))} | ${us(median(g.ns))} (${us(best(g.ns))}) | ${mbs(size, median(g.ns))} | ${g.allocs} | ${(median(j) / median(g.ns)).toFixed(1)}× |`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
