package core

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/securesocket/securesocket/core/amf"
)

// Defaults and limits of a new Socket.
const (
	DefaultTimeout    = 20000    // ms, AS3's default
	MinTimeout        = 250      // ms, AS3 clamps smaller values up to this
	DefaultInputLimit = 16 << 20 // bytes of unread input before the reader pauses
	MinInputLimit     = 1024

	BigEndian    = "bigEndian"
	LittleEndian = "littleEndian"

	// closeGrace bounds how long close() may spend delivering flushed bytes
	// and close_notify to a peer that does not read.
	closeGrace = 10 * time.Second
)

type state int

const (
	stateIdle       state = iota // never connected, or closed by close()
	stateConnecting              // connect() called, handshake running
	stateOpen                    // connected
	statePeerClosed              // the peer closed; unread input stays readable
)

// IsSupported reports whether SecureSocket works on this system. It always
// does where this package builds; AS3 code tests it, so it is kept.
func IsSupported() bool { return true }

// Socket is an AS3 SecureSocket: a TLS client that connects only to servers
// whose certificate is valid and trusted, with an input buffer read by typed
// reads and an output buffer sent by Flush.
//
// All methods are safe to call from any goroutine. Events go to the Sink
// given to New (or to a private Queue), never to host code directly.
type Socket struct {
	sink Sink

	mu    sync.Mutex
	space *sync.Cond // signalled when unread input shrinks or the link ends
	st    state
	gen   uint64 // bumped by every connect and close; older goroutines go quiet
	link  *link  // the live connection, nil unless open or connecting
	abort context.CancelFunc

	in  []byte // unread input is in[inR:]; nil when drained
	inR int
	// inReserved: the reader decrypts into the free tail of in, without
	// the lock (readLoop); only it may move or drop the buffer meanwhile.
	inReserved bool
	out        []byte // written, not yet flushed (small writes), after outSegs
	// outSegs: written, not yet flushed, before out: large writes in
	// output blocks (outbuf.go), and what out held before them.
	outSegs []outSeg
	inLimit int
	// inLimitNow mirrors inLimit for the reader's lock-free batching loop.
	inLimitNow atomic.Int64
	mask       atomic.Uint32 // EventMask: which frequent events are posted
	bigEnd     bool
	objEnc     uint
	timeout    uint32 // ms
	minVer     uint16
	status     CertificateStatus
	detail     string // why the last connect failed, for the C face and tests
	local      *net.TCPAddr
	remote     *net.TCPAddr
	amfOpts    *amf.Options
	objNeed    int // ReadObject's lower bound on the unread input it needs; 0 after any consumption
	trust      trustSettings
	revStatus  RevocationResult
	revDetail  string
	peerChain  []*x509.Certificate // the verified chain of the last connect, leaf first
	sessions   bool                // offer and keep TLS sessions (session.go)
	resumed    bool                // the last connect resumed a session
	// refusedResumed: the last failed connect was refused while resuming
	// a session (for tests).
	refusedResumed bool
	listenMu       sync.Mutex
	listen         map[EventType][]func(Event)
	proto          protoOptions // ALPN, server name, Nagle, proxy (options.go)
}

// link is one connection of a Socket and its send queue. Its fields are
// guarded by Socket.mu, except flow's, which belong to whoever holds the
// right to write (pumping).
type link struct {
	conn     linkConn   // what is read and written: the *tls.Conn, or a plainConn (plain.go)
	tc       *tls.Conn  // the TLS connection, for its state; nil while a plain Socket's link is plain
	flow     *flowConn  // the TCP connection under conn, for direct writes
	waiting  func() int // bytes TCP has received that TLS has not read yet
	readable func()     // waits until TCP has something to read; nil where unsupported
	segs     []outSeg   // flushed segments, not taken yet; segs[0].b[segOff:] is next
	segOff   int
	queued   int    // bytes in segs
	written  uint64 // bytes handed to the network on this link
	pumping  bool   // someone holds the right to write (host thread or writer goroutine)
	sending  bool   // a sender goroutine sends what direct writes left (sendLoop)
	// inBacklog: bytes of direct writes whose ciphertext still waits in
	// the flow's backlog; they count as pending until marks says the
	// backlog was sent past them.
	inBacklog int
	marks     []backlogMark
	closing   bool // close() was called or the peer closed: send segs, then close_notify
	host      string
	generated uint64 // the socket generation this link belongs to

	// Host-driven reading (hostread.go): no reader goroutine; the sink's
	// host watches the descriptor and pumps.
	hostDriven bool       // the host pumps; false while a reader goroutine reads (under Socket.mu)
	watching   bool       // the sink watches the descriptor (under Socket.mu)
	paused     bool       // the input reached its limit: not watched until it drains
	streamed   bool       // the last pump streamed (owned by the pump, under pumpMu)
	pumpMu     sync.Mutex // one pump at a time
}

