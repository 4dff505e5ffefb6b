//go:build unix

package core

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pollQueue is a Queue whose host watches descriptors, as the C ABI's
// epoll set does (hostread.go): a goroutine polls every watched descriptor
// and pumps the readable ones. With pumping off, only reads that pump
// themselves (BytesAvailable) bring input in.
type pollQueue struct {
	*Queue
	mu      sync.Mutex
	fds     map[*Socket]uintptr
	watches atomic.Int64
	pumps   atomic.Int64
	pumping atomic.Bool
	delay   atomic.Int64 // ns the host spends elsewhere after each pump
	stop    chan struct{}
	done    chan struct{}
}

func newPollQueue(t *testing.T, pumping bool) *pollQueue {
	p := &pollQueue{Queue: NewQueue(), fds: map[*Socket]uintptr{},
		stop: make(chan struct{}), done: make(chan struct{})}
	p.pumping.Store(pumping)
	go p.run()
	t.Cleanup(func() { close(p.stop); <-p.done })
	return p
}

func (p *pollQueue) WatchInput(s *Socket, fd uintptr) bool {
	p.mu.Lock()
	p.fds[s] = fd
	p.mu.Unlock()
	p.watches.Add(1)
	return true
}

func (p *pollQueue) UnwatchInput(s *Socket) {
	p.mu.Lock()
	delete(p.fds, s)
	p.mu.Unlock()
}

func (p *pollQueue) watched(s *Socket) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.fds[s]
	return ok
}

func (p *pollQueue) run() {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		if !p.pumping.Load() {
			time.Sleep(time.Millisecond)
			continue
		}
		p.mu.Lock()
		var socks []*Socket
		var pfds []unix.PollFd
		for s, fd := range p.fds {
			socks = append(socks, s)
			pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		p.mu.Unlock()
		if len(pfds) == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		if n, _ := unix.Poll(pfds, 5); n <= 0 {
			continue
		}
		for i, f := range pfds {
			if f.Revents != 0 {
				p.pumps.Add(1)
				socks[i].Pump()
				time.Sleep(time.Duration(p.delay.Load()))
			}
		}
	}
}

func hostConnected(t *testing.T, p *pollQueue, scenario string) *Socket {
	t.Helper()
	s := New(p)
	if err := s.Connect("localhost", labPorts[scenario]); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, p.Queue, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect {
		t.Fatalf("connect to %s: %s (%s)", scenario, e.Text, e.Detail)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func hostDriven(s *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.link != nil && s.link.hostDriven
}

// Request/response on a host-driven link: every reply is pumped by the
// host, no reader goroutine ever runs, and nothing is lost or reordered.
func TestHostDrivenRoundTrips(t *testing.T) {
	p := newPollQueue(t, true)
	s := hostConnected(t, p, "echo")
	if !hostDriven(s) || !p.watched(s) {
		t.Fatal("the link is not host-driven on a sink that watches descriptors")
	}
	for i := 0; i < 200; i++ {
		msg := []byte{byte(i), 1, 2, 3, 4, 5, 6, byte(255 - i)}
		s.WriteBytes(msg, 0, 0)
		s.Flush()
		waitAvailable(t, s, p.Queue, len(msg))
		got, err := s.ReadBytes(0)
		if err != nil || string(got) != string(msg) {
			t.Fatalf("trip %d: got %v (%v), want %v", i, got, err, msg)
		}
		if !hostDriven(s) {
			t.Fatalf("trip %d: a small reply left the host-driven mode", i)
		}
	}
	if p.pumps.Load() == 0 {
		t.Fatal("the host never pumped")
	}
	s.Close()
	if p.watched(s) {
		t.Fatal("the descriptor is still watched after close")
	}
}

// linkState describes a socket's link for a failure message, with the
// stacks of its goroutines.
func linkState(s *Socket) string {
	s.mu.Lock()
	l := s.link
	st := fmt.Sprintf("link %v", l != nil)
	if l != nil {
		st = fmt.Sprintf("hostDriven %v watching %v paused %v closing %v unread %d",
			l.hostDriven, l.watching, l.paused, l.closing, len(s.in)-s.inR)
	}
	s.mu.Unlock()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var mine []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "core.(*Socket)") {
			mine = append(mine, g)
		}
	}
	return st + "\n" + strings.Join(mine, "\n\n")
}

