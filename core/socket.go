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

	in      []byte // unread input is in[inR:]
	inR     int
	out     []byte // written, not yet flushed
	inLimit int
	// inLimitNow mirrors inLimit for the reader's lock-free batching loop.
	inLimitNow atomic.Int64
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
	listenMu   sync.Mutex
	listen     map[EventType][]func(Event)
	proto      protoOptions // ALPN, server name, Nagle, proxy (options.go)
}

// link is one TLS connection of a Socket and its writer's state. Its fields
// are guarded by Socket.mu.
type link struct {
	tc        *tls.Conn  // nil while a plain Socket's link is plain (plain.go)
	conn      net.Conn   // what the loops read and write: tc, or a plainConn
	inflight  int        // bytes the writer took off sendq and has not accounted yet
	waiting   func() int // bytes TCP has received that TLS has not read yet
	sendq     []byte     // flushed, waiting for the writer
	written   uint64     // bytes handed to the network on this link
	closing   bool       // close() was called: send sendq, then close_notify
	wake      *sync.Cond
	host      string
	generated uint64 // the socket generation this link belongs to
}

// New returns an unconnected socket that posts its events to sink. A nil
// sink gives the socket a private Queue, returned by Queue.
func New(sink Sink) *Socket {
	if sink == nil {
		sink = NewQueue()
	}
	s := &Socket{
		sink:      sink,
		inLimit:   DefaultInputLimit,
		bigEnd:    true,
		objEnc:    3,
		timeout:   DefaultTimeout,
		minVer:    tls.VersionTLS12,
		status:    StatusUnknown,
		revStatus: RevocationNotChecked,
	}
	s.space = sync.NewCond(&s.mu)
	s.inLimitNow.Store(DefaultInputLimit)
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(s.timeout)*time.Millisecond)
	s.abort = cancel
	at := &attempt{}
	serverName := s.connectServerName(host)
	cfg := clientTLSConfig(ctx, serverName, s.minVer, s.trust.clone(), at)
	s.applyProtoConfig(cfg)
	plan := s.dialPlan()
	s.mu.Unlock()
	go s.dial(ctx, cancel, gen, host, port, cfg, at, plan)
	return nil
}

func (s *Socket) dial(ctx context.Context, cancel context.CancelFunc, gen uint64, host string, port int, cfg *tls.Config, at *attempt, plan dialPlan) {
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
	if err == nil {
		raw, err = plan.dial(ctx, host, port)
	}
	var tc *tls.Conn
	if err == nil && !plan.plain {
		tc = tls.Client(raw, cfg)
		err = tc.HandshakeContext(ctx)
	}
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
		s.post(Event{Type: EventIOError, ErrorID: ErrIDSocketError,
			Text: "Error #2031: Socket Error. URL: " + host, Detail: detail})
		return
	}
	l := &link{tc: tc, conn: tc, waiting: kernelBuffered(raw), host: host, generated: gen}
	if plan.plain {
		l.conn = newPlainConn(raw)
	}
	l.wake = sync.NewCond(&s.mu)
	s.link = l
	s.st = stateOpen
	s.status = StatusTrusted
	if plan.plain {
		s.status = StatusUnknown // nothing was verified (plain.go)
	}
	s.revStatus, s.revDetail, s.peerChain = at.revocation, at.revDetail, at.chain
	s.local, _ = raw.LocalAddr().(*net.TCPAddr)
	s.remote, _ = raw.RemoteAddr().(*net.TCPAddr)
	s.post(Event{Type: EventConnect})
	go s.readLoop(l)
	go s.writeLoop(l)
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
		l.closing = true
		// A peer that does not read cannot hold the writer past this.
		l.conn.SetWriteDeadline(time.Now().Add(closeGrace))
		l.wake.Broadcast()
		s.link = nil
	}
	s.gen++
	s.st = stateIdle
	s.in, s.inR, s.out = nil, 0, nil
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
// unread input is over the limit so TCP pushes back on the server.
//
// TLS decrypts straight into the free tail of s.in, without the lock: only
// this goroutine changes len(s.in) or moves the buffer, and readers only
// advance s.inR, so the bytes being written and the bytes being read never
// overlap. That saves a copy of every byte.
func (s *Socket) readLoop(l *link) {
	defer s.recoverLink(l)
	for {
		dst, unread, ok := s.readerRoom(l)
		if !ok {
			return
		}
		// While whole records are already buffered, decrypt them all before
		// publishing: one lock, one event and one wake-up of the host per
		// batch instead of per 16 KiB record, which is what keeps up with
		// plain crypto/tls in bulk. When data trickles in, every record is
		// published at once, so latency does not change.
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
	}
}

// Sizes of TLS records: a record carries at most 16 KiB of plaintext and
// takes at most that plus 2 KiB and a 5-byte header on the wire. When that
// much is waiting in the kernel, the next record's Read cannot block.
const (
	maxRecordPlaintext = 16 << 10
	maxRecordWire      = maxRecordPlaintext + 2048 + 5
)

