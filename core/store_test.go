//go:build linux

package core

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// storeChildEnv makes the test binary a child of TestTrustStoreFaults: the
// platform store is read once per process, so each store is tried in a
// process of its own (SSL_CERT_FILE, SSL_CERT_DIR and the port to connect
// to come from the parent).
const storeChildEnv = "SECURESOCKET_STORE_CHILD"

// The child's outcome, printed as one JSON line.
type storeOutcome struct {
	Event  string `json:"event"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Millis int64  `json:"ms"`
}

const storeChildTimeout = 2000 // ms

func TestTrustStoreChild(t *testing.T) {
	if os.Getenv(storeChildEnv) == "" {
		t.Skip("run by TestTrustStoreFaults")
	}
	port, _ := strconv.Atoi(os.Getenv(storeChildEnv))
	q := NewQueue()
	s := New(q)
	s.SetTimeout(storeChildTimeout)
	start := time.Now()
	s.Connect("localhost", port)
	e, _ := waitFor(t, q, 30*time.Second, EventConnect, EventIOError)
	out, _ := json.Marshal(storeOutcome{string(e.Type), string(s.ServerCertificateStatus()), e.Detail,
		time.Since(start).Milliseconds()})
	fmt.Printf("OUTCOME %s\n", out)
}

// A trust store that cannot be used is bounded and reported: SSL_CERT_FILE
// naming a named pipe used to hang every connect past its timeout, and
// /dev/zero to exhaust memory; a missing, unreadable or oversized file was
// ignored without a word. Each now gives the connect's ioError within its
// timeout, with the problem in the detail.
func TestTrustStoreFaults(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if f, err := os.Create(big); err != nil {
		t.Fatal(err)
	} else {
		f.Truncate(maxStoreFile + 1) // sparse
		f.Close()
	}
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("no certificate here\n"), 0o600)
	unreadable := filepath.Join(dir, "unreadable.pem")
	ca, _ := os.ReadFile(theLab.CAFile)
	os.WriteFile(unreadable, ca, 0o000)
	emptyDir := filepath.Join(dir, "emptydir")
	os.Mkdir(emptyDir, 0o700)
	pipeDir := filepath.Join(dir, "pipedir")
	os.Mkdir(pipeDir, 0o700)
	if err := syscall.Mkfifo(filepath.Join(pipeDir, "ca.pem"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, file, certDir string
		want                string // in the detail; "" = connects
	}{
		{"lab CA (control)", theLab.CAFile, emptyDir, ""},
		{"named pipe", fifo, emptyDir, "SSL_CERT_FILE " + fifo + " is not a regular file (a named pipe)"},
		{"/dev/zero", "/dev/zero", emptyDir, "SSL_CERT_FILE /dev/zero is not a regular file (a character device)"},
		{"missing", filepath.Join(dir, "missing.pem"), emptyDir, "SSL_CERT_FILE " + filepath.Join(dir, "missing.pem") + " does not exist"},
		{"directory", dir, emptyDir, "SSL_CERT_FILE " + dir + " is not a regular file (a directory)"},
		{"over 16 MiB", big, emptyDir, "SSL_CERT_FILE " + big + " is larger than 16 MiB"},
		{"no certificate", empty, emptyDir, "SSL_CERT_FILE " + empty + " holds no PEM certificate"},
		// Unreadable even for root (who may read a mode-000 file).
		{"unreadable path", filepath.Join(empty, "ca.pem"), emptyDir, "SSL_CERT_FILE " + filepath.Join(empty, "ca.pem") + " cannot be read: not a directory"},
		{"pipe in SSL_CERT_DIR", empty, pipeDir, filepath.Join(pipeDir, "ca.pem") + " is not a regular file (a named pipe)"},
		{"missing SSL_CERT_DIR", empty, filepath.Join(dir, "nodir"), "SSL_CERT_DIR " + filepath.Join(dir, "nodir") + " does not exist"},
	}
	if os.Geteuid() != 0 {
		cases = append(cases, struct{ name, file, certDir, want string }{
			"unreadable", unreadable, emptyDir, "SSL_CERT_FILE " + unreadable + " cannot be read (permission denied)"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestTrustStoreChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), storeChildEnv+"="+strconv.Itoa(labPorts["trusted"]),
				"SSL_CERT_FILE="+c.file, "SSL_CERT_DIR="+c.certDir)
			out, err := cmd.CombinedOutput()
			i := strings.Index(string(out), "OUTCOME ")
			if err != nil || i < 0 {
				t.Fatalf("child: %v\n%s", err, out)
			}
			var o storeOutcome
			line, _, _ := strings.Cut(string(out[i+len("OUTCOME "):]), "\n")
			if err := json.Unmarshal([]byte(line), &o); err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if o.Event != "connect" {
					t.Fatalf("%+v", o)
				}
				return
			}
			if o.Event != "ioError" || o.Status != string(StatusUntrustedSigners) || !strings.Contains(o.Detail, c.want) {
				t.Errorf("got %+v\nwant ioError, untrustedSigners, detail with %q", o, c.want)
			}
			if !strings.Contains(o.Detail, "the platform trust store left out: ") {
				t.Errorf("detail %q", o.Detail)
			}
			// Refused at once, far inside the connect's timeout (a wide
			// guard: a hang would show as the timeout or the wait's 30 s).
			if o.Millis >= storeChildTimeout {
				t.Errorf("took %d ms with a %d ms timeout", o.Millis, storeChildTimeout)
			}
		})
	}
}