func waitHostDriven(t *testing.T, s *Socket, p *pollQueue) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !hostDriven(s) || !p.watched(s) {
		if time.Now().After(deadline) {
			t.Fatalf("the link is not with its host after the stream: %s", linkState(s))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A stream to a host that keeps pumping is decrypted in place, under the
// input limit, whole and in order, and the link stays with its host.
func TestHostDrivenStream(t *testing.T) {
	for _, limit := range []int{64 << 10, DefaultInputLimit} {
		p := newPollQueue(t, true)
		s := hostConnected(t, p, "source")
		const total = 8 << 20
		s.SetInputLimit(limit)
		s.WriteUnsignedInt(0)
		s.WriteUnsignedInt(total)
		s.Flush()
		if limit < total {
			waitAvailable(t, s, p.Queue, limit)
			time.Sleep(200 * time.Millisecond)
			if got := s.BytesAvailable(); got > limit+readChunk {
				t.Fatalf("buffered %d bytes past a %d limit", got, limit)
			}
		}
		readPattern(t, s, p.Queue, total)
		waitHostDriven(t, s, p)
		s.WriteUnsignedInt(0)
		s.WriteUnsignedInt(1000)
		s.Flush()
		readPattern(t, s, p.Queue, 1000)
		s.mu.Lock()
		kept := s.in != nil
		s.mu.Unlock()
		if kept {
			t.Fatal("an input buffer is kept after the stream ended and was read")
		}
	}
}

// A host that comes back slower than a pump takes still pumps its stream
// itself: no reader goroutine takes the link and reads ahead, and each pump
// decrypts at most its budget (the rest waits in the kernel). The stream
// arrives whole and in order.
func TestHostDrivenSlowHostKeepsTheStream(t *testing.T) {
	p := newPollQueue(t, true)
	p.delay.Store(int64(20 * time.Millisecond))
	s := hostConnected(t, p, "source")
	const total = 4 << 20
	var left atomic.Bool
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if !hostDriven(s) {
				left.Store(true)
			}
		}
	}()
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(total)
	s.Flush()
	readPattern(t, s, p.Queue, total)
	close(stop)
	<-watched
	if left.Load() {
		t.Fatal("the stream of a slow host went to a reader goroutine")
	}
	// About one budget per pump: 4 MiB took 16 pumps or so (a pump may
	// go a record past its budget, and the first one after the connect is
	// not the host's), never a few that pulled the stream in at once.
	if n := p.pumps.Load(); n < total/(2*pumpBudget) {
		t.Fatalf("%d pumps for %d bytes: a pump went past its budget", n, total)
	}
	waitHostDriven(t, s, p)
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(1000)
	s.Flush()
	readPattern(t, s, p.Queue, 1000)
}

// A peer close is seen by the pump: the input stays readable, then close.
func TestHostDrivenPeerClose(t *testing.T) {
	p := newPollQueue(t, true)
	s := hostConnected(t, p, "closeAfter")
	var loaded uint64
	for {
		e, _ := waitFor(t, p.Queue, 10*time.Second, EventSocketData, EventClose)
		if e.Type == EventClose {
			break
		}
		loaded += e.BytesLoaded
	}
	if loaded != 1000 || s.BytesAvailable() != 1000 {
		t.Fatalf("announced %d, available %d, want 1000", loaded, s.BytesAvailable())
	}
	if p.watched(s) {
		t.Fatal("the descriptor is still watched after the peer closed")
	}
	b, err := s.ReadBytes(0)
	if err != nil || len(b) != 1000 || b[999] != byte(999%251) {
		t.Fatalf("read %d: %v", len(b), err)
	}
}

