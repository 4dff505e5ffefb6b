package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

type labJSON struct {
	Host   string            `json:"host"`
	CAFile string            `json:"ca_file"`
	Dir    string            `json:"dir"`
	Ports  map[string]int    `json:"ports"`
	Files  map[string]string `json:"files"`
}

// syncBuffer lets the test read what run prints while run is still running.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitJSON polls for the file the way a non-Go suite does.
func waitJSON(t *testing.T, path string, done <-chan error) labJSON {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("lab exited early: %v", err)
		default:
		}
		if data, err := os.ReadFile(path); err == nil {
			var l labJSON
			if err := json.Unmarshal(data, &l); err != nil {
				t.Fatalf("partial or bad JSON %q: %v", data, err)
			}
			return l
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no JSON file")
	return labJSON{}
}

func waitExit(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("lab did not exit")
	}
}

func TestStdinEOFStopsTheLab(t *testing.T) {
	tmp := t.TempDir()
	jsonPath := filepath.Join(tmp, "lab.json")
	dir := filepath.Join(tmp, "certs")
	stdinR, stdinW := io.Pipe()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"-json", jsonPath, "-dir", dir, "-stdin"}, stdinR, &stdout, io.Discard)
	}()
	l := waitJSON(t, jsonPath, done)
	if l.Host != "localhost" || l.Dir != dir || l.CAFile != filepath.Join(dir, "ca.pem") {
		t.Errorf("got %+v", l)
	}
	if l.Files["untrusted_root_der"] == "" || l.Files["intermediate_der"] == "" {
		t.Errorf("files: %v", l.Files)
	}
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Ports["echo"])))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	var printed labJSON
	if err := json.Unmarshal([]byte(stdout.String()), &printed); err != nil || printed.Ports["echo"] != l.Ports["echo"] {
		t.Errorf("stdout %q: %v", stdout.String(), err)
	}

	stdinW.Close() // the parent went away
	waitExit(t, done)
	if _, err := os.Stat(jsonPath); !os.IsNotExist(err) {
		t.Errorf("JSON file left behind: %v", err)
	}
	if _, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Ports["echo"]))); err == nil {
		t.Error("echo still listening after exit")
	}
}

func TestSignalStopsTheLab(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "lab.json")
	ctx, cancel := context.WithCancel(context.Background()) // stands in for SIGTERM
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-json", jsonPath}, nil, io.Discard, io.Discard)
	}()
	l := waitJSON(t, jsonPath, done)
	cancel()
	waitExit(t, done)
	if _, err := os.Stat(l.Dir); !os.IsNotExist(err) {
		t.Errorf("temporary dir left behind: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"extra"}, nil, io.Discard, io.Discard); err == nil {
		t.Error("want an error for a stray argument")
	}
}
