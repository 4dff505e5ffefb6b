package core_test

import (
	"fmt"
	"net"
	"time"

	"github.com/securesocket/securesocket/core"
)

// The AS3 reference's SecureSocketExample: listeners for connect and
// ioError, then connect. The listeners run inside Dispatch, on the calling
// goroutine. (Not run by go test: it needs the internet.)
func ExampleSocket() {
	q := core.NewQueue()
	s := core.New(q)
	done := false
	s.On(core.EventConnect, func(core.Event) {
		fmt.Println("Connected.")
		s.WriteUTF("hello")
		s.Flush()
	})
	s.On(core.EventSocketData, func(core.Event) {
		if msg, err := s.ReadUTF(); err == nil { // core.ErrEOF until the whole string is there
			fmt.Println(msg)
			done = true
		}
	})
	s.On(core.EventIOError, func(e core.Event) {
		// e.g. "Error #2031: Socket Error. URL: example.net, expired (certificate expired at ...)"
		fmt.Printf("%s, %s (%s)\n", e.Text, s.ServerCertificateStatus(), e.Detail)
		done = true
	})
	if err := s.Connect("example.net", 443); err != nil {
		fmt.Println(err) // *core.Error with the AS3 id, e.g. #2003 for a bad port
		return
	}
	for !done {
		q.Dispatch(time.Second)
	}
	s.Close()
}

// A connection that fails before any certificate arrives is an ioError
// #2031 whose certificate status stays unknown (Detail says why). Runs on
// the loopback interface: a port nobody listens on any more.
func ExampleSocket_Connect() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	q := core.NewQueue()
	s := core.New(q)
	var failed *core.Event
	s.On(core.EventIOError, func(e core.Event) { failed = &e })
	if err := s.Connect("127.0.0.1", port); err != nil {
		fmt.Println(err)
		return
	}
	for deadline := time.Now().Add(30 * time.Second); failed == nil && time.Now().Before(deadline); {
		q.Dispatch(time.Second)
	}
	if failed == nil {
		fmt.Println("no ioError")
		return
	}
	fmt.Println(failed.Text)
	fmt.Println(failed.ErrorID, s.ServerCertificateStatus(), s.Connected())
	// Output:
	// Error #2031: Socket Error. URL: 127.0.0.1
	// 2031 unknown false
}

// A Queue carries the events of any number of sockets; Dispatch delivers
// each to the listeners its socket registered with On. Sockets post their
// own events; Post is how anything else (a test, a bridge) adds one.
func ExampleQueue() {
	q := core.NewQueue()
	a, b := core.New(q), core.New(q)
	a.On(core.EventSocketData, func(e core.Event) { fmt.Println("a:", e.Type, e.BytesLoaded) })
	b.On(core.EventSocketData, func(e core.Event) { fmt.Println("b:", e.Type, e.BytesLoaded) })

	q.Post(core.Event{Type: core.EventSocketData, Socket: a, BytesLoaded: 10})
	q.Post(core.Event{Type: core.EventSocketData, Socket: b, BytesLoaded: 7})
	fmt.Println("waiting:", q.Len())
	fmt.Println("delivered:", q.Dispatch(0))
	// Output:
	// waiting: 2
	// a: socketData 10
	// b: socketData 7
	// delivered: 2
}