// New returns an unconnected socket that posts its events to sink. A nil
// sink gives the socket a private Queue, returned by Queue.
func New(sink Sink) *Socket {
	if sink == nil {
		sink = NewQueue()
	}
	s := &new(paddedSocket).Socket // memory.go: not in the size class of goroutines
	*s = Socket{
		sink:      sink,
		inLimit:   DefaultInputLimit,
		bigEnd:    true,
		objEnc:    3,
		timeout:   DefaultTimeout,
		minVer:    tls.VersionTLS12,
		status:    StatusUnknown,
		revStatus: RevocationNotChecked,
		sessions:  defaultSessionCache(),
	}
	s.space = sync.NewCond(&s.mu)
	s.inLimitNow.Store(DefaultInputLimit)
	s.mask.Store(uint32(EventMaskAll))
	return s
}

// Queue returns the socket's sink if it is a *Queue, else nil.
func (s *Socket) Queue() *Queue {
	q, _ := s.sink.(*Queue)
	return q
}

// On registers a listener that Queue.Dispatch calls for events of type t on
// this socket, in registration order.
func (s *Socket) On(t EventType, fn func(Event)) {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	if s.listen == nil {
		s.listen = map[EventType][]func(Event){}
	}
	s.listen[t] = append(s.listen[t], fn)
}

func (s *Socket) deliver(e Event) {
	s.listenMu.Lock()
	fns := append([]func(Event){}, s.listen[e.Type]...)
	s.listenMu.Unlock()
	if len(fns) == 0 {
		reportUnhandled(e)
	}
	for _, fn := range fns {
		fn(e)
	}
}

// post sends an event of the current generation. Callers hold s.mu, which
// keeps events of one socket in order.
func (s *Socket) post(e Event) {
	if eventBit(e.Type)&maskable != 0 && !s.wants(e.Type) {
		return
	}
	e.Socket = s
	s.sink.Post(e)
}

// Connect starts connecting to host:port and returns at once. A connect
// event follows when the TLS handshake and the certificate checks pass, an
// ioError when anything fails; the whole attempt (DNS, TCP, handshake,
// verification) is bounded by Timeout. A port outside 0..65535 is a
// SecurityError #2003, returned before anything starts. Connecting while
// connected or connecting closes the old connection first, silently.
func (s *Socket) Connect(host string, port int) error {
	if port < 0 || port > 65535 {
		return newErr(ErrBadPort, "port "+strconv.Itoa(port), nil)
	}
	// The runtime treats the host as a C string.
	if i := strings.IndexByte(host, 0); i >= 0 {
		host = host[:i]
	}
	if host == "" {
		return newErr(ErrBadParam, "empty host name", nil)
	}
	s.mu.Lock()
	s.shutdownLocked()
	s.gen++
	gen := s.gen
	s.st = stateConnecting
	s.status = StatusUnknown
	s.detail = ""
	s.revStatus, s.revDetail, s.peerChain = RevocationNotChecked, "", nil
	s.resumed, s.refusedResumed = false, false
	at := &attempt{deadline: time.Now().Add(time.Duration(s.timeout) * time.Millisecond)}
	ctx, cancel := newDeadlineCtx(at.deadline) // deadline.go
	s.abort = func() {
		cancel()
		at.intr.interrupt()
	}
	serverName := s.connectServerName(host)
	trust := s.trust.clone()
	cfg := clientTLSConfig(ctx, serverName, s.minVer, trust, at)
	if s.sessions {
		cache := &scopedSessions{scope: sessionScope(host, port, serverName, s.minVer, trust)}
		at.shareKey = cache.scope + serverName
		if predictKeyShare(at.shareKey) {
			cfg.CurvePreferences = classicalGroups
			at.predicted = true
		}
		cfg.ClientSessionCache = cache
		verify := cfg.VerifyConnection
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			err := verify(cs)
			at.resumed = cs.DidResume
			if err != nil && cs.DidResume {
				// The session's certificates no longer pass: it must not
				// be offered again (crypto/tls drops a session whose
				// resumption failed too; this does not rely on it).
				cache.Put(serverName, nil)
			}
			return err
		}
	} else {
		cfg.SessionTicketsDisabled = true
	}
	s.applyProtoConfig(cfg)
	plan := s.dialPlan().withAddress(host, port)
	s.mu.Unlock()
	dialWith := func(p dialPlan) func() { return func() { s.dial(ctx, cancel, gen, host, port, cfg, at, p) } }
	// Only the connector thread (or a host, below) connects without Go's
	// poller: its waits in poll(2) hold the thread, which a burst of
	// connects on goroutines must not do (thousands of threads).
	slow := plan
	slow.fast = false
	s.queueCount(false, 1)
	// The host may run a fast attempt itself (offer.go).
	if plan.fast && s.startOffered(at.deadline, dialWith(plan), dialWith(slow)) {
		return nil
	}
	if !plan.fast || !runOnConnector(dialWith(plan)) { // connector_linux.go
		runHandshake(dialWith(slow))
	}
	return nil
}

