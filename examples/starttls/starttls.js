// STARTTLS with securesocket in Node: an SMTP-like exchange in the clear,
// then the upgrade to TLS with full certificate verification.
//     node starttls.js HOST PORT     (exit 0: upgraded and echoed; 1: refused)
'use strict';
const { Socket } = require(process.env.SECURESOCKET_MODULE || 'securesocket');

// The next line from the server, CR LF stripped.
async function readLine(sock) {
  let line = '';
  while (!line.endsWith('\n')) {
    while (sock.bytesAvailable === 0) { // (a socketData event may be for bytes already read)
      await new Promise((resolve) => {
        const onData = () => { sock.removeEventListener('socketData', onData); resolve(); };
        sock.addEventListener('socketData', onData);
      });
    }
    line += sock.readUTFBytes(1);
  }
  line = line.replace(/\r?\n$/, '');
  console.log('S:', line);
  return line;
}

function say(sock, text) {
  sock.writeUTFBytes(text);
  sock.flush();
}

async function main(host, port) {
  const sock = new Socket(); // flash.net.Socket: plain TCP
  try {
    await sock.connectAsync(host, port);
    if (!(await readLine(sock)).startsWith('220')) return 1;
    say(sock, 'EHLO client.example\r\n');
    if (!(await readLine(sock)).startsWith('250')) return 1;
    say(sock, 'STARTTLS\r\n');
    if (!(await readLine(sock)).startsWith('220')) return 1;
    try {
      await sock.startTLSAsync(host); // a second "connect", or an ioError
    } catch (e) {
      console.log(`refused: ${e.status} (${e.detail})`);
      return 1;
    }
    console.log('upgraded to', sock.tlsVersion);
    say(sock, 'hello over TLS\r\n');
    return (await readLine(sock)) === 'hello over TLS' ? 0 : 1;
  } finally {
    sock.destroy();
  }
}

main(process.argv[2], Number(process.argv[3])).then((code) => { process.exitCode = code; });
