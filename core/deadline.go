package core

import (
	"context"
	"sync"
	"time"
)

// deadlineCtx bounds a connect attempt by its deadline without a Go timer
// until something waits for Done: a pending Go timer keeps an idle Go
// thread waiting in Go's network poller, which then wakes for every
// packet of every connection (gopoller_linux.go). The attempt's own waits
// look at the deadline itself (dialDetached, flowConn.waitFor); Go's dialer,
// crypto/tls's cancellation and the revocation fetches call Done, which
// makes the timer (context.WithDeadline) then.
type deadlineCtx struct {
	base     context.Context
	cancel   context.CancelFunc
	deadline time.Time

	mu          sync.Mutex
	timed       context.Context // nil until Done was called
	timedCancel context.CancelFunc
}

func newDeadlineCtx(deadline time.Time) (*deadlineCtx, context.CancelFunc) {
	c := &deadlineCtx{deadline: deadline}
	c.base, c.cancel = context.WithCancel(context.Background())
	return c, c.stop
}

func (c *deadlineCtx) stop() {
	c.cancel()
	c.mu.Lock()
	cancel := c.timedCancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timed == nil {
		c.timed, c.timedCancel = context.WithDeadline(c.base, c.deadline)
	}
	return c.timed.Done()
}

func (c *deadlineCtx) Err() error {
	c.mu.Lock()
	timed := c.timed
	c.mu.Unlock()
	if timed != nil {
		return timed.Err()
	}
	if err := c.base.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value answers from the timed context once it exists: a context derived
// from this one (context.WithCancel, AfterFunc) calls Done first and then
// finds the timed context's cancellation here, so that it ends with it.
func (c *deadlineCtx) Value(key any) any {
	c.mu.Lock()
	timed := c.timed
	c.mu.Unlock()
	if timed != nil {
		return timed.Value(key)
	}
	return c.base.Value(key)
}

// interrupter ends a connect attempt's wait in poll(2) when the attempt is
// abandoned (close(), a new connect): the wait registers how to end it
// (shut its descriptor down), and interrupt runs that under the lock, so
// that it never reaches a descriptor after the wait let go of it.
type interrupter struct {
	mu     sync.Mutex
	done   bool
	wakeUp func()
}

// set registers f; false (and f is not kept) when the attempt was
// interrupted already.
func (i *interrupter) set(f func()) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.done {
		return false
	}
	i.wakeUp = f
	return true
}

// clear unregisters; after it returns no f runs.
func (i *interrupter) clear() {
	i.mu.Lock()
	i.wakeUp = nil
	i.mu.Unlock()
}

func (i *interrupter) interrupt() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.done = true
	if i.wakeUp != nil {
		i.wakeUp()
		i.wakeUp = nil
	}
}
