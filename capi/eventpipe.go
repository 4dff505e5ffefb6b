//go:build sseventpipe

package main

// The library with the pipe event path on Linux (capi/build.sh --pipe): the
// path macOS and the BSDs take, built here so that the C tests run against
// it on Linux too (capi/evfd.c). A build tag rather than CGO_CFLAGS, like
// valgrind.go, so that only this package is rebuilt.

// #cgo CFLAGS: -DSS_EVENTFD_PIPE
import "C"
