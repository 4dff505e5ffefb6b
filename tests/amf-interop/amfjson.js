'use strict';
// Node client of the Go converter (amfjson/main.go): one `amfjson serve`
// process answers every request of a test run over its line protocol.

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..');

// binary returns $AMFJSON when set (run_tests.sh builds it), else builds the
// converter into a temporary directory.
function binary() {
  if (process.env.AMFJSON) return path.resolve(process.env.AMFJSON);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amfjson-'));
  const out = path.join(dir, 'amfjson');
  execFileSync(process.env.GO || 'go', ['build', '-o', out, './tests/amf-interop/amfjson'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return out;
}

class AmfJson {
  constructor(bin = binary()) {
    this.proc = spawn(bin, ['serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    this.exited = null;
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(line);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = new Error(`amfjson exited (${code ?? signal})`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  request(line) {
    if (line.includes('\n')) throw new Error('request contains a newline');
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(line + '\n');
    });
  }

  async call(line) {
    const answer = await this.request(line);
    if (answer.startsWith('ok ')) return answer.slice(3);
    const err = new Error(`amfjson: ${answer.replace(/^err /, '')}`);
    err.amf = answer.replace(/^err /, '');
    throw err;
  }

  // decode returns {n, json}: bytes used and ToJSON's text.
  async decode(enc, bytes) {
    const answer = await this.call(`decode ${enc} ${Buffer.from(bytes).toString('hex')}`);
    const sp = answer.indexOf(' ');
    return { n: Number(answer.slice(0, sp)), json: answer.slice(sp + 1) };
  }

  // encode returns the bytes of FromJSON(json) in AMF enc.
  async encode(enc, json) {
    return Buffer.from(await this.call(`encode ${enc} ${json}`), 'hex');
  }

  // canon returns ToJSON(FromJSON(json)): the canonical text of a JSON form.
  canon(json) {
    return this.call(`canon ${json}`);
  }

  close() {
    this.proc.stdin.end();
  }
}

module.exports = { AmfJson, binary, ROOT };
