// SecureSocketExample, the AS3 reference's example, in Node (examples/c has
// the C one): connects to a trusted server, one with an expired certificate
// and one whose certificate names another host, and prints what each reports.
//
//   node securesocket_example.mjs HOST TRUSTED_PORT EXPIRED_PORT WRONG_HOST_PORT
//
// Against the loopback lab (tests/lab), with SSL_CERT_FILE naming its ca.pem.
// The ES module twin of securesocket_example.js.
import { SecureSocket, Event, IOErrorEvent } from 'securesocket';

function attempt(label, host, port) {
  return new Promise((resolve) => {
    const s = new SecureSocket();
    s.addEventListener(Event.CONNECT, () => {
      console.log(`${label}: Connected.`);
      s.close();
      resolve();
    });
    s.addEventListener(IOErrorEvent.IO_ERROR, (e) => {
      console.log(`${label}: ${e.text}, ${s.serverCertificateStatus}`);
      console.log(`    why: ${e.detail}`);
      resolve();
    });
    try {
      s.connect(host, port);
    } catch (err) { // AS3's try/catch around connect
      console.log(`${label}: ${err.message}`);
      resolve();
    }
  });
}

async function main() {
  const [host, ...ports] = process.argv.slice(2);
  if (ports.length !== 3) {
    console.error('usage: node securesocket_example.mjs HOST TRUSTED_PORT EXPIRED_PORT WRONG_HOST_PORT');
    process.exit(2);
  }
  for (const [i, label] of ['trusted', 'expired', 'wrongHost'].entries()) await attempt(label, host, Number(ports[i]));
}

await main();
