package core

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/securesocket/securesocket/tests/lab"
)

// TestKeyLogChild is the child of TestKeyLog: it connects once with TLS 1.3
// and once with TLS 1.2, in a process whose environment the parent chose.
func TestKeyLogChild(t *testing.T) {
	if os.Getenv("SS_KEYLOG_CHILD") == "" {
		t.Skip("run by TestKeyLog")
	}
	connected(t, lab.Trusted)
	if _, _, e := connectWith(t, "localhost", lab.TLS10, func(s *Socket) { s.SetMinTLSVersion(0x0301) }); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	if KeyLogging() != (os.Getenv(KeyLogEnv) != "") {
		t.Fatalf("KeyLogging() = %v", KeyLogging())
	}
}

// An NSS key log line: label, 32-byte client random, secret, all hex.
var nssLine = regexp.MustCompile(`^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]{64,128}$`)

func TestKeyLog(t *testing.T) {
	if os.Getenv("SS_KEYLOG_CHILD") != "" {
		t.Skip("child")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "keys.log")
	run := func(withEnv bool) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestKeyLogChild$", "-test.count=1")
		env := []string{"SS_KEYLOG_CHILD=1"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, KeyLogEnv+"=") {
				env = append(env, kv)
			}
		}
		if withEnv {
			env = append(env, KeyLogEnv+"="+path)
		}
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
	}
	run(false)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a key log without %s: %v", KeyLogEnv, err)
	}
	run(true)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Windows has no mode bits: Go reports 0666 for any writable file, and
	// the file's access is the ACL it inherits from its directory.
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	lines := readKeyLog(t, path)
	labels := map[string]int{}
	for _, l := range lines {
		labels[strings.Fields(l)[0]]++
	}
	// TLS 1.3: the four traffic secrets; TLS 1.2 (the tls10 scenario): the
	// master secret by client random.
	for _, want := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "CLIENT_RANDOM"} {
		if labels[want] == 0 {
			t.Errorf("no %s line in %q", want, lines)
		}
	}
	// Appended, never truncated.
	run(true)
	if again := readKeyLog(t, path); len(again) != 2*len(lines) {
		t.Errorf("%d lines after a second run, want %d", len(again), 2*len(lines))
	}
}

func readKeyLog(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for _, l := range lines {
		if !nssLine.MatchString(l) {
			t.Errorf("not an NSS key log line: %q", l)
		}
	}
	return lines
}
