//go:build !windows

package lab

import "syscall"

// errRefused is what a refused connect returns.
var errRefused = syscall.ECONNREFUSED
