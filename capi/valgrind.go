//go:build ssvalgrind

package main

// The library for the valgrind pass (capi/build.sh --valgrind): the C half
// tells memcheck which memory comes from Go (SSI_GO_MEMORY in capi.h). A
// build tag rather than CGO_CFLAGS, so that only this package is rebuilt,
// not every cgo package of the standard library.

// #cgo CFLAGS: -DSS_VALGRIND
import "C"
