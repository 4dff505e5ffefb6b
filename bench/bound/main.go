// Command bench_bound is the fastest reconnect loop that crypto/tls allows
// on Linux, as a bound for the "reconnects with resumption" row of `make
// bench`: what a client built on crypto/tls could reach if it did nothing
// but TLS, synchronously, on the calling thread.
//
//	bench_bound reconnect all|x25519      (BENCH_CONFIG names the run's JSON)
//
// Each reconnect is what bench_c and bench_go do: a TCP connect, a TLS
// handshake that resumes the session of the connection before, one
// round trip of the bench's small message, and a close. Unlike any real
// library, it has no event model at all: the thread is locked, the TCP
// connect is a blocking connect(2), and the handshake and the reply are read
// with blocking read(2) on that thread, outside Go's network poller, so no
// other thread is ever woken and no deadline is kept. "all" offers the
// groups crypto/tls offers by default (X25519MLKEM768 and X25519), "x25519"
// only X25519, which is what securesocket offers a server that chose X25519
// before (core/session.go).
//
// Run it against the bench's server with bench/withsrv.py, next to the C
// client's OpenSSL side, e.g.:
//
//	ROOT=. python3 bench/withsrv.py build/bench/bench_bound reconnect x25519
//	ROOT=. LD_LIBRARY_PATH=build python3 bench/withsrv.py build/bench/bench_c reconnect theirs
//
// It prints one JSON line {"values": {"reconnect": N}, "info": {...}} like
// the other clients.
package main

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

type config struct {
	Host  string         `json:"host"`
	Ports map[string]int `json:"ports"`
	Sizes map[string]int `json:"sizes"`
}

var cfg config

func main() {
	if len(os.Args) != 3 || os.Args[1] != "reconnect" || (os.Args[2] != "all" && os.Args[2] != "x25519") {
		fmt.Fprintln(os.Stderr, "usage: bench_bound reconnect all|x25519")
		os.Exit(2)
	}
	runtime.LockOSThread()
	raw, err := os.ReadFile(os.Getenv("BENCH_CONFIG"))
	if err == nil {
		err = json.Unmarshal(raw, &cfg)
	}
	if err != nil {
		fail(fmt.Errorf("BENCH_CONFIG: %w", err))
	}
	addr, err := netip.ParseAddr(cfg.Host)
	if err != nil {
		fail(fmt.Errorf("the bench host must be an IP address: %w", err))
	}
	conf := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12,
		ClientSessionCache: tls.NewLRUClientSessionCache(64)}
	if os.Args[2] == "x25519" {
		conf.CurvePreferences = []tls.CurveID{tls.X25519}
	}
	port, n := cfg.Ports["echo"], cfg.Sizes["reconnects"]
	msg := make([]byte, cfg.Sizes["rtt_size"])
	once := func() (bool, error) {
		c, err := dial(netip.AddrPortFrom(addr, uint16(port)), conf)
		if err != nil {
			return false, err
		}
		defer c.Close()
		if _, err := c.Write(msg); err != nil {
			return false, err
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			return false, err
		}
		return c.ConnectionState().DidResume, nil
	}
	if _, err := once(); err != nil { // warm-up, untimed: the trust store, a session to offer
		fail(err)
	}
	resumed := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		r, err := once()
		if err != nil {
			fail(err)
		}
		if r {
			resumed++
		}
	}
	out, _ := json.Marshal(map[string]any{
		"values": map[string]float64{"reconnect": float64(n) / time.Since(start).Seconds()},
		"info":   map[string]any{"resumed": fmt.Sprintf("%d/%d", resumed, n), "groups": os.Args[2]},
	})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench_bound:", err)
	os.Exit(1)
}

// dial connects with blocking system calls and completes the handshake.
func dial(ap netip.AddrPort, conf *tls.Config) (*tls.Conn, error) {
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	if ap.Addr().Is6() && !ap.Addr().Is4In6() {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	for {
		err = unix.Connect(fd, sa)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c := tls.Client(&fdConn{fd: fd}, conf)
	if err := c.Handshake(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// fdConn is a net.Conn over a blocking descriptor: reads and writes are
// read(2) and write(2) on the calling thread. It keeps no deadlines.
type fdConn struct{ fd int }

func (c *fdConn) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(c.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, os.NewSyscallError("read", err)
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (c *fdConn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := unix.Write(c.fd, p[done:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, os.NewSyscallError("write", err)
		}
		done += n
	}
	return done, nil
}

func (c *fdConn) Close() error {
	if c.fd < 0 {
		return errors.New("closed")
	}
	err := unix.Close(c.fd)
	c.fd = -1
	return err
}

func (c *fdConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *fdConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *fdConn) SetDeadline(t time.Time) error      { return nil }
func (c *fdConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *fdConn) SetWriteDeadline(t time.Time) error { return nil }
