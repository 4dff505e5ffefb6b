package core

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A connect's deadline context: no timer until Done, yet Err reports the
// deadline; Done closes at the deadline once asked for; contexts derived
// from it (as net.Dialer and crypto/tls make) end with it, with
// DeadlineExceeded; cancel ends it and them with Canceled.
func TestDeadlineCtx(t *testing.T) {
	t.Run("Err without Done", func(t *testing.T) {
		ctx, cancel := newDeadlineCtx(time.Now().Add(30 * time.Millisecond))
		defer cancel()
		if err := ctx.Err(); err != nil {
			t.Fatalf("before the deadline: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
		if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("after the deadline: %v", err)
		}
		ctx.mu.Lock()
		timed := ctx.timed
		ctx.mu.Unlock()
		if timed != nil {
			t.Fatal("Err made the timer")
		}
	})
	t.Run("Done and derived contexts", func(t *testing.T) {
		ctx, cancel := newDeadlineCtx(time.Now().Add(50 * time.Millisecond))
		defer cancel()
		child, stop := context.WithCancel(ctx)
		defer stop()
		fired := make(chan struct{})
		defer context.AfterFunc(ctx, func() { close(fired) })()
		if d, ok := child.Deadline(); !ok || time.Until(d) > 50*time.Millisecond {
			t.Fatalf("the child's deadline: %v %v", d, ok)
		}
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the derived context did not end at the deadline")
		}
		if !errors.Is(child.Err(), context.DeadlineExceeded) || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("errors: child %v, ctx %v", child.Err(), ctx.Err())
		}
		select {
		case <-fired:
		case <-time.After(5 * time.Second):
			t.Fatal("AfterFunc did not run at the deadline")
		}
	})
	t.Run("cancel", func(t *testing.T) {
		for _, asked := range []bool{false, true} {
			ctx, cancel := newDeadlineCtx(time.Now().Add(time.Hour))
			var child context.Context = ctx
			if asked {
				var stop context.CancelFunc
				child, stop = context.WithCancel(ctx)
				defer stop()
			}
			cancel()
			if !errors.Is(ctx.Err(), context.Canceled) {
				t.Fatalf("Done asked %v: %v after cancel", asked, ctx.Err())
			}
			select {
			case <-child.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("Done asked %v: not done after cancel", asked)
			}
			if !errors.Is(child.Err(), context.Canceled) {
				t.Fatalf("Done asked %v: child %v", asked, child.Err())
			}
		}
	})
}

// The interrupter runs the registered wake-up once, under its lock, and
// refuses registrations after an interrupt.
func TestInterrupter(t *testing.T) {
	var i interrupter
	n := 0
	if !i.set(func() { n++ }) {
		t.Fatal("set before any interrupt refused")
	}
	i.clear()
	i.interrupt()
	if n != 0 {
		t.Fatal("a cleared wake-up ran")
	}
	if i.set(func() { n++ }) {
		t.Fatal("set after an interrupt accepted")
	}
	var j interrupter
	j.set(func() { n++ })
	j.interrupt()
	j.interrupt()
	if n != 1 {
		t.Fatalf("the wake-up ran %d times", n)
	}
}
