package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/securesocket/securesocket/core/amf"
)

// The benchmark message of core/amf; bench.js adds other AMF3 files through
// AMFJSON_BENCH_FILES (a path list) to measure them the same way.
const benchMessage = "../../../core/amf/testdata/remoting-message.amf3"

func benchFiles(b *testing.B) map[string][]byte {
	paths := []string{benchMessage}
	if extra := os.Getenv("AMFJSON_BENCH_FILES"); extra != "" {
		paths = append(paths, filepath.SplitList(extra)...)
	}
	files := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files[filepath.Base(p)] = data
	}
	return files
}

// BenchmarkDecode is core/amf's BenchmarkDecodeRemotingMessage for each file.
func BenchmarkDecode(b *testing.B) {
	for name, data := range benchFiles(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := amf.Decode(data, amf.AMF3, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode is core/amf's BenchmarkEncodeRemotingMessage for each file:
// the decoded value written again into a reused buffer.
func BenchmarkEncode(b *testing.B) {
	for name, data := range benchFiles(b) {
		v, _, err := amf.Decode(data, amf.AMF3, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			buf := make([]byte, 0, len(data))
			for b.Loop() {
				if buf, err = amf.AppendEncode(buf[:0], v, amf.AMF3, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