func (s *Socket) dial(ctx context.Context, cancel func(), gen uint64, host string, port int, cfg *tls.Config, at *attempt, plan dialPlan) {
	defer s.queueCount(false, -1)
	defer cancel()
	defer func() {
		// A bug in verification must not take the host process down: it
		// becomes this attempt's ioError.
		if r := recover(); r != nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.gen == gen && s.st == stateConnecting {
				s.st, s.abort = stateIdle, nil
				s.detail = fmt.Sprintf("internal error (please report): %v", r)
				s.post(Event{Type: EventIOError, ErrorID: ErrIDSocketError,
					Text: "Error #2031: Socket Error. URL: " + host, Detail: s.detail})
			}
		}
	}()
	var raw net.Conn
	var err error
	if !plan.plain {
		err = at.prepare(ctx, cfg) // the trust store, read within the timeout
	}
	var tc *tls.Conn
	var flow *flowConn
	for err == nil {
		// A fast connect's handshake waits in poll(2) (flowConn.waitFor),
		// also when its connection joined Go's poller (a Queue's socket:
		// its links may be handed to goroutines), which it uses after.
		detached := false
		if plan.fast {
			raw, detached, err = dialDetached(ctx, at.deadline, &at.intr, plan.addr, plan.noDelay, plan.detach) // dialfast_linux.go
		} else {
			raw, err = plan.dial(ctx, host, port)
		}
		if err == nil {
			flow = newFlowConn(raw)
			flow.detached.Store(plan.fast)
		}
		if err != nil || plan.plain {
			break
		}
		flow.rec.track = true // every byte TLS reads passes flow.Read
		tc = tls.Client(flow, cfg)
		if plan.fast {
			err = handshakeDetached(ctx, at, tc, flow)
			flow.detached.Store(detached)
		} else {
			err = tc.HandshakeContext(ctx)
		}
		if !at.predicted {
			if err == nil && at.shareKey != "" && tc.ConnectionState().Version == tls.VersionTLS13 {
				// Learned from a completed handshake, which
				// authenticated the server's choice (session.go).
				learnKeyShare(at.shareKey, tc.ConnectionState().CurveID)
			}
			break
		}
		if err == nil {
			break
		}
		// A predicted connect failed: forget, and when the server
		// refused the ClientHello (an alert before its certificate was
		// accepted), try once more, offering every group.
		forgetKeyShare(at.shareKey)
		var op *net.OpError
		if at.verified || ctx.Err() != nil || !errors.As(err, &op) || op.Op != "remote error" {
			break
		}
		raw.Close()
		raw, tc, flow, err = nil, nil, nil, nil
		cfg = cfg.Clone()
		cfg.CurvePreferences = nil
		at.predicted = false
	}
	// A host-driven link is pumped once after the lock is released
	// (startReaderLocked).
	var first *link
	defer func() {
		if first != nil {
			s.pumpLink(first)
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		// close() or a newer connect() took over; this attempt stays silent.
		if raw != nil {
			raw.Close()
		}
		return
	}
	s.abort = nil
	if err != nil {
		if raw != nil {
			raw.Close()
		}
		status, detail := s.classifyFailureLocked(ctx, err, at)
		s.revStatus, s.revDetail = at.revocation, at.revDetail
		if s.revStatus == "" {
			s.revStatus = RevocationNotChecked
		}
		s.st = stateIdle
		s.status = status
		s.detail = detail
		s.refusedResumed = at.resumed
		s.post(Event{Type: EventIOError, ErrorID: ErrIDSocketError,
			Text: "Error #2031: Socket Error. URL: " + host, Detail: detail})
		return
	}
	l := &link{conn: tc, tc: tc, flow: flow, waiting: kernelBuffered(raw), readable: readWaiter(raw), host: host, generated: gen}
	if flow.detached.Load() {
		l.readable = nil // a reader goroutine waits in poll(2) (flowConn.readWait)
	}
	if plan.plain {
		l.conn = newPlainConn(flow)
		// StartTLS's handshake reads the same TCP connection and owns its
		// read deadline: this link's reader waits in Read (flow.go).
		l.readable = nil
	}
	linkStarted()
	s.queueCount(true, 1)
	s.link = l
	s.st = stateOpen
	s.status = StatusTrusted
	if plan.plain {
		s.status = StatusUnknown // nothing was verified (plain.go)
	}
	s.revStatus, s.revDetail, s.peerChain = at.revocation, at.revDetail, at.chain
	s.resumed = tc != nil && tc.ConnectionState().DidResume
	s.local, _ = raw.LocalAddr().(*net.TCPAddr)
	s.remote, _ = raw.RemoteAddr().(*net.TCPAddr)
	// Watch first: the host, woken by the event, finds the watch in place
	// instead of waiting for the lock of its event queue meanwhile.
	if s.startReaderLocked(l) {
		first = l
	}
	s.post(Event{Type: EventConnect})
}

// handshakeDetached runs tc's handshake over a connection outside Go's
// poller (dialDetached): its waits in poll(2) end at the attempt's
// deadline, or when the attempt is abandoned (the interrupter closes the
// connection, as crypto/tls's HandshakeContext would on cancellation).
func handshakeDetached(ctx context.Context, at *attempt, tc *tls.Conn, flow *flowConn) error {
	d := unixNano(at.deadline)
	flow.rdl.Store(d)
	flow.wdl.Store(d)
	defer func() {
		flow.rdl.Store(0)
		flow.wdl.Store(0)
	}()
	if !at.intr.set(func() { flow.Close() }) {
		return context.Canceled
	}
	err := tc.Handshake()
	at.intr.clear()
	if cerr := ctx.Err(); cerr != nil && err != nil {
		return cerr
	}
	return err
}

