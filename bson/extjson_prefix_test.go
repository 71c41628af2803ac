package bson

import (
	"bytes"
	"strings"
	"testing"
)

// TestAppendExtJSONPrefix: for every document of the corpus and every
// limit, the output is a prefix of the whole Extended JSON, cut exactly
// when the whole is longer than the limit, and then longer than the limit.
func TestAppendExtJSONPrefix(t *testing.T) {
	var docs []Raw
	for _, s := range extJSONSeeds(t) {
		var d Raw
		if UnmarshalExtJSON([]byte(s), &d) == nil {
			docs = append(docs, d)
		}
	}
	if len(docs) < 100 {
		t.Fatalf("only %d documents from the corpus", len(docs))
	}
	for _, d := range docs {
		for _, canonical := range []bool{false, true} {
			whole, err := MarshalExtJSON(d, canonical)
			if err != nil {
				continue
			}
			for _, max := range []int{0, 1, 5, 17, len(whole) - 1, len(whole), len(whole) + 1, 1000} {
				out, cut, err := AppendExtJSONPrefix([]byte("pre:"), d, canonical, max)
				if err != nil {
					t.Fatalf("%s, max %d: %v", whole, max, err)
				}
				got, ok := bytes.CutPrefix(out, []byte("pre:"))
				if !ok || !bytes.HasPrefix(whole, got) {
					t.Fatalf("%s, max %d: %s is not a prefix", whole, max, got)
				}
				if cut != (len(whole) > max) {
					t.Fatalf("%s, max %d: cut %v", whole, max, cut)
				}
				if cut && len(got) <= max || !cut && !bytes.Equal(got, whole) {
					t.Fatalf("%s, max %d: %s (cut %v)", whole, max, got, cut)
				}
			}
		}
	}
}

// TestAppendExtJSONPrefixStopsEarly: a large document is not written past
// the element that crosses the limit.
func TestAppendExtJSONPrefixStopsEarly(t *testing.T) {
	var arr A
	for i := range 10000 {
		arr = append(arr, D{{Key: "n", Value: int32(i)}, {Key: "s", Value: strings.Repeat("x", 50)}})
	}
	doc, err := Marshal(D{{Key: "insert", Value: "c"}, {Key: "documents", Value: arr}})
	if err != nil {
		t.Fatal(err)
	}
	out, cut, err := AppendExtJSONPrefix(nil, doc, false, 200)
	if err != nil || !cut {
		t.Fatalf("cut %v, err %v", cut, err)
	}
	if len(out) <= 200 || len(out) > 400 {
		t.Errorf("%d bytes written for a limit of 200", len(out))
	}
	if _, _, err := AppendExtJSONPrefix(nil, Raw{1, 2, 3}, false, 10); err == nil {
		t.Error("no error for malformed bytes")
	}
	allocs := testing.AllocsPerRun(100, func() {
		buf := make([]byte, 0, 512)
		_, _, _ = AppendExtJSONPrefix(buf, doc, false, 200)
	})
	if allocs > 1 {
		t.Errorf("%v allocations", allocs)
	}
}
