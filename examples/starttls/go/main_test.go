package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/securesocket/securesocket/tests/lab"
)

// The sample, as docs/starttls.md shows it, against the lab.
func TestStartTLSSample(t *testing.T) {
	l, err := lab.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Setenv("SSL_CERT_FILE", l.CAFile) // before the first verification
	var out bytes.Buffer
	if code := run(l.Host, l.Ports[lab.StartTLS], &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	want := "S: 220 securesocket lab ESMTP\nS: 250 EHLO client.example\nS: 220 ready\nupgraded to TLSv1.3\nS: hello over TLS\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	for scenario, status := range map[string]string{lab.StartTLSExpired: "expired", lab.StartTLSWrongHost: "principalMismatch"} {
		out.Reset()
		if code := run(l.Host, l.Ports[scenario], &out); code != 1 || !strings.Contains(out.String(), "refused: "+status+" (") {
			t.Fatalf("%s: exit %d:\n%s", scenario, code, out.String())
		}
	}
}

// docs/starttls.md shows exactly the samples that the suites run.
func TestDocShowsTheSamples(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/starttls.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```(c|python|js|go)\n(.*?)```\n").FindAllSubmatch(doc, -1)
	files := map[string]string{"c": "../starttls.c", "python": "../starttls.py", "js": "../starttls.js", "go": "main.go"}
	seen := map[string]bool{}
	for _, b := range blocks {
		lang := string(b[1])
		want, err := os.ReadFile(files[lang])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b[2], want) {
			t.Errorf("the %s block of docs/starttls.md differs from %s", lang, files[lang])
		}
		seen[lang] = true
	}
	if len(seen) != len(files) {
		t.Errorf("docs/starttls.md shows %v, want all of %v", seen, files)
	}
}
