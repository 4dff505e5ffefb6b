"""SecureSocketExample, the AS3 reference's example, in Python (examples/c has
the C one): connects to a trusted server, one with an expired certificate and
one whose certificate names another host, and prints what each reports.

    python securesocket_example.py HOST TRUSTED_PORT EXPIRED_PORT WRONG_HOST_PORT

Against the loopback lab (tests/lab), with SSL_CERT_FILE naming its ca.pem.
"""

import sys

import securesocket
from securesocket import Event, IOErrorEvent, SecureSocket


def attempt(label: str, host: str, port: int) -> None:
    sock = SecureSocket()
    done = []

    def on_connect(e: Event) -> None:
        print(f"{label}: Connected.")
        done.append(e)

    def on_error(e: IOErrorEvent) -> None:
        print(f"{label}: {e.text}, {sock.server_certificate_status}")
        print(f"    why: {e.detail}")
        done.append(e)

    sock.add_event_listener(Event.CONNECT, on_connect)
    sock.add_event_listener(IOErrorEvent.IO_ERROR, on_error)
    try:
        sock.connect(host, port)
    except Exception as err:  # AS3's try/catch around connect
        print(f"{label}: {err}")
        return
    securesocket.run(until=lambda: done, timeout=30)
    sock.free()


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(f"usage: {sys.argv[0]} HOST TRUSTED_PORT EXPIRED_PORT WRONG_HOST_PORT")
    host = sys.argv[1]
    for label, port in zip(("trusted", "expired", "wrongHost"), sys.argv[2:]):
        attempt(label, host, int(port))


if __name__ == "__main__":
    main()
