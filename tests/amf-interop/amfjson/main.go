// Command amfjson converts between AMF bytes and the tagged JSON form of
// core/amf (core/amf/JSON.md). It is the Go side of the interoperability
// tests in tests/amf-interop and does nothing but call amf.Decode, amf.Encode,
// amf.ToJSON and amf.FromJSON.
//
//	amfjson decode -enc 3 < bytes > json   # the whole input must be one value
//	amfjson encode -enc 0 < json > bytes
//	amfjson serve                          # line protocol on stdin/stdout
//
// The line protocol lets one process serve a whole test run. Each request is
// one line, each answer one line, in order:
//
//	decode <enc> <hex>  ->  ok <bytes used> <json>   | err <message>
//	encode <enc> <json> ->  ok <hex>                 | err <message>
//	canon <json>        ->  ok <json>                  (FromJSON then ToJSON)
//
// <enc> is 0 or 3. ToJSON's output never contains a newline; a JSON request
// must not either (JSON.stringify's output does not).
package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/securesocket/securesocket/core/amf"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch cmd := os.Args[1]; cmd {
	case "decode", "encode":
		fs := flag.NewFlagSet(cmd, flag.ExitOnError)
		enc := fs.Int("enc", amf.AMF3, "encoding: 0 (AMF0) or 3 (AMF3)")
		_ = fs.Parse(os.Args[2:])
		var in, out []byte
		if in, err = io.ReadAll(os.Stdin); err == nil {
			if cmd == "decode" {
				out, err = decodeAll(in, *enc)
			} else {
				out, err = encode(string(in), *enc)
			}
		}
		if err == nil {
			_, err = os.Stdout.Write(out)
		}
	case "serve":
		err = serve(os.Stdin, os.Stdout)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "amfjson:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: amfjson decode|encode [-enc 0|3] < input > output\n       amfjson serve")
	os.Exit(2)
}

func encoding(s string) (int, error) {
	switch s {
	case "0":
		return amf.AMF0, nil
	case "3":
		return amf.AMF3, nil
	}
	return 0, fmt.Errorf("encoding %q: want 0 or 3", s)
}

func decode(b []byte, enc int) (json []byte, n int, err error) {
	v, n, err := amf.Decode(b, enc, nil)
	if err != nil {
		return nil, 0, err
	}
	json, err = amf.ToJSON(v)
	return json, n, err
}

func decodeAll(b []byte, enc int) ([]byte, error) {
	json, n, err := decode(b, enc)
	if err == nil && n != len(b) {
		err = fmt.Errorf("%d trailing bytes after the value", len(b)-n)
	}
	return append(json, '\n'), err
}

func encode(json string, enc int) ([]byte, error) {
	v, err := amf.FromJSON([]byte(strings.TrimSpace(json)))
	if err != nil {
		return nil, err
	}
	return amf.Encode(v, enc, nil)
}

// serve answers requests until the input ends.
func serve(r io.Reader, w io.Writer) error {
	in := bufio.NewReaderSize(r, 1<<16)
	out := bufio.NewWriterSize(w, 1<<16)
	for {
		line, err := in.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			return out.Flush()
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		answer, aerr := handle(strings.TrimRight(line, "\r\n"))
		if aerr != nil {
			answer = "err " + strings.ReplaceAll(aerr.Error(), "\n", " ")
		}
		out.WriteString(answer)
		out.WriteByte('\n')
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return err
			}
		}
	}
}

func handle(line string) (string, error) {
	op, rest, _ := strings.Cut(line, " ")
	if op == "canon" {
		v, err := amf.FromJSON([]byte(rest))
		if err != nil {
			return "", err
		}
		j, err := amf.ToJSON(v)
		return "ok " + string(j), err
	}
	encName, arg, _ := strings.Cut(rest, " ")
	enc, err := encoding(encName)
	if err != nil {
		return "", err
	}
	switch op {
	case "decode":
		b, err := hex.DecodeString(arg)
		if err != nil {
			return "", err
		}
		j, n, err := decode(b, enc)
		if err != nil {
			return "", err
		}
		return "ok " + strconv.Itoa(n) + " " + string(j), nil
	case "encode":
		b, err := encode(arg, enc)
		if err != nil {
			return "", err
		}
		return "ok " + hex.EncodeToString(b), nil
	}
	return "", fmt.Errorf("unknown request %q", op)
}
