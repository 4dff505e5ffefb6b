# Wrapper for Python fragments that use a connected `sock`
# (`<!-- sample: fragment of python-connected-socket -->`): it connects `sock`
# to the lab's echo server (which sends back what the fragment writes), runs
# the fragment, then, if the fragment defined an `on_data(e)` listener, runs
# it on socketData until it has read everything that arrived.
import securesocket
from securesocket import *  # noqa: F401,F403

sock = SecureSocket()
sock.add_event_listener(IOErrorEvent.IO_ERROR, lambda e: print(e) or sock.close())
sock.connect("example.net", 443)
securesocket.run(until=lambda: sock.connected, timeout=10)

# SAMPLE

if "on_data" in globals():
    sock.add_event_listener(ProgressEvent.SOCKET_DATA, on_data)
    # Runs after on_data (same priority, added later): close once it drained the input.
    sock.add_event_listener(ProgressEvent.SOCKET_DATA, lambda e: sock.bytes_available or sock.close())
    securesocket.run(timeout=10)
sock.free()
