package core

import (
	"net"
	"sync"
	"time"
)

// Output blocks: where large writes are buffered until the writer has sent
// them.
//
// Writes never block (AS3), so a host that uploads writes far faster than
// the network takes the bytes, and most of a large upload waits in the
// output buffer. In plain Go heap memory that is fresh memory: every 4 KiB
// page is faulted in on first touch (several microseconds each in a virtual
// machine), about 40% of the CPU of an upload in a fresh process.
//
// So a write of at least outBlockMin bytes is copied into blocks of
// outBlockSize carved from arenas of outArenaSize: on Linux, anonymous
// mappings aligned to 2 MiB and marked MADV_HUGEPAGE, which the kernel
// backs with transparent huge pages where they are enabled ("always" or
// "madvise"): one fault and one 2 MiB clear per arena instead of 512
// faults. Elsewhere, or where huge pages are off, or when a mapping fails,
// large writes are copied into Go heap slices of their size instead
// (outbuf_other.go, hugeArenas, copyOut).
//
// A block lives in exactly one place at a time: the socket's unflushed
// segments (Socket.outSegs), the link's send queue (link.segs), or the
// writer's hands between taking its last piece and the end of that write.
// Whoever drops it from there releases it exactly once: the writer after
// its last write of it (writeLoop, directWrite), a write error
// (writerWrote), close and the peer's close (dropOutLocked). Nothing reads
// or writes a block after releasing it; the TLS and TCP writes it is given
// to copy what they keep (flow.go). The garbage collector never sees arena
// memory: slices of it are plain pointers outside the heap, and only the
// places above hold them.
//
// Freed blocks go back to their arena and are reused first, so an upload
// recycles the memory its earlier bytes used once they are sent. At most
// outIdleArenas arenas with no block in use stay mapped (for the next
// upload); the others are unmapped as soon as they empty, and the kept
// ones outIdleFor after the last block was taken, so closed connections
// give their memory back to the system.
const (
	outBlockSize  = 64 << 10
	outArenaSize  = 2 << 20
	arenaBlocks   = outArenaSize / outBlockSize
	outIdleArenas = 2
	outIdleFor    = 2 * time.Second
	// outBlockMin: smaller writes go to the Go heap output buffer (s.out);
	// a block is at least half used by a write of this size.
	outBlockMin = outBlockSize / 2
)

// outBlock is one block of output memory.
type outBlock struct {
	mem   []byte    // outBlockSize bytes
	arena *outArena // nil: Go heap memory, left to the garbage collector
}

// outArena is one mapping carved into blocks.
type outArena struct {
	base   *byte // start of the mapping, for unmapArena
	blocks [arenaBlocks]outBlock
	free   []*outBlock // blocks not in use
	listed bool        // in outPool.avail
}

// outSeg is one piece of output: bytes b, in block blk (nil: Go heap
// memory, such as the small-write buffer s.out).
type outSeg struct {
	b   []byte
	blk *outBlock
}

// outBlockPool is the process's output blocks (outPool).
type outBlockPool struct {
	once  sync.Once
	huge  bool // arenas are used (hugeArenas)
	mu    sync.Mutex
	avail []*outArena // arenas with a free block
	// arenas is the number mapped, idle those with no block in use, live
	// the blocks handed out (also Go heap ones), taken counts every take
	// (the idle trim keeps arenas that were used since it was armed).
	arenas, idle, live int
	taken, mapped      uint64 // blocks taken, arenas mapped, ever
	trimArmed          bool
}

var outPool outBlockPool

// useArenas says whether output blocks come from arenas.
func useArenas() bool {
	outPool.once.Do(func() { outPool.huge = hugeArenas() })
	outPool.mu.Lock()
	defer outPool.mu.Unlock()
	return outPool.huge
}

// getOutBlock hands out a block; it never fails.
func getOutBlock() *outBlock {
	outPool.once.Do(func() { outPool.huge = hugeArenas() })
	p := &outPool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.live++
	p.taken++
	if !p.huge {
		return &outBlock{mem: make([]byte, outBlockSize)}
	}
	if len(p.avail) == 0 {
		a := newOutArena()
		if a == nil {
			p.huge = false // no more tries
			return &outBlock{mem: make([]byte, outBlockSize)}
		}
		p.arenas++
		p.mapped++
		p.idle++
		a.listed = true
		p.avail = append(p.avail, a)
	}
	a := p.avail[len(p.avail)-1]
	if len(a.free) == arenaBlocks {
		p.idle--
	}
	b := a.free[len(a.free)-1]
	a.free = a.free[:len(a.free)-1]
	if len(a.free) == 0 {
		a.listed = false
		p.avail = p.avail[:len(p.avail)-1]
	}
	return b
}

// newOutArena maps and carves a new arena; nil when mapping fails.
func newOutArena() *outArena {
	mem := mapArena(outArenaSize)
	if mem == nil {
		return nil
	}
	a := &outArena{base: &mem[0], free: make([]*outBlock, 0, arenaBlocks)}
	for i := range a.blocks {
		a.blocks[i] = outBlock{mem: mem[i*outBlockSize : (i+1)*outBlockSize : (i+1)*outBlockSize], arena: a}
	}
	// Taken from the front first: the lowest addresses, so that a small
	// upload touches as few huge pages as possible.
	for i := arenaBlocks - 1; i >= 0; i-- {
		a.free = append(a.free, &a.blocks[i])
	}
	return a
}

