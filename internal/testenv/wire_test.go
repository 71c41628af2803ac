package testenv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"
)

// TestDocRoundTrip encodes a document of every supported type and decodes it
// back.
func TestDocRoundTrip(t *testing.T) {
	in := doc{
		{"f", 1.5},
		{"s", "héllo"},
		{"d", doc{{"x", int32(7)}}},
		{"a", []string{"x", "y"}},
		{"m", []any{int64(-3), true, nil}},
		{"b", []byte{0, 1, 2}},
		{"t", false},
		{"n", nil},
		{"i", int32(-9)},
		{"l", int64(1) << 40},
	}
	want := doc{
		{"f", 1.5},
		{"s", "héllo"},
		{"d", doc{{"x", int32(7)}}},
		{"a", []any{"x", "y"}},
		{"m", []any{int64(-3), true, nil}},
		{"b", []byte{0, 1, 2}},
		{"t", false},
		{"n", nil},
		{"i", int32(-9)},
		{"l", int64(1) << 40},
	}
	b, err := appendDoc(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeDoc(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %#v\nwant %#v", got, want)
	}
	if _, err := appendDoc(nil, doc{{"x", 3}}); err == nil {
		t.Error("appendDoc accepted an int")
	}
}

// TestDecodeOtherTypes checks the types that only replies carry: datetime,
// ObjectId and timestamp.
func TestDecodeOtherTypes(t *testing.T) {
	b := []byte{0, 0, 0, 0,
		bsonDateTime, 'd', 0, 0xe8, 3, 0, 0, 0, 0, 0, 0, // 1000 ms
		bsonObjectID, 'o', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		bsonTS, 't', 0, 1, 0, 0, 0, 2, 0, 0, 0,
		0}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	d, err := decodeDoc(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.get("d").(time.Time); !got.Equal(time.Unix(1, 0)) {
		t.Errorf("datetime = %v", got)
	}
	if got := d.get("o").([]byte); len(got) != 12 || got[11] != 12 {
		t.Errorf("objectid = %v", got)
	}
	if got := d.get("t").(int64); got != 2<<32|1 {
		t.Errorf("timestamp = %x", got)
	}
}

// TestDecodeMalformed checks that truncated and inconsistent documents are
// rejected with errBSON, not a panic.
func TestDecodeMalformed(t *testing.T) {
	good, _ := appendDoc(nil, doc{{"s", "abc"}, {"d", doc{{"b", []byte{1}}}}})
	cases := map[string][]byte{
		"empty":          {},
		"short":          {5, 0, 0},
		"length too big": {6, 0, 0, 0, 0},
		"no terminator":  {5, 0, 0, 0, 1},
		"unknown type":   {8, 0, 0, 0, 0x13, 'k', 0, 0},
		"no key end":     {7, 0, 0, 0, 0x10, 'k', 0},
		"bad bool":       {9, 0, 0, 0, bsonBool, 'k', 0, 2, 0},
		"string len 0":   {12, 0, 0, 0, bsonString, 'k', 0, 0, 0, 0, 0, 0},
		"string no nul":  {13, 0, 0, 0, bsonString, 'k', 0, 1, 0, 0, 0, 'x', 0},
		"binary too big": {13, 0, 0, 0, bsonBinary, 'k', 0, 9, 0, 0, 0, 0, 0},
	}
	for i := 1; i < len(good); i++ {
		cases["truncated good "+string(rune('a'+i%26))+string(rune('0'+i/26))] = good[:i]
	}
	for name, b := range cases {
		if _, err := decodeDoc(b); !errors.Is(err, errBSON) {
			t.Errorf("%s: decodeDoc(%v) error = %v, want errBSON", name, b, err)
		}
	}

	deep := doc{{"k", nil}}
	for range maxDepth + 1 {
		deep = doc{{"k", deep}}
	}
	b, err := appendDoc(nil, deep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeDoc(b); !errors.Is(err, errBSON) {
		t.Errorf("decodeDoc of %d levels: error = %v, want errBSON", maxDepth+2, err)
	}
}

// TestReplyError checks how a reply's ok and error fields become errors.
func TestReplyError(t *testing.T) {
	for _, tc := range []struct {
		d    doc
		want *commandError
	}{
		{doc{{"ok", 1.0}}, nil},
		{doc{{"ok", int32(1)}}, nil},
		{doc{{"ok", int64(1)}}, nil},
		{doc{{"ok", true}}, nil},
		{doc{{"ok", 0.0}, {"errmsg", "no"}, {"code", int32(13)}, {"codeName", "Unauthorized"}}, &commandError{13, "Unauthorized", "no"}},
		{doc{{"ok", 0.0}, {"code", int64(18)}}, &commandError{Code: 18}},
		{doc{{"ok", 0.0}, {"code", 11.0}}, &commandError{Code: 11}},
		{doc{}, &commandError{}},
	} {
		err := replyError(tc.d)
		if tc.want == nil {
			if err != nil {
				t.Errorf("replyError(%v) = %v", tc.d, err)
			}
			continue
		}
		var ce *commandError
		if !errors.As(err, &ce) || *ce != *tc.want {
			t.Errorf("replyError(%v) = %#v, want %#v", tc.d, err, tc.want)
		}
	}
}

// TestRoundTripScripted runs roundTrip against a scripted loopback server
// that checks the request and answers with a document sequence section
// before the body, a checksum, and an error reply.
func TestRoundTripScripted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan error, 1)
	go func() {
		served <- func() error {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			for _, reply := range []doc{{{"pong", true}, {"ok", 1.0}}, {{"ok", 0.0}, {"code", int32(59)}, {"errmsg", "no such command"}}} {
				var hdr [headerLen]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					return err
				}
				body := make([]byte, binary.LittleEndian.Uint32(hdr[:])-headerLen)
				if _, err := io.ReadFull(c, body); err != nil {
					return err
				}
				req, err := parseMsgBody(body)
				if err != nil || req.str("$db") != "admin" {
					return errors.New("bad request")
				}
				seq := []byte{1, 6, 0, 0, 0, 'x', 0} // kind 1: size 6, identifier "x", no documents
				out := make([]byte, headerLen)
				out = binary.LittleEndian.AppendUint32(out, 1) // checksumPresent
				out = append(out, seq...)
				out = append(out, 0)
				out, _ = appendDoc(out, reply)
				out = append(out, 0xde, 0xad, 0xbe, 0xef)
				binary.LittleEndian.PutUint32(out, uint32(len(out)))
				binary.LittleEndian.PutUint32(out[12:], opMsg)
				if _, err := c.Write(out); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := roundTrip(ctx, c, doc{{"ping", int32(1)}, {"$db", "admin"}})
	if err != nil || reply.get("pong") != true {
		t.Fatalf("roundTrip = %v, %v (server: %v)", reply, err, <-served)
	}
	_, err = roundTrip(ctx, c, doc{{"nope", int32(1)}, {"$db", "admin"}})
	var ce *commandError
	if !errors.As(err, &ce) || ce.Code != 59 {
		t.Fatalf("roundTrip error = %v, want code 59", err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// TestRoundTripCancel checks that cancelling ctx ends a round trip that the
// server never answers, with an error that wraps context.Canceled.
func TestRoundTripCancel(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go func() { _, _ = bytes.NewBuffer(nil).ReadFrom(server) }()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := roundTrip(ctx, client, doc{{"ping", int32(1)}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("roundTrip error = %v, want context.Canceled", err)
	}
}

// FuzzDecodeDoc checks that decodeDoc never panics and that a document it
// accepts encodes, decodes and encodes again to the same bytes.
func FuzzDecodeDoc(f *testing.F) {
	for _, d := range []doc{
		{{"ok", 1.0}},
		{{"hello", int32(1)}, {"$db", "admin"}},
		{{"saslSupportedMechs", []string{ScramSHA1, ScramSHA256}}, {"payload", []byte("r=x,s=y,i=1")}},
		{{"nested", doc{{"a", []any{doc{{"b", nil}}}}}}},
	} {
		b, _ := appendDoc(nil, d)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDoc(b)
		if err != nil {
			return
		}
		enc, err := appendDoc(nil, d)
		if err != nil {
			return // datetimes are decoded but not encoded
		}
		d2, err := decodeDoc(enc)
		if err != nil {
			t.Fatalf("re-encoded document does not decode: %v", err)
		}
		enc2, err := appendDoc(nil, d2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable: %x then %x (%v)", enc, enc2, err)
		}
	})
}