// readerRoom waits while the unread input is over the limit, then reserves
// room for the next read and says how much input was unread; false when the
// link is no longer the socket's.
func (s *Socket) readerRoom(l *link) ([]byte, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.link == l && len(s.in)-s.inR >= s.inLimit {
		s.space.Wait()
	}
	if s.link != l {
		return nil, 0, false
	}
	// A batch may fill the room up to the limit, and at least one record.
	dst := s.reserveInputLocked()
	unread := len(s.in) - s.inR
	room := max(s.inLimit-unread, maxRecordPlaintext)
	return dst[:min(len(dst), room)], unread, true
}

// readerGot publishes n bytes read into the reserved room and handles the
// end of the stream; false when the reader should stop.
func (s *Socket) readerGot(l *link, n int, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l {
		return false
	}
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

// recoverLink turns a panic in a connection's goroutine into the ioError and
// close of a broken connection: the host (a Python or Node process) must not
// die for a bug here. Locked sections unlock by defer, so s.mu is free.
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

// readChunk is how much room the reader wants for one read: a full TLS
// record's plaintext fits, and small buffers do not mean small reads.
const readChunk = 128 << 10

// reserveInputLocked makes room after the unread input for the next read and
// returns it. Consumed bytes at the front are reclaimed first; the buffer
// grows only when more than half of it is unread.
func (s *Socket) reserveInputLocked() []byte {
	if s.inR == len(s.in) {
		s.in, s.inR = s.in[:0], 0
	}
	if cap(s.in)-len(s.in) < readChunk {
		unread := len(s.in) - s.inR
		if s.inR > 0 && unread <= cap(s.in)/2 && cap(s.in)-unread >= readChunk {
			copy(s.in, s.in[s.inR:])
			s.in, s.inR = s.in[:unread], 0
		} else {
			grown := make([]byte, unread, max(2*cap(s.in), unread+readChunk))
			copy(grown, s.in[s.inR:])
			s.in, s.inR = grown, 0
		}
	}
	return s.in[len(s.in):cap(s.in)]
}

// peerClosedLocked handles the end of the input stream: a clean close
// (close_notify or EOF) gives a close event; a broken connection gives an
// ioError with the reason, then close. Unread input stays readable.
func (s *Socket) peerClosedLocked(l *link, err error) {
	if !isCleanEOF(err) {
		s.detail = describeNetError(err)
		if s.detail == handshakeEOF {
			// The handshake is long over: the stream ended inside a record.
			s.detail = "the server closed the connection in the middle of a TLS record"
		}
		s.post(Event{Type: EventIOError, ErrorID: ErrIDSocketError,
			Text: "Error #2031: Socket Error. URL: " + l.host, Detail: s.detail})
	}
	l.closing = true
	l.wake.Broadcast()
	s.link = nil
	s.st = statePeerClosed
	s.out = nil
	s.post(Event{Type: EventClose})
}

// writeLoop hands flushed bytes to TLS and reports outputProgress. After
// close it delivers what was flushed, then close_notify, then closes TCP.
func (s *Socket) writeLoop(l *link) {
	defer l.conn.Close() // sends close_notify
	defer s.recoverLink(l)
	for {
		chunk, ok := s.writerNext(l)
		if !ok {
			return
		}
		n, err := l.conn.Write(chunk)
		if !s.writerWrote(l, n, err) {
			return
		}
	}
}

// writeChunk is the most the writer takes from the send queue at a time.
// Taken bytes stop counting as pending before they are written, so that a
// reply to them can never be seen while they still look pending (in AIR the
// thread that writes is the one that reads); the chunk bounds how early that
// is, a few TLS records.
const writeChunk = 64 << 10

// writerNext waits for flushed bytes and takes the next chunk to write off
// the send queue; false once the link is closing and everything flushed was
// written.
func (s *Socket) writerNext(l *link) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(l.sendq) == 0 && !l.closing {
		l.wake.Wait()
	}
	if len(l.sendq) == 0 {
		return nil, false
	}
	// Flush appends only past the end of sendq or replaces it, so the
	// chunk's bytes stay untouched while the writer holds them.
	chunk := l.sendq[:min(len(l.sendq), writeChunk)]
	l.sendq = l.sendq[len(chunk):]
	if len(l.sendq) == 0 {
		l.sendq = nil
	}
	l.inflight = len(chunk)
	return chunk, true
}

// writerWrote accounts for n written bytes and reports outputProgress;
// false when the connection broke.
func (s *Socket) writerWrote(l *link, n int, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.written += uint64(n)
	l.inflight = 0
	live := s.link == l
	if live && n > 0 {
		pending := uint64(len(l.sendq) + len(s.out))
		s.post(Event{Type: EventOutputProgress, BytesPending: pending, BytesTotal: l.written + pending})
	}
	if err != nil {
		l.sendq = nil
		if live {
			s.peerClosedLocked(l, err)
		}
		return false
	}
	return true
}

// Flush hands every written byte to the connection. It returns at once;
// outputProgress events follow as the bytes reach the network.
func (s *Socket) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st != stateOpen {
		return errInvalidSocket()
	}
	if len(s.out) > 0 {
		l := s.link
		if l.sendq == nil {
			l.sendq, s.out = s.out, nil
		} else {
			l.sendq = append(l.sendq, s.out...)
			s.out = s.out[:0]
		}
		l.wake.Broadcast()
	}
	return nil
}
