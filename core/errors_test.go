package core

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullBacklog returns the port of a loopback listener whose accept queue is
// full: the kernel drops further SYNs, so a TCP connect to it times out
// (a loopback stand-in for a host that does not answer).
func fullBacklog(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	// Fill the queue until a connect no longer completes.
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err != nil {
			return port
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("the kernel kept accepting connections into a zero backlog")
	return 0
}

// A timeout during the TCP connect is worded the same at every timeout
// (it used to be "timed out" at 250 and 500 ms, when the dialer's deadline
// fired before the context's, and "timed out after 1000 ms" above).
func TestConnectTimeoutDetail(t *testing.T) {
	port := fullBacklog(t)
	for _, ms := range []uint32{250, 500, 1000} {
		for _, host := range []string{"127.0.0.1", "localhost"} {
			q := NewQueue()
			s := New(q)
			s.SetTimeout(ms)
			start := time.Now()
			if err := s.Connect(host, port); err != nil {
				t.Fatal(err)
			}
			e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
			took := time.Since(start)
			want := fmt.Sprintf("timed out after %d ms", ms)
			if e.Type != EventIOError || e.Detail != want {
				t.Errorf("%s at %d ms: %s %q, want ioError %q", host, ms, e.Type, e.Detail, want)
			}
			if took > time.Duration(ms)*time.Millisecond+2*time.Second {
				t.Errorf("%s at %d ms: took %v", host, ms, took)
			}
			s.Close()
		}
	}
}

// A refused connection names the address and port that refused it.
func TestRefusedNamesAddress(t *testing.T) {
	port := labPorts["refused"]
	for _, host := range []string{"127.0.0.1", "localhost"} {
		q := NewQueue()
		s := New(q)
		s.Connect(host, port)
		e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
		if e.Type != EventIOError || !strings.HasPrefix(e.Detail, "connection refused by ") ||
			!strings.HasSuffix(e.Detail, ":"+strconv.Itoa(port)) {
			t.Errorf("%s: %s %q, want \"connection refused by <address>:%d\"", host, e.Type, e.Detail, port)
		}
		if host == "127.0.0.1" && e.Detail != "connection refused by 127.0.0.1:"+strconv.Itoa(port) {
			t.Errorf("detail %q", e.Detail)
		}
		if s.ServerCertificateStatus() != StatusUnknown {
			t.Errorf("status %s", s.ServerCertificateStatus())
		}
	}
}
