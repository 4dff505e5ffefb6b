package amf

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// The benchmark message: a Flex RemotingMessage as a client sends it for
// a call with a few typed arguments. Its bytes are kept in
// testdata/remoting-message.amf3 (and its JSON form beside it) so that other
// implementations can be measured on the same input.
const (
	benchMessageFile     = "testdata/remoting-message.amf3"
	benchMessageJSONFile = "testdata/remoting-message.json"
)

// benchMessage builds the message deterministically.
func benchMessage() *Object {
	uuid := func(i int) string {
		return fmt.Sprintf("%08X-%04X-%04X-%04X-%012X", 0x5E0F1C2A+i*7919, 0x1B2C+i, 0x4D5E, 0x8F90+i%7, 0xA1B2C3D4E5F6+i*104729)
	}
	day := 86400000.0
	base := 1.7e12
	var customers []Value
	for c := range 4 {
		var orders []Value
		for o := range 3 {
			orders = append(orders, &Object{Class: "com.example.crm.Order", Static: true, Sealed: []Member{
				{"id", int32(10000 + 10*c + o)},
				{"sku", fmt.Sprintf("SKU-%05d", 31*c+o)},
				{"quantity", int32(o + 1)},
				{"unitPrice", 9.99 + float64(o)*5},
				{"placedAt", &Date{Ms: base + float64(c*30+o)*day}},
				{"shippedAt", nil},
				{"status", []string{"NEW", "PAID", "SHIPPED"}[o%3]},
			}})
		}
		customers = append(customers, &Object{Class: "com.example.crm.Customer", Static: true, Sealed: []Member{
			{"id", int32(1000 + c)},
			{"name", []string{"Ada Lovelace", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"}[c]},
			{"email", fmt.Sprintf("customer%d@example.com", c)},
			{"createdAt", &Date{Ms: base - float64(c+1)*365*day}},
			{"active", c%2 == 0},
			{"balance", 1234.5 * float64(c+1)},
			{"tags", &Array{Dense: []Value{"vip", "newsletter", fmt.Sprintf("region-%d", c%2)}}},
			{"orders", &ArrayCollection{Source: &Array{Dense: orders}}},
		}})
	}
	return &Object{Class: "flex.messaging.messages.RemotingMessage", Static: true, Sealed: []Member{
		{"operation", "updateCustomers"},
		{"source", nil},
		{"body", &Array{Dense: []Value{&Array{Dense: customers}, "batch-2024-06", int32(4)}}},
		{"clientId", nil},
		{"destination", "crmService"},
		{"headers", &Object{Dynamic: []Member{
			{"DSId", uuid(0)},
			{"DSEndpoint", "my-amf"},
			{"DSRequestTimeout", int32(30)},
		}}},
		{"messageId", uuid(1)},
		{"timeToLive", int32(0)},
		{"timestamp", int32(0)},
	}}
}

// TestBenchMessage checks the kept bytes against the builder (-update
// rewrites them) and that they decode to the same value.
func TestBenchMessage(t *testing.T) {
	b, err := Encode(benchMessage(), AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := ToJSON(benchMessage())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(benchMessageFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(benchMessageJSONFile, append(j, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := os.ReadFile(benchMessageFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept, b) {
		t.Errorf("%s is stale (go test -run TestBenchMessage -update)", benchMessageFile)
	}
	keptJSON, err := os.ReadFile(benchMessageJSONFile)
	if err != nil || !bytes.Equal(bytes.TrimSpace(keptJSON), j) {
		t.Errorf("%s is stale (go test -run TestBenchMessage -update)", benchMessageJSONFile)
	}
	v, n, err := Decode(kept, AMF3, nil)
	if err != nil || n != len(kept) {
		t.Fatalf("Decode: %d/%d %v", n, len(kept), err)
	}
	if got, _ := ToJSON(v); !bytes.Equal(got, j) {
		t.Errorf("decoded message differs:\n%s\n%s", got, j)
	}
}

func loadBenchMessage(b *testing.B) ([]byte, Value) {
	data, err := os.ReadFile(benchMessageFile)
	if err != nil {
		b.Fatal(err)
	}
	v, _, err := Decode(data, AMF3, nil)
	if err != nil {
		b.Fatal(err)
	}
	return data, v
}

func BenchmarkDecodeRemotingMessage(b *testing.B) {
	data, _ := loadBenchMessage(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(data, AMF3, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRemotingMessage(b *testing.B) {
	data, v := loadBenchMessage(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	buf := make([]byte, 0, len(data))
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], v, AMF3, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToJSONRemotingMessage(b *testing.B) {
	data, v := loadBenchMessage(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ToJSON(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromJSONRemotingMessage(b *testing.B) {
	data, v := loadBenchMessage(b)
	j, _ := ToJSON(v)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromJSON(j); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeAMF0 measures the AMF0 form of the same message.
func BenchmarkDecodeAMF0RemotingMessage(b *testing.B) {
	_, v := loadBenchMessage(b)
	data, err := Encode(v, AMF0, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(data, AMF0, nil); err != nil {
			b.Fatal(err)
		}
	}
}
