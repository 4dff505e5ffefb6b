// Compiled (never run) by test/types.test.js with tsc --strict against
// index.d.ts: what a TypeScript user writes must type-check, and each line
// marked as an expected error must be one.
import {
  SecureSocket, Event, ProgressEvent, IOErrorEvent, SecurityErrorEvent, OutputProgressEvent,
  CertificateStatus, Endian, ObjectEncoding, RevocationMode, RevocationStatus, TLSVersion,
  IOError, EOFError, SecureSocketError, RangeError as SSRangeError, TypedObject, ECMAArray, Vector, Dictionary, XML,
  ArrayCollection, SmallMessage, AMFValue, X509Certificate,
} from '../../index';

async function main(): Promise<void> {
  const s = new SecureSocket();
  s.addEventListener(Event.CONNECT, () => { s.writeUTF('hello'); s.flush(); });
  s.on(ProgressEvent.SOCKET_DATA, (e) => { const n: number = e.bytesLoaded; console.log(n, s.readUTF()); });
  s.on(IOErrorEvent.IO_ERROR, (e) => { const id: number = e.errorID; console.log(id, e.text, e.detail); });
  s.on(SecurityErrorEvent.SECURITY_ERROR, (e) => console.log(e.text));
  s.on(OutputProgressEvent.OUTPUT_PROGRESS, (e) => console.log(e.bytesPending, e.bytesTotal));
  s.endian = Endian.LITTLE_ENDIAN;
  s.objectEncoding = ObjectEncoding.AMF0;
  s.timeout = 5000;
  s.inputLimit = 1 << 20;
  s.minTLSVersion = TLSVersion.TLS1_3;
  s.revocationMode = RevocationMode.HARD_FAIL;
  s.addBinaryChainBuildingCertificate(new Uint8Array(0), true);
  s.addPublicKeyPin(SecureSocket.publicKeyPin(Buffer.alloc(0)));
  s.setClientCertificate('-----BEGIN CERTIFICATE-----', Buffer.alloc(0), 'secret');
  try {
    await s.connectAsync('localhost', 443);
  } catch (err) {
    if (err instanceof IOError) console.log(err.errorID, err.code, err.detail, err.status);
  }
  const ok: boolean = s.serverCertificateStatus === CertificateStatus.TRUSTED &&
    s.revocationStatus !== RevocationStatus.REVOKED;
  const cert: X509Certificate | null = s.serverCertificate;
  if (cert) console.log(cert.subject.commonName, cert.validNotAfter.toISOString(), cert.encoded.length);
  const chain: X509Certificate[] = s.serverCertificateChain;
  console.log(ok, chain.length, s.serverCertificateDER(0).length, s.tlsVersion);

  const buf = new Uint8Array(1024);
  const got: number = s.readBytesInto(buf, 0, 0);
  const bytes: Buffer = s.readBytes();
  s.readBytes(buf, 0, 5); // AS3 form: into buf at 0
  const local: string | null = s.localAddress;
  if (local !== null) console.log(local.length);
  const base: boolean = new IOError('x', 2002, 'ERR_SS_INVALID_SOCKET') instanceof SecureSocketError;
  void base;
  console.log(got, bytes, s.readInt(), s.readDouble(), s.readMultiByte(4, 'shift_jis'));
  s.writeBytes(buf, 0, 16);
  s.writeMultiByte('text', 'gb2312');

  const value: AMFValue = {
    list: [1, 'two', null, undefined, new Date()],
    typed: new TypedObject('com.example.Bean', { id: 1 }, null),
    arr: new ECMAArray([1], { k: 'v' }),
    ints: new Vector('int', new Int32Array([1, 2])),
    dict: new Dictionary([[{}, 1]], true),
    xml: new XML('<a/>'),
    coll: new ArrayCollection([1, 2]),
    msg: new SmallMessage('DSK', { body: 'x' }),
  };
  s.writeObject(value);
  console.log(s.readObject());
  try {
    s.readInt();
  } catch (err) {
    if (err instanceof EOFError || err instanceof SSRangeError) console.log(err.errorID);
  }
  s.close();
  s.destroy();

  // @ts-expect-error connect takes a port number
  s.connect('localhost', '443');
  // @ts-expect-error the status is read-only
  s.serverCertificateStatus = 'trusted';
  // @ts-expect-error socketData listeners get a ProgressEvent, which has no errorID
  s.on('socketData', (e) => console.log(e.errorID));
}

void main;
