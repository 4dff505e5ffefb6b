// Command starttls is STARTTLS with securesocket's Go core: an SMTP-like
// exchange in the clear, then the upgrade to TLS with full certificate
// verification.
//
//	go run ./examples/starttls/go HOST PORT   (exit 0: upgraded and echoed; 1: refused)
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/securesocket/securesocket/core"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: starttls HOST PORT")
		os.Exit(2)
	}
	port, _ := strconv.Atoi(os.Args[2])
	os.Exit(run(os.Args[1], port, os.Stdout))
}

// run speaks the exchange with host:port and returns the exit status.
func run(host string, port int, out io.Writer) int {
	q := core.NewQueue()
	sock := core.NewPlain(q) // flash.net.Socket: plain TCP
	defer sock.Close()
	step, status := "greeting", 1
	say := func(text string) {
		sock.WriteUTFBytes(text)
		sock.Flush()
	}
	onLine := func(line string) {
		fmt.Fprintln(out, "S:", line)
		switch {
		case step == "greeting" && strings.HasPrefix(line, "220"):
			say("EHLO client.example\r\n")
			step = "ehlo"
		case step == "ehlo" && strings.HasPrefix(line, "250"):
			say("STARTTLS\r\n")
			step = "starttls"
		case step == "starttls" && strings.HasPrefix(line, "220"):
			step = "handshake" // a second connect event follows, or an ioError
			if sock.StartTLS(host) != nil {
				step = "done"
			}
		case step == "secure":
			if line == "hello over TLS" {
				status = 0
			}
			step = "done"
		}
	}
	sock.On(core.EventConnect, func(core.Event) {
		if step == "handshake" { // the upgrade: now TLS, verified
			fmt.Fprintln(out, "upgraded to", sock.TLSVersion())
			step = "secure"
			say("hello over TLS\r\n")
		}
	})
	var line []byte
	sock.On(core.EventSocketData, func(core.Event) {
		for step != "done" && sock.BytesAvailable() > 0 {
			b, _ := sock.ReadUnsignedByte()
			if b != '\n' {
				line = append(line, b)
				continue
			}
			text := strings.TrimSuffix(string(line), "\r")
			line = line[:0]
			onLine(text)
		}
	})
	sock.On(core.EventIOError, func(e core.Event) { // refused: as Connect would be
		fmt.Fprintf(out, "refused: %s (%s)\n", sock.ServerCertificateStatus(), e.Detail)
		step = "done"
	})
	sock.On(core.EventClose, func(core.Event) { step = "done" })
	if err := sock.Connect(host, port); err != nil {
		fmt.Fprintln(out, err)
		return 1
	}
	for step != "done" {
		if q.Dispatch(30*time.Second) == 0 {
			fmt.Fprintln(out, "no answer")
			return 1
		}
	}
	return status
}