// classifyFailureLocked says why a connect attempt (or a startTLS) failed:
// the certificate status and the detail. Callers hold s.mu.
func (s *Socket) classifyFailureLocked(ctx context.Context, err error, at *attempt) (CertificateStatus, string) {
	var status CertificateStatus
	var detail string
	var refusal *connectRefusal
	switch {
	case errors.As(err, &refusal):
		status, detail = refusal.status, refusal.detail
	case at.verified && ctx.Err() == context.DeadlineExceeded:
		status, detail = StatusTrusted, "timed out after "+strconv.Itoa(int(s.timeout))+" ms, after the server's certificate was accepted"
	case at.verified:
		// The server's certificate passed; the handshake failed after,
		// typically because the server refused our client certificate.
		status, detail = StatusTrusted, "the server ended the handshake after its certificate was accepted: "+describeNetError(err)
	default:
		status, detail = classifyConnectError(err, time.Now())
		detail = at.explain(status, detail)
		if (ctx.Err() == context.DeadlineExceeded || isTimeout(err)) && status == StatusUnknown {
			detail = "timed out after " + strconv.Itoa(int(s.timeout)) + " ms"
		}
	}
	return status, detail
}

// shutdownLocked ends the current connection or connect attempt without
// events, and drops its events that still wait in the sink: flushed bytes still go out, then close_notify (in the background,
// bounded by closeGrace); unread input and unflushed output are discarded.
func (s *Socket) shutdownLocked() {
	if d, ok := s.sink.(Discarder); ok {
		d.Discard(s)
	}
	if s.abort != nil {
		s.abort()
		s.abort = nil
	}
	if l := s.link; l != nil {
		s.link = nil
		if !s.endLinkLocked(l) {
			// A peer that does not read cannot hold the writer past this.
			l.conn.SetWriteDeadline(time.Now().Add(closeGrace))
		}
	}
	s.gen++
	s.st = stateIdle
	s.in, s.inR = nil, 0
	s.dropOutLocked()
	s.objNeed = 0
	s.local, s.remote = nil, nil
	s.space.Broadcast()
}

// Close closes the connection: bytes already flushed are delivered, then
// close_notify; bytes written but not flushed are discarded. No close event
// follows (AS3 sends close only when the peer closes). Closing while a
// connect is in progress aborts it silently. Close on a socket that is not
// open (never connected, already closed, or closed by the peer) is IOError
// #2002; after a peer close it also discards the unread input. In every
// state, the socket's events that still wait in the sink are dropped.
// ServerCertificateStatus keeps its value.
func (s *Socket) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.st {
	case stateOpen, stateConnecting:
		s.shutdownLocked()
		return nil
	case statePeerClosed:
		s.shutdownLocked()
	default:
		// Not open, but a failed attempt's ioError may still wait: after
		// close() the socket's events are gone in every state.
		if d, ok := s.sink.(Discarder); ok {
			d.Discard(s)
		}
	}
	return errInvalidSocket()
}

// readLoop moves decrypted input into the socket's buffer, pausing while the
// unread input is over the limit so TCP pushes back on the server. It is the
// connection's only long-lived goroutine.
//
// An idle connection keeps no input buffer: the reader waits in Read with a
// small buffer of its own and appends what arrives to s.in, which the reads
// drop again once drained. When a read fills that small buffer, more is
// likely on the way, and the reader switches to bulk mode: TLS then decrypts
// straight into the free tail of s.in, without the lock (only this goroutine
// changes len(s.in) or moves the buffer while inReserved is set, and readers
// only advance s.inR, so the bytes being written and the bytes being read
// never overlap), and whole records already buffered are decrypted in one
// batch before publishing: one lock, one event and one wake-up of the host
// per batch instead of per 16 KiB record. It falls back to the small buffer
// when a read finds the stream drained.
//
// A connection idle for idleAfter is waited for by a fresh goroutine with a
// small stack (see idleWait).
func (s *Socket) readLoop(l *link) {
	defer s.recoverLink(l)
	bulk := false
	chunk := minChunk
	for {
		if !bulk {
			if !s.readerWaitRoom(l) {
				return
			}
			small := smallBufs.Get().(*[smallRead]byte)
			n, idle, err := readSmall(l, small[:])
			if idle {
				smallBufs.Put(small)
				s.dropDrainedInput()
				go s.idleWait(l)
				return
			}
			ok := s.readerAppend(l, small[:n], err)
			smallBufs.Put(small)
			if !ok {
				return
			}
			bulk = n == len(small) || l.waiting() > 0
			chunk = minChunk
			continue
		}
		dst, unread, ok := s.readerRoom(l, chunk)
		if !ok {
			return
		}
		var n int
		var err error
		for {
			var m int
			m, err = l.conn.Read(dst[n:])
			n += m
			// The limit is read again: SetInputLimit may have lowered it
			// while the first Read waited for data.
			room := min(len(dst), int(s.inLimitNow.Load())-unread)
			if err != nil || room-n < maxRecordPlaintext || l.waiting() < maxRecordWire {
				break
			}
		}
		if !s.readerGot(l, n, err) {
			return
		}
		bulk = n == len(dst) || l.waiting() > 0
		if n == len(dst) {
			// Filled: the stream is faster than the batches, take more.
			chunk = min(2*chunk, readChunk)
		}
	}
}

