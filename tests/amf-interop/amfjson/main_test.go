package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestServe pins the line protocol the Node side speaks.
func TestServe(t *testing.T) {
	requests := []string{
		"decode 3 0a0b010373060378010400", // {s:"x"} and two more bytes
		"encode 0 {\"a\":1}",
		"encode 3 {\"$amf\":\"double\",\"value\":\"NaN\"}",
		"canon {\"$amf\":\"date\",\"ms\":0}",
		"decode 3 0a",
		"decode 0 zz",
		"encode 4 null",
		"frobnicate",
	}
	want := []string{
		`ok 9 {"s":"x"}`,
		"ok 03000161003ff0000000000000000009",
		"ok 05fff8000000000000",
		`ok {"$amf":"date","ms":0}`,
		"err ",
		"err ",
		`err encoding "4": want 0 or 3`,
		"err ",
	}
	var out bytes.Buffer
	if err := serve(strings.NewReader(strings.Join(requests, "\n")), &out); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d answers for %d requests:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("%s\n got %s\nwant %s…", requests[i], got[i], want[i])
		}
	}
}
