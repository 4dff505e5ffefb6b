package core

import (
	"bytes"
	"errors"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The C header (include/securesocket.h) is the one source of the return
// codes, event types and status names every language shares. This test
// holds core's constants against it, so that neither can change alone
// (capi takes its numbers from the header through cgo; the Python and Node
// suites have the same check for their tables).

type headerDefine struct {
	name, value, comment string
}

var headerDefineRE = regexp.MustCompile(`(?m)^#define (SS_[A-Z0-9_]+) +(\S+)[ \t]*(?:/\*(.*))?$`)

func headerDefines(t *testing.T) map[string]headerDefine {
	t.Helper()
	src, err := os.ReadFile("../include/securesocket.h")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]headerDefine{}
	for _, m := range headerDefineRE.FindAllStringSubmatch(string(src), -1) {
		out[m[1]] = headerDefine{m[1], m[2], strings.TrimSpace(m[3])}
	}
	if len(out) < 20 {
		t.Fatalf("only %d #defines parsed from the header", len(out))
	}
	return out
}

// headerGroup returns the values of the defines whose names start with
// prefix, unquoted, sorted.
func headerGroup(defs map[string]headerDefine, prefix string) []string {
	var vals []string
	for name, d := range defs {
		if strings.HasPrefix(name, prefix) {
			vals = append(vals, strings.Trim(d.value, `"`))
		}
	}
	sort.Strings(vals)
	return vals
}

func sortedStrings[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	sort.Strings(out)
	return out
}

func TestHeaderErrorCodes(t *testing.T) {
	defs := headerDefines(t)
	codeRE := regexp.MustCompile(`^\(-(\d+)\)$`)
	seen := map[int]bool{}
	for name, d := range defs {
		if !strings.HasPrefix(name, "SS_ERR_") {
			continue
		}
		m := codeRE.FindStringSubmatch(d.value)
		if m == nil {
			t.Errorf("%s = %s: not a negative code", name, d.value)
			continue
		}
		id, _ := strconv.Atoi(m[1])
		if id < 1000 {
			continue // SS_ERR_HANDLE ...: capi's own, no AS3 id
		}
		seen[id] = true
		text, ok := ErrorText(id)
		if !ok {
			t.Errorf("%s: core has no AS3 error %d (%s)", name, id, text)
			continue
		}
		// The comment starts with the AS3 class: "/* TypeError: ..."
		if class := ErrorClass(id); !strings.HasPrefix(d.comment, class) {
			t.Errorf("%s: header says %q, core's class is %s", name, d.comment, class)
		}
	}
	// Every error core returns is in the header; the ids only events carry
	// (2031, 2048) are not return codes.
	for id := range errorTable {
		if id == ErrIDSocketError || id == ErrIDSecurity {
			if seen[id] {
				t.Errorf("the header names -%d as a return code; only events carry it", id)
			}
			continue
		}
		if !seen[id] {
			t.Errorf("core returns AS3 error %d, the header has no SS_ERR_ code for it", id)
		}
	}
}

func TestHeaderEventsAndStatuses(t *testing.T) {
	defs := headerDefines(t)
	// SS_EVENT_* with the AS3 type string opening the comment.
	nameRE := regexp.MustCompile(`^"([A-Za-z]+)"`)
	var events []string
	for name, d := range defs {
		if !strings.HasPrefix(name, "SS_EVENT_") {
			continue
		}
		m := nameRE.FindStringSubmatch(d.comment)
		if m == nil {
			t.Errorf("%s: comment %q does not start with the AS3 type string", name, d.comment)
			continue
		}
		events = append(events, m[1])
	}
	sort.Strings(events)
	want := sortedStrings(EventConnect, EventClose, EventSocketData, EventIOError, EventSecurityError, EventOutputProgress)
	if strings.Join(events, ",") != strings.Join(want, ",") {
		t.Errorf("header events %v, core %v", events, want)
	}

	checks := []struct {
		prefix string
		core   []string
	}{
		{"SS_CERT_", sortedStrings(StatusTrusted, StatusUnknown, StatusExpired, StatusNotYetValid, StatusInvalid,
			StatusInvalidChain, StatusPrincipalMismatch, StatusRevoked, StatusUntrustedSigners)},
		{"SS_REVOCATION_", sortedStrings(RevocationSoftFail.String(), RevocationHardFail.String(),
			RevocationStapleOnly.String(), RevocationOff.String(),
			string(RevocationGood), string(RevocationRevoked), string(RevocationUnknown), string(RevocationNotChecked))},
		{"SS_BIG_ENDIAN", []string{BigEndian}},
		{"SS_LITTLE_ENDIAN", []string{LittleEndian}},
	}
	for _, c := range checks {
		got := headerGroup(defs, c.prefix)
		if strings.Join(got, ",") != strings.Join(c.core, ",") {
			t.Errorf("%s*: header %v, core %v", c.prefix, got, c.core)
		}
	}
}

func TestErrorText(t *testing.T) {
	if got, ok := ErrorText(ErrIDEOF); !ok || got != "Error #2030: End of file was encountered." {
		t.Errorf("ErrorText(2030) = %q, %v", got, ok)
	}
	if got, ok := ErrorText(2037); ok || got != "Error #2037" {
		t.Errorf("ErrorText(2037) = %q, %v", got, ok)
	}
	if ErrorClass(ErrIDNullObject) != "TypeError" || ErrorClass(1) != "Error" {
		t.Error("ErrorClass")
	}
}

func TestBytesPendingNeverConnected(t *testing.T) {
	s := New(nil)
	if _, err := s.BytesPendingChecked(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("never connected: err = %v, want #2002", err)
	}
	if s.LocalAddress() != "" || s.RemoteAddress() != "" {
		t.Error("addresses of a new socket")
	}
	if err := s.Connect("localhost", labPorts["refused"]); err != nil {
		t.Fatal(err)
	}
	if n, err := s.BytesPendingChecked(); err != nil || n != 0 {
		t.Fatalf("after connect: %d, %v", n, err)
	}
	s.Close()
}

func TestUnhandledErrorReported(t *testing.T) {
	var got []Event
	old := SetUnhandledErrorHandler(func(e Event) { got = append(got, e) })
	defer SetUnhandledErrorHandler(old)
	q := NewQueue()
	s := New(q)
	defer s.Close()
	if err := s.Connect("localhost", labPorts["refused"]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		q.Dispatch(100 * time.Millisecond)
	}
	if len(got) != 1 || got[0].Type != EventIOError || !strings.Contains(got[0].Detail, "refused") {
		t.Fatalf("reported %+v", got)
	}
	// With a listener it is handled: no report.
	got = nil
	var heard int
	s.On(EventIOError, func(Event) { heard++ })
	if err := s.Connect("localhost", labPorts["refused"]); err != nil {
		t.Fatal(err)
	}
	for heard == 0 && time.Now().Before(deadline) {
		q.Dispatch(100 * time.Millisecond)
	}
	if heard != 1 || len(got) != 0 {
		t.Fatalf("heard %d, reported %d", heard, len(got))
	}
}

func TestLogUnhandledError(t *testing.T) {
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	LogUnhandledError(Event{Type: EventIOError, Text: "Error #2031: Socket Error. URL: h", Detail: "why"})
	if !strings.Contains(buf.String(), "securesocket: unhandled ioError: Error #2031: Socket Error. URL: h (why)") {
		t.Errorf("logged %q", buf.String())
	}
}
