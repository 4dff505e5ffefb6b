//go:build !linux

package core

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Outside Linux every connect goes through Go's dialer and runs on a
// goroutine (dialfast_linux.go).

func dialAddrPort(string, int) (netip.AddrPort, bool) { return netip.AddrPort{}, false }

func dialDetached(context.Context, time.Time, *interrupter, netip.AddrPort, bool, bool) (net.Conn, bool, error) {
	return nil, false, nil
}

func runOnConnector(func()) bool { return false }

func runOnConnectorLater(func(), time.Duration) (func(), bool) { return nil, false }

// sockConn is Linux's connection outside Go's poller (sockconn_linux.go);
// elsewhere none is ever made.
type sockConn struct{ net.Conn }