// dropDrainedInput lets go of a drained input buffer that a stream kept
// (consumedLocked): the connection is idle now.
func (s *Socket) dropDrainedInput() {
	s.mu.Lock()
	if s.inR == len(s.in) && !s.inReserved {
		s.releaseInputLocked()
	}
	s.mu.Unlock()
}

// smallRead is the reader's own buffer for an idle connection: a small
// message fits, and a larger one switches the reader to bulk mode.
const smallRead = 512

// Sizes of TLS records: a record carries at most 16 KiB of plaintext and
// takes at most that plus 2 KiB and a 5-byte header on the wire. When that
// much is waiting in the kernel, the next record's Read cannot block.
const (
	maxRecordPlaintext = 16 << 10
	maxRecordWire      = maxRecordPlaintext + 2048 + 5
)

// readerWaitRoom waits while the unread input is over the limit; false when
// the link is no longer the socket's.
func (s *Socket) readerWaitRoom(l *link) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.link == l && len(s.in)-s.inR >= s.inLimit {
		s.space.Wait()
	}
	return s.link == l
}

// readerAppend publishes bytes read into the reader's small buffer and
// handles the end of the stream; false when the reader should stop.
func (s *Socket) readerAppend(l *link, p []byte, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l {
		return false
	}
	if len(p) > 0 {
		if s.inR == len(s.in) {
			s.in, s.inR = s.in[:0], 0
		}
		if cap(s.in)-len(s.in) < len(p) {
			if len(p) >= maxRecordPlaintext {
				// A full record: a stream starts, which gets a stream buffer.
				s.reserveInputLocked(streamMin)
			} else if s.inR > 0 {
				s.in, s.inR = append(s.in[:0], s.in[s.inR:]...), 0
			}
		}
		s.in = append(s.in, p...)
		s.post(Event{Type: EventSocketData, BytesLoaded: uint64(len(p))})
	}
	if err != nil {
		s.peerClosedLocked(l, err)
		return false
	}
	return true
}

// readerRoom waits while the unread input is over the limit, then reserves
// room for the next read and says how much input was unread; false when the
// link is no longer the socket's.
func (s *Socket) readerRoom(l *link, chunk int) ([]byte, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.link == l && len(s.in)-s.inR >= s.inLimit {
		s.space.Wait()
	}
	if s.link != l {
		return nil, 0, false
	}
	dst, unread := s.reserveRoomLocked(chunk)
	return dst, unread, true
}

// reserveRoomLocked reserves room for the reader (or the pump) to decrypt
// into without the lock (inReserved): at least chunk, cut to the input
// limit but always at least one record. It also says how much input was
// unread.
func (s *Socket) reserveRoomLocked(chunk int) ([]byte, int) {
	dst := s.reserveInputLocked(chunk)
	s.inReserved = true
	unread := len(s.in) - s.inR
	room := max(s.inLimit-unread, maxRecordPlaintext)
	return dst[:min(len(dst), room)], unread
}

// readerGot publishes n bytes read into the reserved room and handles the
// end of the stream; false when the reader should stop.
func (s *Socket) readerGot(l *link, n int, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l {
		return false
	}
	s.inReserved = false
	if n > 0 {
		s.in = s.in[:len(s.in)+n]
		s.post(Event{Type: EventSocketData, BytesLoaded: uint64(n)})
	}
	if err != nil {
		s.peerClosedLocked(l, err)
		return false
	}
	return true
}

// recoverLink turns a panic in a connection's goroutine (or in a direct
// write on the host's thread) into the ioError and close of a broken
// connection: the host (a Python or Node process) must not die for a bug
// here. Locked sections unlock by defer, so s.mu is free.
func (s *Socket) recoverLink(l *link) {
	r := recover()
	if r == nil {
		return
	}
	s.mu.Lock()
	if s.link == l {
		s.peerClosedLocked(l, fmt.Errorf("internal error (please report): %v", r))
	}
	s.mu.Unlock()
	l.conn.Close()
}

// In bulk mode the reader asks for room of minChunk (a full TLS record's
// plaintext), doubling while reads fill it, up to readChunk: a stream gets
// large batches, a single larger message only what it needs.
const (
	minChunk  = maxRecordPlaintext
	readChunk = 128 << 10
)

// reserveInputLocked makes room after the unread input for the next read and
// returns it. Consumed bytes at the front are reclaimed first; the buffer
// grows only when more than half of it is unread.
func (s *Socket) reserveInputLocked(want int) []byte {
	if s.inR == len(s.in) {
		s.in, s.inR = s.in[:0], 0
	}
	if cap(s.in)-len(s.in) < want {
		unread := len(s.in) - s.inR
		if s.inR > 0 && unread <= cap(s.in)/2 && cap(s.in)-unread >= want {
			copy(s.in, s.in[s.inR:])
			s.in, s.inR = s.in[:unread], 0
		} else {
			var grown []byte
			if size := max(2*cap(s.in), unread+want); want >= streamMin && unread+want <= streamBufSize {
				grown = streamBufs.Get().(*[streamBufSize]byte)[:unread]
			} else {
				grown = make([]byte, unread, size)
			}
			copy(grown, s.in[s.inR:])
			s.in, s.inR = grown, 0
		}
	}
	return s.in[len(s.in):cap(s.in)]
}

