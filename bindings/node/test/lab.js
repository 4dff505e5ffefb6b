'use strict';
// Starts the loopback TLS lab (tests/lab) as a child process with -stdin:
// when the parent goes, for whatever reason, the pipe closes and the lab
// exits too. Used by test/run.js and bench.js.
//
// SECURESOCKET_LAB may name a built lab binary; otherwise it is built from
// the repository with `go build` (GO overrides `go`) into build/lab.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..', '..');

function buildLab() {
  if (process.env.SECURESOCKET_LAB) return process.env.SECURESOCKET_LAB;
  const out = path.join(repo, 'build', 'lab');
  const go = process.env.GO || 'go';
  const r = spawnSync(go, ['build', '-trimpath', '-o', out, './tests/lab/cmd/lab'], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`building the lab failed (${go} build ./tests/lab/cmd/lab)`);
  return out;
}

/**
 * Starts the lab; resolves with { json, caFile, info, stop() } once its JSON
 * file exists.
 */
async function startLab() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'securesocket-node-'));
  const json = path.join(dir, 'lab.json');
  const child = spawn(buildLab(), ['-json', json, '-stdin'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60000;
  while (!fs.existsSync(json)) {
    if (child.exitCode !== null) throw new Error(`the lab exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('the lab did not start in 60 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(fs.readFileSync(json, 'utf8'));
  return {
    json,
    caFile: info.ca_file,
    info,
    async stop() {
      child.stdin.end(); // -stdin: the lab exits at end of input
      if (child.exitCode === null) await new Promise((r) => child.on('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startLab };