// release gives a block back. Nil is ignored. The caller must not touch
// the block's memory afterwards.
func (b *outBlock) release() {
	if b == nil {
		return
	}
	p := &outPool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.live--
	a := b.arena
	if a == nil {
		return
	}
	a.free = append(a.free, b)
	if !a.listed {
		a.listed = true
		p.avail = append(p.avail, a)
	}
	if len(a.free) < arenaBlocks {
		return
	}
	p.idle++
	if p.idle > outIdleArenas {
		p.unmapLocked(a)
		return
	}
	if !p.trimArmed {
		p.trimArmed = true
		taken := p.taken
		time.AfterFunc(outIdleFor, func() { trimOutArenas(taken) })
	}
}

// trimOutArenas unmaps the idle arenas when no block was taken since the
// trim was armed, else arms it again.
func trimOutArenas(taken uint64) {
	p := &outPool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trimArmed = false
	if p.idle == 0 {
		return
	}
	if p.taken != taken {
		p.trimArmed = true
		taken = p.taken
		time.AfterFunc(outIdleFor, func() { trimOutArenas(taken) })
		return
	}
	for i := len(p.avail) - 1; i >= 0; i-- {
		if a := p.avail[i]; len(a.free) == arenaBlocks {
			p.unmapLocked(a)
		}
	}
}

// unmapLocked unmaps an idle arena and forgets it. Its blocks are all
// free, so nothing refers to its memory.
func (p *outBlockPool) unmapLocked(a *outArena) {
	for i, x := range p.avail {
		if x == a {
			p.avail = append(p.avail[:i], p.avail[i+1:]...)
			break
		}
	}
	a.listed = false
	p.arenas--
	p.idle--
	unmapArena(a.base, outArenaSize)
	// No pointer into the unmapped range may stay: the Go heap may be
	// given those addresses next.
	a.base, a.free = nil, nil
	for i := range a.blocks {
		a.blocks[i].mem = nil
	}
}

// outBlockStats is a snapshot of the pool, for tests.
type outBlockStats struct {
	huge          bool   // blocks come from arenas
	live, arenas  int    // blocks in use, arenas mapped now
	taken, mapped uint64 // blocks taken, arenas mapped, ever
}

func outBlockCounts() outBlockStats {
	outPool.once.Do(func() { outPool.huge = hugeArenas() })
	p := &outPool
	p.mu.Lock()
	defer p.mu.Unlock()
	return outBlockStats{p.huge, p.live, p.arenas, p.taken, p.mapped}
}

// unflushedLocked is the number of bytes written and not flushed.
func (s *Socket) unflushedLocked() int {
	n := len(s.out)
	for _, g := range s.outSegs {
		n += len(g.b)
	}
	return n
}

// flushOutLocked moves the written bytes to the end of l's send queue, in
// order: the unflushed segments, then the small-write buffer.
func (s *Socket) flushOutLocked(l *link) {
	for _, g := range s.outSegs {
		l.segs = append(l.segs, g)
		l.queued += len(g.b)
	}
	clear(s.outSegs)
	s.outSegs = s.outSegs[:0]
	if len(s.out) > 0 {
		l.segs = append(l.segs, outSeg{b: s.out})
		l.queued += len(s.out)
		s.out = nil
	}
}

// dropOutLocked discards the written, unflushed bytes.
func (s *Socket) dropOutLocked() {
	releaseSegs(s.outSegs)
	s.outSegs, s.out = nil, nil
}

// releaseSegs releases the blocks of segs and clears it.
func releaseSegs(segs []outSeg) {
	for i := range segs {
		segs[i].blk.release()
		segs[i] = outSeg{}
	}
}

// copyOut copies b into output segments of its own: blocks from the
// arenas when there are any (b has at least outBlockMin bytes), else one
// Go heap slice of the exact size.
func copyOut(b []byte) []outSeg {
	if len(b) < outBlockMin || !useArenas() {
		return []outSeg{{b: append([]byte(nil), b...)}}
	}
	segs := make([]outSeg, 0, (len(b)+outBlockSize-1)/outBlockSize)
	for len(b) > 0 {
		blk := getOutBlock()
		n := copy(blk.mem, b)
		segs = append(segs, outSeg{b: blk.mem[:n], blk: blk})
		b = b[n:]
	}
	return segs
}

// backlog is ciphertext that direct writes left for the kernel (flow.go),
// in output blocks: appended to the last block while it has room, sent
// and released in order. Its blocks are released by send, or by drop when
// the connection closes.
type backlog struct {
	segs []outSeg
}

func (q *backlog) empty() bool { return len(q.segs) == 0 }

// add copies p to the end.
func (q *backlog) add(p []byte) {
	for len(p) > 0 {
		if k := len(q.segs); k > 0 {
			last := &q.segs[k-1]
			if n := copy(last.b[len(last.b):cap(last.b)], p); n > 0 {
				last.b = last.b[:len(last.b)+n]
				p = p[n:]
				continue
			}
		}
		blk := getOutBlock()
		q.segs = append(q.segs, outSeg{b: blk.mem[:0:outBlockSize], blk: blk})
	}
}

// take hands over everything queued.
func (q *backlog) take() []outSeg {
	segs := q.segs
	q.segs = nil
	return segs
}

// drop releases everything queued.
func (q *backlog) drop() {
	releaseSegs(q.segs)
	q.segs = nil
}

// segsLen is the number of bytes in segs.
func segsLen(segs []outSeg) int {
	n := 0
	for _, g := range segs {
		n += len(g.b)
	}
	return n
}

// sendSegs writes segs to c in one gathering write where c supports it,
// then releases them.
func sendSegs(c net.Conn, segs []outSeg) error {
	bufs := make(net.Buffers, len(segs))
	for i, g := range segs {
		bufs[i] = g.b
	}
	_, err := bufs.WriteTo(c)
	clear(bufs)
	releaseSegs(segs)
	return err
}