// A stream's batches are decrypted into buffers of streamBufSize lent by
// streamBufs, across connections. A drained one goes back there instead of
// to the garbage collector (releaseInputLocked), so a stream that pauses
// whenever the kernel runs dry, or a fresh connection's download, reuses
// memory the process already touched instead of faulting in fresh pages
// for each batch. An idle connection holds none; the pool keeps what the
// collector leaves it. Batches of at least streamMin are a stream's (the
// pump asks for up to readChunk, a reader goroutine doubles up to it);
// smaller reservations, and input that grows past the size because the
// host does not read, use buffers of their own.
const (
	streamBufSize = 2 * pumpBudget
	streamMin     = readChunk / 2
)

var streamBufs = sync.Pool{New: func() any { return new([streamBufSize]byte) }}

// releaseInputLocked lets go of the drained input buffer, lending it to the
// next stream when it is a stream buffer. No read may be decrypting into it
// (inReserved), and slices taken from it are only used under the lock.
func (s *Socket) releaseInputLocked() {
	if cap(s.in) == streamBufSize {
		b := (*[streamBufSize]byte)(s.in[:streamBufSize])
		if lendHook != nil {
			lendHook(b[:])
		}
		streamBufs.Put(b)
	}
	s.in, s.inR = nil, 0
}

// lendHook, for tests, sees each stream buffer as it is lent.
var lendHook func(b []byte)

// truncatedDetail is FailureDetail after a server ended TCP without a TLS
// close_notify.
const truncatedDetail = "the server closed the connection without a TLS close_notify: the data may have been cut short"

// peerClosedLocked handles the end of the input stream: a clean close
// (close_notify, or the end of TCP on a record boundary, which FailureDetail
// then reports) gives a close event; a broken connection gives an
// ioError with the reason, then close. Unread input stays readable; bytes
// already flushed are still offered to the peer, then the link closes.
func (s *Socket) peerClosedLocked(l *link, err error) {
	if isCleanEOF(err) && l.flow != nil && l.flow.eof.Load() && l.tc != nil {
		// No close_notify: still a close event (servers that just close
		// TCP are common), but the input may be cut short, and the
		// application can tell.
		s.detail = truncatedDetail
	}
	if !isCleanEOF(err) {
		s.detail = describeNetError(err)
		if s.detail == handshakeEOF {
			// The handshake is long over: the stream ended inside a record.
			s.detail = "the server closed the connection in the middle of a TLS record"
		}
		s.post(Event{Type: EventIOError, ErrorID: ErrIDSocketError,
			Text: "Error #2031: Socket Error. URL: " + l.host, Detail: s.detail})
	}
	s.link = nil
	s.st = statePeerClosed
	s.dropOutLocked()
	s.endLinkLocked(l)
	s.post(Event{Type: EventClose})
}

// endLinkLocked marks l closing: what was flushed is still written, then
// close_notify and the TCP close, by the writer goroutine (started here if
// no write is under way).
func (s *Socket) endLinkLocked(l *link) (closedHere bool) {
	if l.closing {
		return false
	}
	l.closing = true
	s.unwatchLocked(l)
	if !l.pumping {
		// Nothing is being encrypted, so nothing waits to be: what
		// writeLoop would do at once is close_notify and the TCP close,
		// bounded by the write deadline set at close. A backlog that a
		// direct write left (sendLoop sends it meanwhile) goes first:
		// close_notify queues behind it (flowConn.Write). The calling thread does it where that
		// cannot block (closeIdle); otherwise a kept goroutine, whose stack
		// TLS has grown already (handshaker.go), instead of two new ones.
		l.pumping = true
		if closedHere = l.closeIdle(); !closedHere {
			runHandshake(func() { l.conn.Close() })
		}
	}
	linkEnded()
	s.queueCount(true, -1)
	return closedHere
}

// idleClosesHere counts the closes closeIdle did (for the tests).
var idleClosesHere atomic.Int64

// closeIdle sends close_notify and closes the TCP connection of an idle
// link on the calling thread, as a blocking TLS client's close does, when
// nothing can make it wait: the host pumps the link's input (no reader
// goroutine), no pump is under way (pumpMu, held until the end, so none can
// start), and nothing is being written (l.pumping was false). Then nobody
// else uses the TLS connection, and a direct write never blocks: if the
// kernel does not take the whole alert at once, a kept goroutine sends the
// rest, within closeGrace, then closes. It
// reports false, having done nothing, where it cannot rule out a wait.
// Callers hold s.mu.
func (l *link) closeIdle() bool {
	if !l.hostDriven || l.tc == nil || l.flow == nil || l.flow.try == nil || !l.pumpMu.TryLock() {
		return false
	}
	defer l.pumpMu.Unlock()
	l.flow.direct.Store(true)
	l.flow.quietClose = true
	l.tc.CloseWrite() // close_notify; an error (a broken connection) still closes
	l.flow.quietClose = false
	l.flow.direct.Store(false)
	idleClosesHere.Add(1)
	if l.flow.hasBacklog() {
		runHandshake(func() {
			// TLS set the deadline to now once close_notify was "sent".
			l.flow.SetWriteDeadline(time.Now().Add(closeGrace))
			l.flow.sendBacklog()
			l.conn.Close()
		})
		return true
	}
	l.conn.Close()
	return true
}

