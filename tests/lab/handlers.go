package lab

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"time"
)

// discard reads until the peer closes (or the lab does). Servers that have
// nothing more to say keep reading rather than close, so that the client is
// the one deciding when the connection ends.
func discard(c io.Reader) {
	_, _ = io.Copy(io.Discard, c)
}

// echo writes back every byte it reads until the client closes.
func echo(c *tls.Conn) {
	_, _ = io.Copy(c, c)
}

// typed sends TypedPayload and waits for the client to close.
func typed(c *tls.Conn) {
	if _, err := c.Write(TypedPayload()); err != nil {
		return
	}
	discard(c)
}

// closeAfterLinger bounds how long closeAfter waits for the client to close
// after the server's close_notify.
const closeAfterLinger = 5 * time.Second

// closeAfter sends CloseAfterLen pattern bytes, a close_notify and a TCP FIN.
// It then drains the client's side before closing the socket: closing with
// unread input makes the kernel send an RST, which can destroy the data and
// the close_notify still in flight to the client.
func closeAfter(c *tls.Conn) {
	if _, err := c.Write(patternAt(0, CloseAfterLen)); err != nil {
		return
	}
	if err := c.CloseWrite(); err != nil { // close_notify
		return
	}
	if tcp, ok := c.NetConn().(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(closeAfterLinger))
	discard(c)
}

// truncated sends CloseAfterLen pattern bytes and then a TCP FIN without a
// close_notify: the stream ends on a record boundary, as a truncation attack
// (or a careless server) would end it. It then drains the client's side, as
// closeAfter does.
func truncated(c *tls.Conn) {
	if _, err := c.Write(patternAt(0, CloseAfterLen)); err != nil {
		return
	}
	tcp, ok := c.NetConn().(*net.TCPConn)
	if !ok {
		return
	}
	_ = tcp.CloseWrite()
	_ = tcp.SetReadDeadline(time.Now().Add(closeAfterLinger))
	discard(tcp)
}

// readRequest reads the 8-byte big-endian length that starts a source or
// sink request. It reports false when the client closed between requests.
func readRequest(c io.Reader) (uint64, bool) {
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(hdr[:]), true
}

// source answers each request N with N pattern bytes, in chunkSize writes.
func source(c *tls.Conn) {
	for {
		n, ok := readRequest(c)
		if !ok {
			return
		}
		for sent := uint64(0); sent < n; {
			k := int(min(n-sent, chunkSize))
			if _, err := c.Write(patternAt(sent, k)); err != nil {
				return
			}
			sent += uint64(k)
		}
	}
}

// sink answers each request N, followed by N bytes, with the 8-byte
// big-endian count received and 0x01 if they were the pattern (else 0x00).
func sink(c *tls.Conn) {
	buf := make([]byte, chunkSize)
	for {
		n, ok := readRequest(c)
		if !ok {
			return
		}
		match := true
		for got := uint64(0); got < n; {
			k := int(min(n-got, chunkSize))
			m, err := c.Read(buf[:k])
			if m > 0 && !bytes.Equal(buf[:m], patternAt(got, m)) {
				match = false
			}
			got += uint64(m)
			if err != nil {
				return
			}
		}
		reply := binary.BigEndian.AppendUint64(make([]byte, 0, 9), n)
		if match {
			reply = append(reply, 0x01)
		} else {
			reply = append(reply, 0x00)
		}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

// silent accepts and never sends a byte. It reads so that it notices the
// client leaving; it never closes first.
func silent(c net.Conn) {
	discard(c)
}

// garbageResponse is what the garbage server sends instead of a ServerHello:
// an HTTP error, the usual thing a client meets when it speaks TLS to a
// plain-text port.
const garbageResponse = "HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS\n"

// garbageLinger keeps the garbage connection open after the response, so the
// client has to detect the protocol error itself rather than see EOF.
const garbageLinger = 30 * time.Second

func garbage(c net.Conn) {
	if _, err := io.WriteString(c, garbageResponse); err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(garbageLinger))
	discard(c)
}
