package core

import (
	"strings"
	"testing"
	"time"
)

// A server that ends TCP without close_notify (on a record boundary) gives
// the same close event as a clean close, every byte stays readable, and
// FailureDetail tells the two apart.
func TestCloseWithoutCloseNotifyIsReported(t *testing.T) {
	for _, tc := range []struct {
		scenario, detail string
	}{{"closeAfter", ""}, {"truncated", "without a TLS close_notify"}} {
		t.Run(tc.scenario, func(t *testing.T) {
			s, q := connected(t, tc.scenario)
			_, skipped := waitFor(t, q, 10*time.Second, EventClose)
			for _, e := range skipped {
				if e.Type != EventSocketData {
					t.Fatalf("%s event before close", e.Type)
				}
			}
			if s.BytesAvailable() != 1000 {
				t.Fatalf("available %d", s.BytesAvailable())
			}
			d := s.FailureDetail()
			if (tc.detail == "" && d != "") || !strings.Contains(d, tc.detail) {
				t.Fatalf("FailureDetail %q, want %q", d, tc.detail)
			}
		})
	}
}