// The send path. Flush hands the output buffer over as segments of the
// link's queue (no copy, no growing slice consumed from the front). One
// party at a time holds the right to write, that is to encrypt
// (l.pumping): the host's own thread, when Flush finds nobody else
// encrypting and the flush is at most directMax, or else the writer
// goroutine, which exists only while there is something to write and then
// exits. A direct write never blocks: what the kernel does not take at once
// joins the connection's backlog of ciphertext (flowConn.backlog, in output
// blocks), which a sender goroutine (sendLoop) writes without the right to
// write. So while the kernel is full, the host's next flushes are still
// encrypted on its thread and join the backlog: an upload proceeds at the
// pace of encryption on one thread and of the system calls on another,
// instead of the host filling memory at the pace of copies while a single
// writer encrypts and sends: the bytes are encrypted while still in the
// cache, and less is held (see docs/benchmarks.md, Upload). Bytes in the
// backlog still count in bytesPending (l.inBacklog) until it is sent past
// them.

// writeChunk is the most taken from the send queue for one write. Taken
// bytes stop counting as pending before they are written, so that a reply
// to them can never be seen while they still look pending (in AIR the
// thread that writes is the one that reads); the chunk bounds how early
// that is, a few TLS records.
const writeChunk = 64 << 10

// directMax is the largest flush the host's thread encrypts and writes
// itself (some 100 us of encryption); larger ones go to the writer
// goroutine at once.
const directMax = 256 << 10

// takeLocked removes up to max bytes from the front of the send queue, as
// one slice: the front segment, or a piece of it. When that is the end of
// a segment in an output block, it also returns the block, which the
// caller releases once the write of the slice has returned (outbuf.go).
func (l *link) takeLocked(max int) ([]byte, *outBlock) {
	if len(l.segs) == 0 {
		return nil, nil
	}
	g := l.segs[0]
	seg := g.b[l.segOff:]
	if len(seg) > max {
		l.segOff += max
		l.queued -= max
		return seg[:max], nil
	}
	l.segs[0] = outSeg{}
	l.segs = l.segs[1:]
	if len(l.segs) == 0 {
		l.segs = nil
	}
	l.segOff = 0
	l.queued -= len(seg)
	return seg, g.blk
}

// writeLoop runs while a link has something to write: it sends what a
// direct write left, then the queue, reporting outputProgress; once the
// link is closing and everything flushed is out, it sends close_notify and
// closes the connection.
func (s *Socket) writeLoop(l *link) {
	defer s.recoverLink(l)
	if l.flow != nil {
		if err := l.flow.sendBacklog(); !s.writerWrote(l, 0, err) {
			l.conn.Close()
			return
		}
	}
	// held: the block of the chunk being written, if its last piece;
	// released after the write, also when it panics.
	var held *outBlock
	defer func() { held.release() }()
	for {
		chunk, blk, ok := s.writerNext(l)
		if !ok {
			return
		}
		held = blk
		n, err := l.conn.Write(chunk)
		held = nil
		blk.release()
		if !s.writerWrote(l, n, err) {
			l.conn.Close()
			return
		}
	}
}

// writerNext takes the next chunk to write off the send queue. When there
// is none it gives up the right to write and returns false; a closing link
// is closed then (close_notify, then TCP).
func (s *Socket) writerNext(l *link) ([]byte, *outBlock, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chunk, blk := l.takeLocked(writeChunk); chunk != nil {
		return chunk, blk, true
	}
	if l.closing {
		// Still the only writer: close outside the lock, bounded by the
		// write deadline set at close.
		go l.conn.Close()
		return nil, nil, false
	}
	l.pumping = false
	return nil, nil, false
}

// backlogMark: the direct write of n bytes is on the wire once the flow's
// backlog was sent up to end (flowConn.added and sent).
type backlogMark struct {
	end uint64
	n   int
}

// writerWrote accounts for n written bytes, and for direct writes whose
// backlog has been sent since, and reports outputProgress; false when the
// connection broke.
func (s *Socket) writerWrote(l *link, n int, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(l.marks) > 0 {
		_, sent := l.flow.backlogCounts()
		for len(l.marks) > 0 && l.marks[0].end <= sent {
			n += l.marks[0].n
			l.inBacklog -= l.marks[0].n
			l.marks = l.marks[1:]
		}
		if len(l.marks) == 0 {
			l.marks = nil
		}
	}
	l.written += uint64(n)
	live := s.link == l
	if live && n > 0 && s.wants(EventOutputProgress) {
		pending := uint64(l.queued + s.unflushedLocked() + l.inBacklog)
		s.post(Event{Type: EventOutputProgress, BytesPending: pending, BytesTotal: l.written + pending})
	}
	if err != nil {
		releaseSegs(l.segs)
		l.segs, l.segOff, l.queued = nil, 0, 0
		l.inBacklog, l.marks = 0, nil
		if live {
			s.peerClosedLocked(l, err)
		}
		return false
	}
	return true
}

