// Command bench_go is the Go client of `make bench` (bench/run.py): package
// core (ours) next to crypto/tls (theirs), one measurement per process.
//
//	bench_go METRIC ours|theirs      (BENCH_CONFIG names the run's JSON)
//
// It prints one JSON line {"values": {...}, "info": {...}}. Trust comes from
// SSL_CERT_FILE for both sides. Ours uses the public API as a Go program
// would: a Queue, Connect, the typed writes, Flush, ReadBytesInto and
// Queue.Wait for events.
package main

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/securesocket/securesocket/core"
)

type config struct {
	Host  string         `json:"host"`
	Ports map[string]int `json:"ports"`
	Sizes map[string]int `json:"sizes"`
}

var cfg config

func main() {
	if os.Getenv("BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 64
	}
	if len(os.Args) != 3 || (os.Args[2] != "ours" && os.Args[2] != "theirs") {
		fmt.Fprintln(os.Stderr, "usage: bench_go METRIC ours|theirs")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Getenv("BENCH_CONFIG"))
	if err == nil {
		err = json.Unmarshal(raw, &cfg)
	}
	if err != nil {
		fail(fmt.Errorf("BENCH_CONFIG: %w", err))
	}
	var c client = theirs{}
	if os.Args[2] == "ours" {
		c = ours{}
	}
	values, info, err := measure(c, os.Args[1])
	if err != nil {
		fail(err)
	}
	out, _ := json.Marshal(map[string]any{"values": values, "info": info})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench_go:", err)
	os.Exit(1)
}

// conn is one connection, whichever side made it.
type conn interface {
	write(p []byte) error // write and flush
	readFull(p []byte) error
	close()
	resumed() bool
}

type client interface {
	// dial connects and completes the handshake; resume asks the side to
	// offer a session it kept from an earlier connection to the same server.
	dial(port int, resume bool) (conn, error)
	// concurrent makes n connections at once, each sending msg and reading
	// the echo; it returns each one's latency from its start.
	concurrent(port, n int, msg []byte) ([]time.Duration, error)
}

