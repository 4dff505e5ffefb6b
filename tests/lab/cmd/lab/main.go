// Command lab runs the securesocket loopback TLS lab for the test suites
// that are not written in Go.
//
//	go run ./tests/lab/cmd/lab -json /tmp/lab.json [-dir D] [-stdin]
//
// Once every server listens it writes the lab description to the -json path
// (atomically) and prints it as one line on stdout. It runs until SIGINT or
// SIGTERM, or, with -stdin, until its standard input reaches end of file, so
// a parent that dies (closing the pipe) takes the lab with it. On the way out
// it removes the JSON file, so a stale file never points at dead ports.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/securesocket/securesocket/tests/lab"
)

func main() {
	// A parent that stopped reading stdout must not kill the lab: without
	// this, Go exits on a write to a broken stdout pipe.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
}

// run is main without the process: it returns when ctx is done or, with
// -stdin, when stdin ends.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonPath := fs.String("json", "", "write the lab description (JSON) to this `file` once all servers listen")
	dir := fs.String("dir", "", "generate the certificates into this `directory` (default: a temporary one, removed on exit)")
	watchStdin := fs.Bool("stdin", false, "exit when standard input reaches end of file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	l, err := lab.Start(*dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, stdin)
			cancel()
		}()
	}

	data, err := l.JSON()
	if err != nil {
		return errors.Join(err, l.Close())
	}
	// Stdout first, then the file: a parent that waits for the file may
	// read stdout as soon as the file appears. A parent reading stdout may
	// be gone; the JSON file is what counts.
	_, _ = fmt.Fprintf(stdout, "%s\n", data)
	if *jsonPath != "" {
		if err := l.WriteJSON(*jsonPath); err != nil {
			return errors.Join(err, l.Close())
		}
	}

	<-ctx.Done()
	var errs []error
	if *jsonPath != "" {
		// Before the servers stop, so no reader can pick up dead ports.
		errs = append(errs, os.Remove(*jsonPath))
	}
	return errors.Join(append(errs, l.Close())...)
}
