//go:build !linux

package core

import "time"

// queueHost: a Queue pumps its sockets' input on Linux only
// (queuehost_linux.go); elsewhere every socket has a reader goroutine.
type queueHost struct{}

func (q *Queue) hostActive() bool                             { return false }
func (q *Queue) signalWaiters()                               {}
func (q *Queue) pumpReady(int) int                            { return 0 }
func (q *Queue) waitHost(timeout time.Duration) (Event, bool) { return q.waitChan(timeout) }
func (q *Queue) leaveHost()                                   {}