func measure(c client, metric string) (map[string]float64, map[string]any, error) {
	sz := cfg.Sizes
	switch metric {
	case "upload":
		x, err := c.dial(cfg.Ports["sink"], false)
		if err != nil {
			return nil, nil, err
		}
		defer x.close()
		n, chunk := sz["upload_bytes"], make([]byte, sz["upload_chunk"])
		start := time.Now()
		if err := x.write(binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
			return nil, nil, err
		}
		for left := n; left > 0; left -= len(chunk) {
			if err := x.write(chunk[:min(len(chunk), left)]); err != nil {
				return nil, nil, err
			}
		}
		var ack [8]byte
		if err := x.readFull(ack[:]); err != nil {
			return nil, nil, err
		}
		if binary.BigEndian.Uint64(ack[:]) != uint64(n) {
			return nil, nil, errors.New("sink acknowledged a different count")
		}
		return map[string]float64{"upload": float64(n) / time.Since(start).Seconds() / 1e6}, nil, nil
	case "download":
		x, err := c.dial(cfg.Ports["source"], false)
		if err != nil {
			return nil, nil, err
		}
		defer x.close()
		n := sz["download_bytes"]
		start := time.Now()
		if err := x.write(binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
			return nil, nil, err
		}
		buf := make([]byte, sz["download_chunk"])
		if err := readN(x, buf, n); err != nil {
			return nil, nil, err
		}
		return map[string]float64{"download": float64(n) / time.Since(start).Seconds() / 1e6}, nil, nil
	case "rtt":
		x, err := c.dial(cfg.Ports["echo"], false)
		if err != nil {
			return nil, nil, err
		}
		defer x.close()
		msg, back := make([]byte, sz["rtt_size"]), make([]byte, sz["rtt_size"])
		trips := sz["rtt_trips"]
		start := time.Now()
		for i := 0; i < trips; i++ {
			if err := x.write(msg); err != nil {
				return nil, nil, err
			}
			if err := x.readFull(back); err != nil {
				return nil, nil, err
			}
		}
		return map[string]float64{"rtt": float64(trips) / time.Since(start).Seconds()}, nil, nil
	case "handshake":
		n := sz["handshakes"]
		if err := warmUp(c, cfg.Ports["echo_full"], false); err != nil {
			return nil, nil, err
		}
		start := time.Now()
		for i := 0; i < n; i++ {
			x, err := c.dial(cfg.Ports["echo_full"], false)
			if err != nil {
				return nil, nil, err
			}
			x.close()
		}
		return map[string]float64{"handshake": float64(n) / time.Since(start).Seconds()}, nil, nil
	case "reconnect", "reconnect_full":
		// Theirs offers a kept session only against the peer "with
		// resumption"; ours does whatever it does by default.
		_, isOurs := c.(ours)
		resume := metric == "reconnect" || isOurs
		n, resumed := sz["reconnects"], 0
		msg := make([]byte, sz["rtt_size"])
		if err := warmUp(c, cfg.Ports["echo"], resume); err != nil {
			return nil, nil, err
		}
		start := time.Now()
		for i := 0; i < n; i++ {
			x, err := c.dial(cfg.Ports["echo"], resume)
			if err != nil {
				return nil, nil, err
			}
			// One round trip: what a reconnecting client does, and it lets
			// the session ticket arrive.
			if err := x.write(msg); err != nil {
				return nil, nil, err
			}
			if err := x.readFull(msg); err != nil {
				return nil, nil, err
			}
			if x.resumed() {
				resumed++
			}
			x.close()
		}
		return map[string]float64{metric: float64(n) / time.Since(start).Seconds()},
			map[string]any{"resumed": fmt.Sprintf("%d/%d", resumed, n)}, nil
	case "rss":
		return rss(c)
	case "concurrent":
		n := sz["conc_conns"]
		if err := warmUp(c, cfg.Ports["echo_full"], false); err != nil {
			return nil, nil, err
		}
		before := rssKiB()
		beforeHeap := heapKiB()
		start := time.Now()
		lat, err := c.concurrent(cfg.Ports["echo_full"], n, make([]byte, sz["rtt_size"]))
		if err != nil {
			return nil, nil, err
		}
		total := time.Since(start)
		peak := rssKiB()
		time.Sleep(time.Duration(sz["free_settle_ms"]) * time.Millisecond)
		freed := rssKiB()
		writeHeapProfile()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return map[string]float64{
				"conc_total": total.Seconds(),
				"conc_p50":   ms(lat[len(lat)/2]),
				"conc_p99":   ms(lat[len(lat)*99/100]),
				// RSS once every connection was closed, over RSS before.
				"conc_rss_freed": freed / before,
			}, map[string]any{"rss_before_kib": before, "rss_done_kib": peak, "rss_freed_kib": freed,
				"go_before_kib": beforeHeap, "go_freed_kib": heapKiB()}, nil
	}
	return nil, nil, fmt.Errorf("unknown metric %q", metric)
}

