//go:build linux

package core

import "golang.org/x/sys/unix"

// fionread asks how many received bytes wait: SIOCINQ, TIOCINQ and FIONREAD
// are one request on Linux.
const fionread = unix.TIOCINQ