// A host that never pumps still sees input arrive through bytesAvailable,
// with its socketData events.
func TestHostDrivenBytesAvailablePumps(t *testing.T) {
	p := newPollQueue(t, false)
	s := hostConnected(t, p, "echo")
	s.WriteBytes([]byte("hello"), 0, 0)
	s.Flush()
	deadline := time.Now().Add(10 * time.Second)
	for s.BytesAvailable() < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the reply never showed in bytesAvailable")
		}
		time.Sleep(time.Millisecond)
	}
	if e, _ := waitFor(t, p.Queue, time.Second, EventSocketData); e.BytesLoaded != 5 {
		t.Fatalf("socketData of %d bytes, want 5", e.BytesLoaded)
	}
	if got, err := s.ReadUTFBytes(5); err != nil || got != "hello" {
		t.Fatalf("read %q %v", got, err)
	}
	if _, err := s.ReadInt8(); !errors.Is(err, ErrEOF) {
		t.Fatalf("over-read: %v", err)
	}
}

// A Queue pumps its sockets' input itself (Linux): a stream read by a
// host slower than the pumps and the replies after it all arrive through
// Wait with the link staying with the Queue, and no reply waits for
// another event to wake the host.
func TestQueueWaitPumpsStreamsAndReplies(t *testing.T) {
	s, q := connected(t, "source")
	if !hostDriven(s) {
		t.Skip("this system's Queue does not pump input (not Linux)")
	}
	s.SetEventMask(MaskOf(EventSocketData)) // no outputProgress to wake the wait
	slow := false
	read := func(total int, within time.Duration) {
		t.Helper()
		buf := make([]byte, 64<<10)
		start := time.Now()
		for got := 0; got < total; {
			n, err := s.ReadBytesInto(buf, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkPattern(t, buf[:n], got)
			got += n
			if n > 0 && slow {
				time.Sleep(3 * time.Millisecond)
			}
			if n == 0 {
				if _, ok := q.Wait(30 * time.Second); !ok {
					t.Fatalf("no event in 30 s with %d of %d bytes read", got, total)
				}
			}
		}
		if d := time.Since(start); d > within {
			t.Fatalf("%d bytes took %v: a wait missed the input", total, d)
		}
		if !hostDriven(s) {
			t.Fatalf("the link left its Queue: %s", linkState(s))
		}
	}
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(4 << 20)
	s.Flush()
	slow = true
	read(4<<20, 20*time.Second)
	slow = false
	for i := 0; i < 20; i++ {
		s.WriteUnsignedInt(0)
		s.WriteUnsignedInt(100)
		s.Flush()
		read(100, 5*time.Second)
		time.Sleep(time.Duration(i%4) * time.Millisecond)
	}
}

// A Queue's descriptors go with the Queue: sockets with a Queue each
// (New(nil)) do not leak two descriptors per connect.
func TestQueueDescriptorsGoWithTheQueue(t *testing.T) {
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(ents)
	}
	use := func() {
		s := New(nil)
		if err := s.Connect("localhost", labPorts["echo"]); err != nil {
			t.Fatal(err)
		}
		if e, _ := waitFor(t, s.Queue(), 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
			t.Fatalf("connect: %s %s", e.Text, e.Detail)
		}
		if !hostDriven(s) {
			t.Skip("this system's Queue does not pump input (not Linux)")
		}
		s.Close()
	}
	use()
	runtime.GC()
	runtime.GC()
	before := count()
	for i := 0; i < 50; i++ {
		use()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		if n := count(); n <= before+10 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open after 50 sockets with a Queue each were dropped, %d before", n, before)
		}
	}
}

