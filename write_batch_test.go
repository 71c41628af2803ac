package motor

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// stmtsOfSizes returns statements of the given sizes (filled with junk:
// split looks only at the offsets).
func stmtsOfSizes(sizes ...int) *stmts {
	s := &stmts{}
	for i, n := range sizes {
		s.buf = append(s.buf, make([]byte, n)...)
		s.add(i, n, false)
	}
	return s
}

func TestSplitBatches(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		lim   batchLimits
		want  []int // the end of each batch
	}{
		{"all fit", []int{10, 10, 10}, batchLimits{count: 100, bytes: 1000}, []int{3}},
		{"by count", []int{10, 10, 10, 10, 10}, batchLimits{count: 2, bytes: 1000}, []int{2, 4, 5}},
		{"by bytes", []int{40, 40, 40, 40}, batchLimits{count: 100, bytes: 100}, []int{2, 4}},
		{"exact fit", []int{50, 50, 50}, batchLimits{count: 100, bytes: 100}, []int{2, 3}},
		{"one per batch", []int{90, 90, 90}, batchLimits{count: 100, bytes: 100}, []int{1, 2, 3}},
		{"count of one", []int{1, 1, 1}, batchLimits{count: 1, bytes: 100}, []int{1, 2, 3}},
		{"mixed", []int{10, 80, 20, 5, 70}, batchLimits{count: 3, bytes: 100}, []int{2, 5}},
		{"mixed by count", []int{10, 20, 20, 5, 70}, batchLimits{count: 3, bytes: 100}, []int{3, 5}},
	}
	for _, tt := range tests {
		s := stmtsOfSizes(tt.sizes...)
		var got []int
		total := 0
		for from := 0; from < s.len(); {
			to, err := s.split(from, tt.lim)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if n := len(s.batch(from, to)); n > tt.lim.bytes || to-from > tt.lim.count {
				t.Errorf("%s: batch [%d,%d) of %d bytes breaks the limits", tt.name, from, to, n)
			}
			total += len(s.batch(from, to))
			got = append(got, to)
			from = to
		}
		if total != len(s.buf) {
			t.Errorf("%s: batches hold %d bytes of %d", tt.name, total, len(s.buf))
		}
		if !equalInts(got, tt.want) {
			t.Errorf("%s: batch ends %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSplitStatementTooBig(t *testing.T) {
	s := stmtsOfSizes(10, 200, 10)
	to, err := s.split(0, batchLimits{count: 10, bytes: 100})
	if err != nil || to != 1 {
		t.Fatalf("first batch: %d, %v", to, err)
	}
	_, err = s.split(1, batchLimits{count: 10, bytes: 100})
	if !errors.Is(err, ErrDocumentTooLarge) || !strings.Contains(err.Error(), "index 1") {
		t.Fatalf("err = %v", err)
	}
}

func TestLimitsFor(t *testing.T) {
	l := op.Limits{MaxMessageSize: 48_000_000, MaxWriteBatchSize: 100_000, MaxBSONObjectSize: 16 << 20}
	got := limitsFor(l, 100, "documents")
	want := batchLimits{count: 100_000, bytes: 48_000_000 - messageOverhead - 100 - (1 + 4 + 9 + 1)}
	if got != want {
		t.Fatalf("limitsFor = %+v, want %+v", got, want)
	}
}

func TestValidateSizes(t *testing.T) {
	l := op.Limits{MaxBSONObjectSize: 100, MaxMessageSize: 10_000, MaxWriteBatchSize: 10}
	s := &stmts{}
	for i, n := range []int{50, 100, 101} {
		s.buf = append(s.buf, make([]byte, n)...)
		s.add(i+7, n, false)
	}
	err := s.validate(l)
	if !errors.Is(err, ErrDocumentTooLarge) || !strings.Contains(err.Error(), "index 9 is 101 bytes") {
		t.Fatalf("err = %v", err)
	}
	// A statement may exceed maxBsonObjectSize by the allowance when the
	// document it carries does not.
	s = &stmts{}
	s.buf = make([]byte, 100+statementAllowance)
	s.add(0, 0, false)
	if err := s.validate(l); err != nil {
		t.Fatal(err)
	}
	s.buf = append(s.buf, 0)
	s.ends[0]++
	if err := s.validate(l); !errors.Is(err, ErrDocumentTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestStmtsIndexAndMulti(t *testing.T) {
	s := &stmts{}
	for i, multi := range []bool{false, false, true, false} {
		s.buf = append(s.buf, 1)
		s.add(i*2, 0, multi)
	}
	for i := range 4 {
		if s.caller(i) != i*2 {
			t.Errorf("caller(%d) = %d", i, s.caller(i))
		}
	}
	if s.anyMulti(0, 2) || !s.anyMulti(1, 3) || s.anyMulti(3, 4) {
		t.Errorf("multi = %v", s.multi)
	}
	identity := stmtsOfSizes(1, 1, 1)
	if identity.index != nil || identity.multi != nil || identity.caller(2) != 2 || identity.anyMulti(0, 3) {
		t.Errorf("identity statements keep index %v, multi %v", identity.index, identity.multi)
	}
}

func TestAppendInsertDoc(t *testing.T) {
	prefix := []byte("junk")
	buf, id, err := appendInsertDoc(prefix, nil, bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	doc := bson.Raw(buf[len(prefix):])
	if err := doc.Validate(); err != nil {
		t.Fatalf("%v: %x", err, []byte(doc))
	}
	oid, ok := id.(bson.ObjectID)
	if !ok || oid.IsZero() {
		t.Fatalf("id = %#v", id)
	}
	if keys := doc.Keys(); strings.Join(keys, ",") != "_id,a,b" {
		t.Errorf("keys %v", keys)
	}
	if doc.Lookup("_id").ObjectID() != oid || doc.Lookup("b").StringValue() != "x" {
		t.Errorf("doc %v", doc)
	}

	// A document with its own _id keeps it, where it was.
	buf, id, err = appendInsertDoc(buf, nil, bson.D{{Key: "x", Value: true}, {Key: "_id", Value: "me"}})
	if err != nil {
		t.Fatal(err)
	}
	second := bson.Raw(buf[len(prefix)+len(doc):])
	if err := second.Validate(); err != nil || id != "me" || strings.Join(second.Keys(), ",") != "x,_id" {
		t.Fatalf("second %v, id %v, err %v", second, id, err)
	}
	if got := binary.LittleEndian.Uint32(second); int(got) != len(second) {
		t.Errorf("length %d of %d bytes", got, len(second))
	}

	// Structs and empty documents.
	type user struct {
		ID   bson.ObjectID `bson:"_id,omitempty"`
		Name string        `bson:"name"`
	}
	for _, v := range []any{user{Name: "n"}, bson.D{}, bson.M{}, &user{Name: "p"}} {
		b, id, err := appendInsertDoc(nil, nil, v)
		if err != nil || bson.Raw(b).Validate() != nil || bson.Raw(b).Keys()[0] != "_id" || id == nil {
			t.Errorf("%#v: %v %v %v", v, bson.Raw(b), id, err)
		}
	}
	fixed := bson.NewObjectID()
	b, id, err := appendInsertDoc(nil, nil, user{ID: fixed, Name: "f"})
	if err != nil || id != fixed || bson.Raw(b).Lookup("_id").ObjectID() != fixed {
		t.Errorf("fixed id: %v %v %v", bson.Raw(b), id, err)
	}

	for _, v := range []any{nil, bson.D(nil), bson.M(nil), bson.Raw(nil), (*user)(nil), map[string]int(nil)} {
		if _, _, err := appendInsertDoc(nil, nil, v); !errors.Is(err, errWriteNilDocument) {
			t.Errorf("%#v: err = %v", v, err)
		}
	}
	if _, _, err := appendInsertDoc(nil, nil, 42); err == nil {
		t.Error("an int was accepted as a document")
	}
}

func TestAllocsAppendInsertDoc(t *testing.T) {
	var doc any = bson.Raw(mustMarshal(t, bson.D{{Key: "a", Value: int32(1)}}))
	buf := make([]byte, 0, 1<<16)
	n := testing.AllocsPerRun(100, func() {
		buf, _, _ = appendInsertDoc(buf[:0], nil, doc)
	})
	// The ObjectID boxed in the id is the only allocation.
	if n > 1 {
		t.Errorf("%v allocations per document", n)
	}
}

// BenchmarkAppendInsertDoc measures the encoding of InsertMany's
// documents: a struct, with the _id generated.
func BenchmarkAppendInsertDoc(b *testing.B) {
	type user struct {
		ID    bson.ObjectID `bson:"_id,omitempty"`
		Name  string        `bson:"name"`
		Email string        `bson:"email"`
		Age   int32         `bson:"age"`
	}
	var doc any = user{Name: "Ada Lovelace", Email: "ada@example.com", Age: 36}
	buf, _, _ := appendInsertDoc(nil, nil, doc)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _, _ = appendInsertDoc(buf[:0], nil, doc)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
