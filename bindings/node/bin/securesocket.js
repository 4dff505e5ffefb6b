#!/usr/bin/env node
'use strict';
// npx securesocket [probe] [options] host port: the probe through this
// binding. Connects to host:port with the library's own verification and
// prints what the library reports (outcome, certificate status and detail,
// TLS version and cipher suite, revocation outcome, the verified chain with
// each certificate's SPKI pin), exactly as securesocket-probe does.
// Exit status: 0 connected, 1 the certificate was refused, 2 usage error,
// 3 no verdict (network failure, timeout, not TLS).

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { SecureSocket } = require('..');

const USAGE = `usage: npx securesocket [probe] [--json] [--ca FILE]... [--pin BASE64]... [--revocation MODE] [--timeout MS] host port

Connects with securesocket's own verification and prints the outcome,
certificate status and detail, TLS version and suite, revocation outcome and
the verified chain. Exit status: 0 connected, 1 certificate refused,
2 usage, 3 no verdict (network failure, timeout, not TLS).
`;

class UsageError extends Error {}

/** The DER certificates of a PEM file (every CERTIFICATE block) or a DER file. */
function certificates(data) {
  const text = data.toString('latin1');
  if (!text.includes('-----BEGIN')) return [data];
  const ders = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)]
    .map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  if (ders.length === 0) throw new UsageError('no CERTIFICATE in the PEM file');
  return ders;
}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        ca: { type: 'string', multiple: true, default: [] },
        pin: { type: 'string', multiple: true, default: [] },
        revocation: { type: 'string', default: 'softFail' },
        timeout: { type: 'string', default: '20000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err.message);
  }
  const pos = parsed.positionals;
  if (pos[0] === 'probe') pos.shift();
  if (parsed.values.help) return null;
  if (pos.length !== 2) throw new UsageError('expected host and port');
  const port = Number(pos[1]);
  const timeout = Number(parsed.values.timeout);
  if (!/^\d+$/.test(pos[1])) throw new UsageError(`port ${JSON.stringify(pos[1])} is not a number`);
  if (!/^\d+$/.test(parsed.values.timeout)) throw new UsageError(`timeout ${parsed.values.timeout} is not a number`);
  return { ...parsed.values, host: pos[0], port, timeout };
}

async function main(argv) {
  let opts;
  const sock = new SecureSocket();
  try {
    opts = options(argv);
    if (opts === null) {
      process.stdout.write(USAGE);
      return 0;
    }
    sock.timeout = opts.timeout;
    sock.revocationMode = opts.revocation;
    for (const f of opts.ca) {
      for (const der of certificates(fs.readFileSync(f))) sock.addBinaryChainBuildingCertificate(der, true);
    }
    for (const p of opts.pin) {
      const b64 = p.replace(/^sha256\//, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new UsageError(`--pin ${p}: not base64`);
      sock.addPublicKeyPin(Buffer.from(b64, 'base64'));
    }
  } catch (err) {
    sock.destroy();
    process.stderr.write(`securesocket: ${err.message}\n${USAGE}`);
    return 2;
  }
  try {
    await sock.connectAsync(opts.host, opts.port);
  } catch (err) {
    if (!(err && err.errorID === 2031)) {
      sock.destroy();
      process.stderr.write(`securesocket: ${err.message}\n${USAGE}`);
      return 2;
    }
  }
  const report = JSON.parse(sock.describeConnection());
  process.stdout.write(opts.json ? `${sock.describeConnection()}\n` : sock.describeConnection(true));
  sock.destroy();
  return report.exitCode;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`securesocket: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 3;
});