// Queue.Ready hands the Queue's host-driven sockets to reader goroutines:
// a program that selects on the channel still gets every reply.
func TestQueueReadyHandsSocketsBack(t *testing.T) {
	s, q := connected(t, "echo")
	if !hostDriven(s) {
		t.Skip("this system's Queue does not pump input (not Linux)")
	}
	ready := q.Ready()
	if hostDriven(s) {
		t.Fatal("the socket is still host-driven after Ready")
	}
	for i := 0; i < 20; i++ {
		s.WriteBytes([]byte{byte(i), 2, 3}, 0, 0)
		s.Flush()
		deadline := time.After(10 * time.Second)
		for s.BytesAvailable() < 3 {
			select {
			case <-ready:
				for {
					if _, ok := q.TryNext(); !ok {
						break
					}
				}
			case <-deadline:
				t.Fatalf("trip %d: no reply through Ready in 10 s (%s)", i, linkState(s))
			}
		}
		if got, err := s.ReadBytes(0); err != nil || len(got) != 3 || got[0] != byte(i) {
			t.Fatalf("trip %d: %v %v", i, got, err)
		}
	}
}

// A pump stops without a failing read(2) only when a message came alone
// (readWaiting): records that arrive together, split, or followed by part
// of the next one are all announced with socketData, with no further
// input or pump to push them out. Only the Queue's events are waited for:
// bytesAvailable would pump and hide a record left in TLS's buffer.
func TestPumpLeavesNoRecordBehind(t *testing.T) {
	type burst func(bc *burstConn, tc *tls.Conn) error
	write := func(bc *burstConn, tc *tls.Conn, msgs ...string) {
		bc.collect = true
		for _, m := range msgs {
			tc.Write([]byte(m))
		}
		bc.collect = false
	}
	send := func(bc *burstConn, parts ...int) error {
		b := bc.buf
		bc.buf = nil
		for _, k := range parts {
			if _, err := bc.Conn.Write(b[:k]); err != nil {
				return err
			}
			b = b[k:]
			time.Sleep(30 * time.Millisecond)
		}
		_, err := bc.Conn.Write(b)
		return err
	}
	cases := []struct {
		name  string
		want  string
		burst burst
	}{
		{"two records in one segment", "firstsecond", func(bc *burstConn, tc *tls.Conn) error {
			write(bc, tc, "first", "second")
			return send(bc)
		}},
		{"three records in one segment", "abc", func(bc *burstConn, tc *tls.Conn) error {
			write(bc, tc, "a", "b", "c")
			return send(bc)
		}},
		{"a record in two pieces", "split", func(bc *burstConn, tc *tls.Conn) error {
			write(bc, tc, "split")
			return send(bc, 7)
		}},
		{"a record and part of the next", "thirdfourth", func(bc *burstConn, tc *tls.Conn) error {
			write(bc, tc, "third", "fourth")
			return send(bc, len(bc.buf)-5)
		}},
		{"a header alone", "header", func(bc *burstConn, tc *tls.Conn) error {
			write(bc, tc, "header")
			return send(bc, 3)
		}},
	}
	node, ln := serveOnce(t, func(raw net.Conn, cfg *tls.Config) {
		bc := &burstConn{Conn: raw}
		tc := tls.Server(bc, cfg)
		one := make([]byte, 1)
		for _, c := range cases {
			if _, err := io.ReadFull(tc, one); err != nil {
				return
			}
			if c.burst(bc, tc) != nil {
				return
			}
		}
		io.ReadFull(tc, one)
	})
	s, q := connectAnchored(t, node, ln)
	if !hostDriven(s) {
		t.Skip("this system's Queue does not pump input (not Linux)")
	}
	s.SetEventMask(MaskOf(EventSocketData))
	for _, c := range cases {
		s.WriteInt8(1)
		s.Flush()
		got := 0
		deadline := time.Now().Add(5 * time.Second)
		for got < len(c.want) {
			e, ok := q.Wait(time.Until(deadline))
			if !ok {
				t.Fatalf("%s: %d of %d bytes announced: a record was left in TLS's buffer", c.name, got, len(c.want))
			}
			got += int(e.BytesLoaded)
		}
		b, err := s.ReadBytes(0)
		if err != nil || string(b) != c.want {
			t.Fatalf("%s: read %q (%v), want %q", c.name, b, err, c.want)
		}
	}
}