// warmUp makes one connection with a round trip before the clock starts, so
// that loading the trust store and first-use setup are not timed (and a
// side that resumes has a session to offer).
func warmUp(c client, port int, resume bool) error {
	x, err := c.dial(port, resume)
	if err != nil {
		return err
	}
	defer x.close()
	msg := make([]byte, cfg.Sizes["rtt_size"])
	if err := x.write(msg); err != nil {
		return err
	}
	if err := x.readFull(msg); err != nil {
		return err
	}
	x.resumed()
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func readN(x conn, buf []byte, n int) error {
	for left := n; left > 0; {
		k := min(len(buf), left)
		if err := x.readFull(buf[:k]); err != nil {
			return err
		}
		left -= k
	}
	return nil
}

// rss holds cfg rss_conns connections: RSS per connection once all are
// open (idle) and again after each sent and received a small message,
// against a baseline taken after one warm-up connection.
func rss(c client) (map[string]float64, map[string]any, error) {
	n := cfg.Sizes["rss_conns"]
	port := cfg.Ports["echo_full"]
	msg := make([]byte, cfg.Sizes["rtt_size"])
	warm, err := c.dial(port, false)
	if err != nil {
		return nil, nil, err
	}
	if err := warm.write(msg); err == nil {
		err = warm.readFull(msg)
	}
	warm.close()
	settle := time.Duration(cfg.Sizes["settle_ms"]) * time.Millisecond
	time.Sleep(settle)
	base := rssKiB()
	conns, err := c.(interface {
		hold(port, n int) ([]conn, error)
	}).hold(port, n)
	if err != nil {
		return nil, nil, err
	}
	time.Sleep(settle)
	idle := rssKiB()
	idleHeap := heapKiB()
	writeHeapProfile()
	for _, x := range conns {
		if err := x.write(msg); err != nil {
			return nil, nil, err
		}
	}
	for _, x := range conns {
		if err := x.readFull(msg); err != nil {
			return nil, nil, err
		}
	}
	time.Sleep(settle)
	after := rssKiB()
	afterHeap := heapKiB()
	for _, x := range conns {
		x.close()
	}
	return map[string]float64{"rss_idle": (idle - base) / float64(n), "rss_msg": (after - base) / float64(n)},
		map[string]any{"base_kib": base, "go_idle_kib": idleHeap, "go_msg_kib": afterHeap}, nil
}

// heapKiB is where the Go runtime's memory is, in KiB (runtime/metrics):
// live and dead objects, free heap not yet returned, goroutine stacks.
func heapKiB() map[string]float64 {
	names := map[string]string{
		"objects":  "/memory/classes/heap/objects:bytes",
		"free":     "/memory/classes/heap/free:bytes",
		"unused":   "/memory/classes/heap/unused:bytes",
		"stacks":   "/memory/classes/heap/stacks:bytes",
		"live":     "/gc/heap/live:bytes",
		"released": "/memory/classes/heap/released:bytes",
		"start":    "/gc/stack/starting-size:bytes",
		"gs":       "/sched/goroutines:goroutines",
		"meta":     "/memory/classes/metadata/other:bytes",
		"mspan":    "/memory/classes/metadata/mspan/inuse:bytes",
		"osstacks": "/memory/classes/os-stacks:bytes",
		"other":    "/memory/classes/other:bytes",
		"prof":     "/memory/classes/profiling/buckets:bytes",
	}
	var samples []metrics.Sample
	var keys []string
	for k, name := range names {
		keys = append(keys, k)
		samples = append(samples, metrics.Sample{Name: name})
	}
	metrics.Read(samples)
	out := map[string]float64{}
	for i, sm := range samples {
		if sm.Value.Kind() == metrics.KindUint64 {
			out[keys[i]] = float64(sm.Value.Uint64()) / 1024
			if keys[i] == "gs" {
				out[keys[i]] *= 1024
			}
		}
	}
	return out
}

// writeHeapProfile writes a heap profile to $BENCH_HEAPPROFILE.SIDE, if set.
func writeHeapProfile() {
	if f := os.Getenv("BENCH_HEAPPROFILE"); f != "" {
		runtime.GC()
		runtime.GC() // the profile shows the heap as of the last completed cycle
		if w, err := os.Create(f + "." + os.Args[len(os.Args)-1]); err == nil {
			pprof.Lookup("heap").WriteTo(w, 0)
			w.Close()
		}
	}
}

func rssKiB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize()) / 1024
}

// ---- theirs: crypto/tls -------------------------------------------------

type theirs struct{}

// One session cache for the process, as a Go program that reconnects keeps.
var sessions = tls.NewLRUClientSessionCache(64)

type tlsConn struct{ *tls.Conn }

func (c tlsConn) write(p []byte) error    { _, err := c.Write(p); return err }
func (c tlsConn) readFull(p []byte) error { _, err := io.ReadFull(c, p); return err }
func (c tlsConn) close()                  { c.Close() }
func (c tlsConn) resumed() bool           { return c.ConnectionState().DidResume }

func (theirs) config(resume bool) *tls.Config {
	c := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if resume {
		c.ClientSessionCache = sessions
	}
	return c
}

