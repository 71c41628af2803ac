package wire

import (
	"bytes"
	"errors"
	"hash/crc32"
	"slices"
	"sync"
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestAppendMsgRoundTrip(t *testing.T) {
	body := doc(t, bson.D{{Key: "insert", Value: "coll"}, {Key: "$db", Value: "test"}})
	two := docs(t, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "_id", Value: 2}, {Key: "x", Value: "y"}})
	one := docs(t, bson.D{{Key: "q", Value: bson.D{}}})
	tests := []struct {
		name  string
		flags MsgFlags
		seqs  []Sequence
	}{
		{"plain", 0, nil},
		{"moreToCome", MoreToCome, nil},
		{"exhaustAllowed", ExhaustAllowed, nil},
		{"checksum", ChecksumPresent, nil},
		{"all flags", ChecksumPresent | MoreToCome | ExhaustAllowed, nil},
		{"one sequence", 0, []Sequence{{Identifier: "documents", Docs: two}}},
		{"empty sequence", 0, []Sequence{{Identifier: "documents"}}},
		{"two sequences", 0, []Sequence{{Identifier: "documents", Docs: two}, {Identifier: "updates", Docs: one}}},
		{"sequences and checksum", ChecksumPresent | MoreToCome, []Sequence{{Identifier: "deletes", Docs: one}, {Identifier: "documents", Docs: two}}},
		{"optional unknown bit", 1 << 20, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			b := AppendMsg(slices.Clone(prefix), 42, tt.flags, body, tt.seqs...)
			if !bytes.HasPrefix(b, prefix) {
				t.Fatal("AppendMsg did not append to dst")
			}
			b = b[len(prefix):]
			m, err := ParseMsg(b)
			if err != nil {
				t.Fatalf("ParseMsg: %v", err)
			}
			want := Header{Length: int32(len(b)), RequestID: 42, ResponseTo: 0, OpCode: OpMsg}
			if m.Header != want {
				t.Errorf("header %+v, want %+v", m.Header, want)
			}
			if m.Flags != tt.flags {
				t.Errorf("flags %#x, want %#x", m.Flags, tt.flags)
			}
			if !bytes.Equal(m.Body, body) {
				t.Errorf("body %x, want %x", m.Body, body)
			}
			if len(m.Sequences) != len(tt.seqs) {
				t.Fatalf("%d sequences, want %d", len(m.Sequences), len(tt.seqs))
			}
			for i, s := range m.Sequences {
				if s.Identifier != tt.seqs[i].Identifier || !bytes.Equal(s.Docs, tt.seqs[i].Docs) {
					t.Errorf("sequence %d = %q %x, want %q %x", i, s.Identifier, s.Docs, tt.seqs[i].Identifier, tt.seqs[i].Docs)
				}
			}
			if tt.flags&ChecksumPresent != 0 {
				crc := crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli))
				if got := uint32(readInt32(b[len(b)-4:])); got != crc {
					t.Errorf("checksum %#x, want %#x", got, crc)
				}
			}
		})
	}
}

func TestBuilderMatchesAppendMsg(t *testing.T) {
	body := doc(t, bson.D{{Key: "insert", Value: "c"}})
	d1 := doc(t, bson.D{{Key: "a", Value: 1}})
	d2 := doc(t, bson.D{{Key: "b", Value: "two"}})
	want := AppendMsg(nil, 9, ChecksumPresent, body, Sequence{Identifier: "documents", Docs: append(slices.Clone(d1), d2...)})

	b, msg := BeginMsg(make([]byte, 0, 8), 9, 0, ChecksumPresent)
	b = AppendBodySection(b, body)
	b, seq := BeginSequence(b, "documents")
	b, _ = bson.MarshalAppend(b, bson.D{{Key: "a", Value: 1}})
	mark := len(b)
	b, _ = bson.MarshalAppend(b, bson.D{{Key: "too", Value: "big"}})
	b = b[:mark] // cut back a document that would not fit
	b, _ = bson.MarshalAppend(b, bson.D{{Key: "b", Value: "two"}})
	b = EndSequence(b, seq)
	b = EndMsg(b, msg)
	if !bytes.Equal(b, want) {
		t.Fatalf("builder:\n%x\nAppendMsg:\n%x", b, want)
	}
}

func TestReplyResponseTo(t *testing.T) {
	b, start := BeginMsg(nil, 100, 55, 0)
	b = AppendBodySection(b, doc(t, bson.D{{Key: "ok", Value: 1.0}}))
	b = EndMsg(b, start)
	m, err := ParseMsg(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Header.CheckResponseTo(55); err != nil {
		t.Errorf("CheckResponseTo(55): %v", err)
	}
	err = m.Header.CheckResponseTo(54)
	var pe *ProtocolError
	if !errors.Is(err, ErrResponseTo) || !errors.As(err, &pe) {
		t.Errorf("CheckResponseTo(54) = %v, want a *ProtocolError wrapping ErrResponseTo", err)
	}
}

func TestSequenceDocuments(t *testing.T) {
	want := [][]byte{doc(t, bson.D{{Key: "a", Value: 1}}), doc(t, bson.D{{Key: "b", Value: "x"}}), doc(t, bson.D{})}
	s := Sequence{Identifier: "documents", Docs: slices.Concat(want...)}
	var got [][]byte
	for d := range s.Documents() {
		got = append(got, d)
	}
	if len(got) != len(want) {
		t.Fatalf("%d documents, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("document %d = %x, want %x", i, got[i], want[i])
		}
	}
	// Stopping early, and a malformed tail, end the iteration quietly.
	n := 0
	for range s.Documents() {
		n++
		break
	}
	bad := Sequence{Docs: append(slices.Clone(want[0]), 0xff, 0, 0)}
	for range bad.Documents() {
		n++
	}
	if n != 2 {
		t.Errorf("%d documents from early stop and malformed tail, want 2", n)
	}
}

func TestNextRequestID(t *testing.T) {
	const workers, each = 8, 1000
	var mu sync.Mutex
	seen := make(map[int32]bool, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ids := make([]int32, each)
			for i := range ids {
				ids[i] = NextRequestID()
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if id <= 0 || seen[id] {
					t.Errorf("request ID %d is not positive or repeats", id)
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()

	// At the wrap the counter skips 0 and negative values.
	lastRequestID.Store(0x7ffffffe)
	if a, b := NextRequestID(), NextRequestID(); a != 0x7fffffff || b != 1 {
		t.Errorf("IDs around the wrap = %d, %d, want %d, 1", a, b, 0x7fffffff)
	}
}

func TestOpCodeString(t *testing.T) {
	for op, want := range map[OpCode]string{OpMsg: "OP_MSG", OpCompressed: "OP_COMPRESSED", 2004: "OP_QUERY", 1: "OP_REPLY", 99: "opcode(99)"} {
		if got := op.String(); got != want {
			t.Errorf("OpCode(%d).String() = %q, want %q", int32(op), got, want)
		}
	}
}
