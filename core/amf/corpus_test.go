package amf

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// corpusFile is the tagged-JSON corpus shared with the Python and Node
// bindings' tests: one list of cases that every suite runs.
const corpusFile = "../../tests/corpus/amf-json.json"

type corpusCase struct {
	ID        string          `json:"id"`
	Encoding  int             `json:"encoding"`
	Hex       string          `json:"hex"`
	JSON      json.RawMessage `json:"json"`
	Reencoded string          `json:"reencoded"`
	Native    json.RawMessage `json:"native"`
}

type corpus struct {
	Tags  []string     `json:"tags"`
	Cases []corpusCase `json:"cases"`
}

func loadCorpus(t *testing.T) corpus {
	t.Helper()
	data, err := os.ReadFile(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", corpusFile, err)
	}
	if len(c.Cases) == 0 {
		t.Fatalf("%s: no cases", corpusFile)
	}
	return c
}

// TestCorpus runs each case both ways: the AMF bytes decode to the JSON, the
// JSON encodes to the bytes (or to reencoded, the canonical form), and the
// JSON is ToJSON's fixpoint.
func TestCorpus(t *testing.T) {
	c := loadCorpus(t)
	ids := map[string]bool{}
	for _, tc := range c.Cases {
		t.Run(tc.ID, func(t *testing.T) {
			if ids[tc.ID] {
				t.Fatalf("id %q used twice", tc.ID)
			}
			ids[tc.ID] = true
			if tc.Encoding != AMF0 && tc.Encoding != AMF3 {
				t.Fatalf("encoding %d", tc.Encoding)
			}
			if len(tc.Native) == 0 {
				t.Fatalf("no native description")
			}
			data, err := hex.DecodeString(tc.Hex)
			if err != nil {
				t.Fatalf("hex: %v", err)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, tc.JSON); err != nil {
				t.Fatalf("json: %v", err)
			}
			v, n, err := Decode(data, tc.Encoding, nil)
			if err != nil || n != len(data) {
				t.Fatalf("Decode = %d of %d bytes, %v", n, len(data), err)
			}
			got, err := ToJSON(v)
			if err != nil || string(got) != want.String() {
				t.Errorf("decode: ToJSON = %s, %v\n want %s", got, err, want.String())
			}
			fv, err := FromJSON(want.Bytes())
			if err != nil {
				t.Fatalf("FromJSON: %v", err)
			}
			if again, _ := ToJSON(fv); string(again) != want.String() {
				t.Errorf("ToJSON(FromJSON(json)) = %s, not the fixpoint", again)
			}
			wantHex := tc.Hex
			if tc.Reencoded != "" {
				wantHex = tc.Reencoded
				if tc.Reencoded == tc.Hex {
					t.Errorf("reencoded is hex: leave it out")
				}
			}
			b, err := Encode(fv, tc.Encoding, nil)
			if err != nil || hex.EncodeToString(b) != wantHex {
				t.Errorf("encode: %x, %v\n want %s", b, err, wantHex)
			}
		})
	}
}

// TestCorpusTags checks that the corpus lists exactly the tags of jsonTags
// (the source of the list the bindings check theirs against), and that its
// cases use every one of them.
func TestCorpusTags(t *testing.T) {
	c := loadCorpus(t)
	var ours []string
	for tag := range jsonTags {
		ours = append(ours, tag)
	}
	slices.Sort(ours)
	listed := slices.Sorted(slices.Values(c.Tags))
	if !slices.Equal(ours, listed) {
		t.Errorf("corpus tags %v, core/amf reads %v", listed, ours)
	}
	used := map[string]bool{}
	for _, tc := range c.Cases {
		var tree any
		if err := json.Unmarshal(tc.JSON, &tree); err != nil {
			t.Fatal(err)
		}
		walkTags(tree, used)
	}
	for _, tag := range ours {
		if !used[tag] {
			t.Errorf("no corpus case uses the tag %q", tag)
		}
	}
}

func walkTags(v any, used map[string]bool) {
	switch x := v.(type) {
	case []any:
		for _, c := range x {
			walkTags(c, used)
		}
	case map[string]any:
		if tag, ok := x[tagKey].(string); ok {
			used[tag] = true
		}
		for _, c := range x {
			walkTags(c, used)
		}
	}
}