func (t theirs) dial(port int, resume bool) (conn, error) {
	c, err := tls.Dial("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(port)), t.config(resume))
	if err != nil {
		return nil, err
	}
	return tlsConn{c}, nil
}

func (t theirs) hold(port, n int) ([]conn, error) {
	out := make([]conn, 0, n)
	for i := 0; i < n; i++ {
		x, err := t.dial(port, false)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (t theirs) concurrent(port, n int, msg []byte) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			x, err := t.dial(port, false)
			if err != nil {
				errs <- err
				return
			}
			defer x.close()
			back := make([]byte, len(msg))
			if err := x.write(msg); err != nil {
				errs <- err
				return
			}
			if err := x.readFull(back); err != nil {
				errs <- err
				return
			}
			lat[i] = time.Since(start)
		}(i)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return lat, nil
}

// ---- ours: package core -------------------------------------------------

type ours struct{}

type coreConn struct {
	s *core.Socket
	q *core.Queue
}

func (c coreConn) write(p []byte) error {
	if err := c.s.WriteBytes(p, 0, uint32(len(p))); err != nil {
		return err
	}
	return c.s.Flush()
}

func (c coreConn) readFull(p []byte) error {
	for got := 0; got < len(p); {
		k, err := c.s.ReadBytesInto(p[got:], 0)
		if err != nil {
			return err
		}
		got += k
		if got == len(p) {
			break
		}
		if k == 0 {
			e, ok := c.q.Wait(30 * time.Second)
			if !ok {
				return errors.New("core: no data within 30 s")
			}
			if e.Type == core.EventIOError || e.Type == core.EventClose {
				return fmt.Errorf("core: %s %s", e.Type, e.Detail)
			}
		}
	}
	return nil
}

func (c coreConn) close() { c.s.Close() }

// resumed reports the socket's SessionResumed fact where the core has it
// (the session cache), false before.
func (c coreConn) resumed() bool {
	if r, ok := any(c.s).(interface{ SessionResumed() bool }); ok {
		return r.SessionResumed()
	}
	return false
}

func waitConnect(q *core.Queue) error {
	for {
		e, ok := q.Wait(30 * time.Second)
		if !ok {
			return errors.New("core: no connect event within 30 s")
		}
		switch e.Type {
		case core.EventConnect:
			return nil
		case core.EventIOError, core.EventSecurityError, core.EventClose:
			return fmt.Errorf("core: %s %s", e.Type, e.Detail)
		}
	}
}

func (ours) dial(port int, _ bool) (conn, error) {
	q := core.NewQueue()
	s := core.New(q)
	if err := s.Connect(cfg.Host, port); err != nil {
		return nil, err
	}
	if err := waitConnect(q); err != nil {
		return nil, err
	}
	return coreConn{s, q}, nil
}

func (o ours) hold(port, n int) ([]conn, error) {
	out := make([]conn, 0, n)
	for i := 0; i < n; i++ {
		x, err := o.dial(port, false)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// concurrent starts every connect at once on one Queue and serves all
// sockets from this goroutine with On listeners and Dispatch, the event
// loop of a Go program with many sockets.
func (ours) concurrent(port, n int, msg []byte) ([]time.Duration, error) {
	q := core.NewQueue()
	lat := make([]time.Duration, n)
	done := 0
	var failed error
	for i := 0; i < n; i++ {
		s := core.New(q)
		start := time.Now()
		s.On(core.EventConnect, func(core.Event) {
			s.WriteBytes(msg, 0, uint32(len(msg)))
			s.Flush()
		})
		s.On(core.EventSocketData, func(core.Event) {
			if s.BytesAvailable() < len(msg) || lat[i] != 0 {
				return
			}
			back := make([]byte, len(msg))
			s.ReadBytesInto(back, 0)
			lat[i] = time.Since(start)
			s.Close()
			done++
		})
		s.On(core.EventIOError, func(e core.Event) { failed = errors.New(e.Text + " " + e.Detail); done++ })
		if err := s.Connect(cfg.Host, port); err != nil {
			return nil, err
		}
	}
	for done < n {
		if q.Dispatch(60*time.Second) == 0 {
			return nil, fmt.Errorf("core: stuck at %d of %d", done, n)
		}
	}
	return lat, failed
}
