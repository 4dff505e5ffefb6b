package lab

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExpectPublished(t *testing.T) {
	l := shared
	if len(l.Expect) == 0 {
		t.Fatal("no expectations")
	}
	for name, e := range l.Expect {
		if l.Ports[name] == 0 {
			t.Errorf("expectation for %s, which has no port", name)
		}
		if e.Status == "" || (e.Connects() != (e.Detail == "")) {
			t.Errorf("%s: %+v: a connect has no detail, a refusal has one", name, e)
		}
		// The C suite reads the JSON with a parser that knows no escapes.
		if strings.ContainsAny(e.Detail, "\"\\<>&") {
			t.Errorf("%s: detail %q needs escaping in JSON", name, e.Detail)
		}
	}
	data, err := l.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Expect map[string]Expectation `json:"expect"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Expect) != len(l.Expect) || got.Expect[Expired] != (Expectation{"expired", "expired"}) {
		t.Errorf("JSON expect = %v", got.Expect)
	}
	// After ports and files: the C suite finds a port by the first `"name":`.
	if i, j := strings.Index(string(data), `"ports"`), strings.Index(string(data), `"expect"`); i < 0 || j < i {
		t.Errorf("expect comes before ports in %s", data)
	}
}