// Flush hands every written byte to the connection. It returns at once;
// outputProgress events follow as the bytes reach the network. On an idle
// link a small flush is encrypted and handed to the kernel by the calling
// thread itself, without waking another thread; that write never blocks.
func (s *Socket) Flush() error {
	s.mu.Lock()
	if s.st != stateOpen {
		s.mu.Unlock()
		return errInvalidSocket()
	}
	l := s.link
	if len(s.out) == 0 && len(s.outSegs) == 0 {
		s.mu.Unlock()
		return nil
	}
	s.flushOutLocked(l)
	if l.pumping {
		// The writer (or another thread's direct write) takes it.
		s.mu.Unlock()
		return nil
	}
	l.pumping = true
	if l.flow == nil || l.flow.try == nil || l.queued > directMax {
		go s.writeLoop(l)
		s.mu.Unlock()
		return nil
	}
	chunk, blk := l.takeLocked(directMax)
	next := l.queued > 0 && len(chunk) < directMax
	s.mu.Unlock()
	s.directWrite(l, chunk, blk, next)
	return nil
}

// directWrite writes chunk on the calling thread without blocking, then
// the rest of the queue up to directMax in all (a flush in several
// segments, such as a length and then a large block), then hands the right
// to write to the writer goroutine if anything is left. A chunk's block,
// if not nil, is released after its write. next says that another chunk
// follows this one in the same call (the queue held more, within
// directMax): its last record is corked too (corkedWrite).
func (s *Socket) directWrite(l *link, chunk []byte, blk *outBlock, next bool) {
	defer s.recoverLink(l)
	held := blk // released also when a write panics
	defer func() { held.release() }()
	done := 0
	for {
		before, _ := l.flow.backlogCounts()
		l.flow.direct.Store(true)
		n, err := corkedWrite(l, chunk, next)
		l.flow.direct.Store(false)
		held = nil
		blk.release()
		done += len(chunk)
		if after, _ := l.flow.backlogCounts(); after != before && err == nil {
			// Some of it waits in the backlog: still pending until sent.
			s.mu.Lock()
			l.inBacklog += n
			l.marks = append(l.marks, backlogMark{end: after, n: n})
			s.mu.Unlock()
			n = 0
		}
		if !s.writerWrote(l, n, err) {
			l.conn.Close()
			return
		}
		s.mu.Lock()
		if l.queued == 0 || l.closing || done >= directMax {
			break
		}
		chunk, blk = l.takeLocked(directMax - done)
		next = l.queued > 0 && done+len(chunk) < directMax
		held = blk
		s.mu.Unlock()
	}
	defer s.mu.Unlock()
	if l.queued > 0 || l.closing {
		go s.writeLoop(l)
		return
	}
	l.pumping = false
	if !l.sending && l.flow.hasBacklog() {
		l.sending = true
		go s.sendLoop(l)
	}
}

// corkedWrite writes chunk through TLS in records of at most TLS's largest
// payload, each with MSG_MORE but the last of the flush (the last of chunk
// unless next): the kernel then builds TCP segments as large as the path
// takes from the whole flush, instead of pushing each record out on its
// own, and pushes them at the flush's end. (A directWrite that stops after
// a corked chunk leaves the rest to the writer goroutine, whose writes
// push; a failed write closes the connection, which sends what the kernel
// holds.)
func corkedWrite(l *link, chunk []byte, next bool) (int, error) {
	if l.tc == nil || (len(chunk) <= maxRecordPayload && !next) {
		return l.conn.Write(chunk)
	}
	done := 0
	for done < len(chunk) {
		end := min(done+maxRecordPayload, len(chunk))
		l.flow.more.Store(next || end < len(chunk))
		n, err := l.conn.Write(chunk[done:end])
		done += n
		if err != nil {
			l.flow.more.Store(false)
			return done, err
		}
	}
	l.flow.more.Store(false)
	return done, nil
}

// maxRecordPayload is the most plaintext a TLS record carries.
const maxRecordPayload = 16 << 10

// sendLoop sends what direct writes left until none is left, without the
// right to write: the host's thread keeps encrypting its flushes meanwhile
// (they join the backlog), so that it goes at the pace of encryption
// instead of filling memory at the pace of copies.
func (s *Socket) sendLoop(l *link) {
	defer s.recoverLink(l)
	for {
		err := l.flow.sendBacklog()
		if !s.writerWrote(l, 0, err) {
			s.mu.Lock()
			l.sending = false
			s.mu.Unlock()
			l.conn.Close()
			return
		}
		s.mu.Lock()
		if l.flow.hasBacklog() {
			s.mu.Unlock()
			continue
		}
		l.sending = false
		s.mu.Unlock()
		return
	}
}
