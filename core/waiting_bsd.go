//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package core

// fionread asks how many received bytes wait: FIONREAD from <sys/filio.h>,
// _IOR('f', 127, int), the same number on macOS and every BSD.
const fionread = 0x4004667f
