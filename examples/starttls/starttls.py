"""STARTTLS with securesocket in Python: an SMTP-like exchange in the clear,
then the upgrade to TLS with full certificate verification.
    python starttls.py HOST PORT     (exit 0: upgraded and echoed; 1: refused)"""
import asyncio
import sys

import securesocket


async def read_line(sock: securesocket.Socket) -> str:
    line = bytearray()
    while not line.endswith(b"\n"):
        await sock.wait_bytes(1)
        line += sock.read_bytes(1)
    text = line.decode().rstrip("\r\n")
    print("S:", text)
    return text


def say(sock: securesocket.Socket, text: str) -> None:
    sock.write_utf_bytes(text)
    sock.flush()


async def main(host: str, port: int) -> int:
    with securesocket.Socket() as sock:  # flash.net.Socket: plain TCP
        await sock.connect_async(host, port)
        assert (await read_line(sock)).startswith("220")
        say(sock, "EHLO client.example\r\n")
        assert (await read_line(sock)).startswith("250")
        say(sock, "STARTTLS\r\n")
        assert (await read_line(sock)).startswith("220")
        try:
            await sock.start_tls_async(host)  # a second "connect", or an ioError
        except securesocket.SocketIOError as e:
            print(f"refused: {e.certificate_status} ({e.detail})")
            return 1
        print("upgraded to", sock.tls_version)
        say(sock, "hello over TLS\r\n")
        return 0 if await read_line(sock) == "hello over TLS" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]))))