// A bulk read on a host-driven link decrypts straight into the caller's
// buffer (readDirect): the stream arrives whole and in order, every byte is
// still announced by socketData, and a read that fills the buffer in the
// middle of a record leaves the rest in the input buffer, not hidden in
// TLS's: the exact-length reads in between find it there, or wait for an
// event that comes.
func TestDirectReadsKeepEveryRule(t *testing.T) {
	s, q := connected(t, "source")
	if !hostDriven(s) {
		t.Skip("this system's Queue does not pump input (not Linux)")
	}
	s.SetEventMask(MaskOf(EventSocketData))
	// A long stream read as it arrives, then a short one read after all of
	// it is in: the first read takes it all from the kernel and fills big
	// in the middle of its last record.
	for _, total := range []int{8<<20 + 12345, directReadMin + 4464} {
		directReads(t, s, q, total)
	}
}

func directReads(t *testing.T, s *Socket, q *Queue, total int) {
	t.Helper()
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(uint32(total))
	s.Flush()
	if total < 1<<20 {
		time.Sleep(200 * time.Millisecond)
	}
	big := make([]byte, directReadMin+1000) // not a multiple of a record
	small := make([]byte, 100)
	var got, loaded int
	check := func(b []byte) {
		checkPattern(t, b, got)
		got += len(b)
	}
	for got < total {
		n, err := s.ReadBytesInto(big, 0)
		if err != nil {
			t.Fatal(err)
		}
		check(big[:n])
		k := min(len(small), total-got)
		for k > 0 {
			m, err := s.ReadBytesInto(small[:k], k)
			if err == nil {
				check(small[:m])
				break
			}
			if !errors.Is(err, ErrEOF) {
				t.Fatal(err)
			}
			e, ok := q.Wait(5 * time.Second)
			if !ok {
				t.Fatalf("no event in 5 s with %d of %d bytes read: input hidden in TLS's buffer", got, total)
			}
			loaded += int(e.BytesLoaded)
		}
	}
	for {
		e, ok := q.TryNext()
		if !ok {
			break
		}
		loaded += int(e.BytesLoaded)
	}
	if got != total || loaded != total || s.BytesAvailable() != 0 {
		t.Fatalf("read %d, announced %d, available %d, want %d", got, loaded, s.BytesAvailable(), total)
	}
}

// A bulk read that fills its buffer while the kernel holds more leaves the
// kernel's input there (the descriptor stays readable) and takes into the
// input buffer only what TLS itself holds: the rest of a record, records it
// read ahead. The next bulk read then decrypts the kernel's input straight
// into its destination, copied once, instead of through the input buffer.
func TestDirectReadLeavesTheKernelsInput(t *testing.T) {
	s, q := connected(t, "source")
	if !hostDriven(s) {
		t.Skip("this system's Queue does not pump input (not Linux)")
	}
	s.SetEventMask(MaskOf(EventSocketData))
	const total = 1 << 20
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(total)
	s.Flush()
	big := make([]byte, directReadMin+1000) // not a multiple of a record
	// Until the kernel holds more than big and a few records: a read that
	// then pumped the kernel's input would leave more than TLS can hold.
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); l.waiting() < len(big)+3*maxRecordPlaintext; {
		if time.Now().After(deadline) {
			t.Fatalf("the kernel holds %d bytes after 10 s", l.waiting())
		}
		time.Sleep(10 * time.Millisecond)
	}
	buffered := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.in) - s.inR
	}
	n, err := s.ReadBytesInto(big, 0)
	if err != nil || n != len(big) {
		t.Fatalf("the first read: %d bytes (%v), want %d", n, err, len(big))
	}
	checkPattern(t, big, 0)
	if b := buffered(); b > 2*maxRecordPlaintext {
		t.Fatalf("the read left %d bytes in the input buffer, more than TLS holds: the kernel's input was pumped (copied twice)", b)
	}
	readPatternFrom(t, s, q, n, total) // the rest, whole and in order
}
