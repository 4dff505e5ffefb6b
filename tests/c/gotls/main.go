// Command gotls is the baseline of the C benchmark (tests/c/bench.c): the
// same bulk download from the lab's source server with plain crypto/tls and
// no securesocket, so that the C figure can be read as a ratio; with -core,
// the same through package core from Go, so that the cost of the C ABI can
// be told apart from the cost of core.
//
//	gotls [-core] HOST PORT
//
// It connects once, then for each line N on standard input downloads N bytes
// (one source request) into a 1 MiB buffer and prints the throughput in MB/s
// (10^6 bytes per second) on a line of its own. The C benchmark alternates
// its own rounds with these over warm connections, so that machine noise hits
// every side alike. Trust comes from SSL_CERT_FILE, as for the library.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/securesocket/securesocket/core"
)

func main() {
	viaCore := flag.Bool("core", false, "download through package core instead of crypto/tls")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: gotls [-core] HOST PORT")
		os.Exit(2)
	}
	host, port := flag.Arg(0), flag.Arg(1)
	download := downloadTLS
	if *viaCore {
		download = downloadCore
	}
	c, err := download(host, port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotls:", err)
		os.Exit(1)
	}
	buf := make([]byte, 1<<20)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		n, err := strconv.ParseUint(strings.TrimSpace(in.Text()), 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gotls: bad request", in.Text())
			os.Exit(2)
		}
		mbps, err := c(buf, n)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gotls:", err)
			os.Exit(1)
		}
		fmt.Printf("%.1f\n", mbps)
	}
}

// A round: download n bytes into buf, return MB/s.
type round func(buf []byte, n uint64) (float64, error)

// downloadTLS connects with crypto/tls. A round times one request of n
// bytes, from sending it to the last byte read - what the C side does with
// ss_read_bytes.
func downloadTLS(host, port string) (round, error) {
	c, err := tls.Dial("tcp", net.JoinHostPort(host, port), &tls.Config{ServerName: host})
	if err != nil {
		return nil, err
	}
	return func(buf []byte, n uint64) (float64, error) {
		start := time.Now()
		if _, err := c.Write(binary.BigEndian.AppendUint64(nil, n)); err != nil {
			return 0, err
		}
		for got := uint64(0); got < n; {
			k, err := c.Read(buf[:min(uint64(len(buf)), n-got)])
			got += uint64(k)
			if err != nil && got < n {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, err
			}
		}
		return float64(n) / time.Since(start).Seconds() / 1e6, nil
	}, nil
}

// downloadCore connects with core. A round reads with ReadBytesInto and
// waits on the socket's queue when nothing is buffered: the Go twin of the C
// loop.
func downloadCore(host, port string) (round, error) {
	q := core.NewQueue()
	s := core.New(q)
	p, _ := strconv.Atoi(port)
	if err := s.Connect(host, p); err != nil {
		return nil, err
	}
	e, ok := q.Wait(30 * time.Second)
	if !ok || e.Type != core.EventConnect {
		return nil, errors.New("core: no connect event: " + e.Detail)
	}
	return func(buf []byte, n uint64) (float64, error) {
		start := time.Now()
		s.WriteUnsignedInt(uint32(n >> 32))
		s.WriteUnsignedInt(uint32(n))
		if err := s.Flush(); err != nil {
			return 0, err
		}
		for got := uint64(0); got < n; {
			k, err := s.ReadBytesInto(buf, 0)
			if err != nil {
				return 0, err
			}
			got += uint64(k)
			if k == 0 {
				q.Wait(time.Second)
			}
		}
		return float64(n) / time.Since(start).Seconds() / 1e6, nil
	}, nil
}
