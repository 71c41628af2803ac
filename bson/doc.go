// Package bson reads and writes BSON, the binary document format of MongoDB.
//
// # Documents and values
//
// A document is an ordered list of key/value pairs. In Go it is one of:
//
//   - [D]: an ordered slice of [E] (key/value) pairs; use it for commands and
//     wherever key order matters (sort specifications, index keys).
//   - [M]: a map; order is lost, lookups are quick.
//   - [Raw]: the encoded bytes themselves, read in place without decoding.
//   - a struct, whose exported fields become keys (see "Struct tags").
//
// Arrays are [A] (or any Go slice). The BSON types without a natural Go
// equivalent have their own types here: [ObjectID], [DateTime], [Timestamp],
// [Decimal128], [Binary], [Regex], [JavaScript], [CodeWithScope], [Symbol],
// [DBPointer], [MinKey], [MaxKey], [Null] and [Undefined].
//
// # Encoding and decoding
//
// [Marshal] and [Unmarshal] convert between Go values and BSON documents;
// [MarshalAppend] appends to a buffer the caller owns, so a loop can reuse one
// buffer and allocate nothing. [MarshalOptions] and [UnmarshalOptions] hold the
// less common settings, in the style of their methods:
//
//	b, err := bson.MarshalOptions{NilSliceAsEmpty: true}.Marshal(v)
//
// The encoder and decoder for each Go type are built the first time the type
// is seen and cached, so later calls do no reflection walk. [Register] adds a
// codec of your own for a type.
//
// Numbers convert when nothing is lost: an int32 decodes into an int64 or a
// float64, a double with an integral value decodes into an int, and an int64
// decodes into an int32 when it fits. A conversion that would lose
// information is an error, unless the field has the "truncate" tag option.
//
// Decoding into an interface (any) yields [D] for documents and [A] for
// arrays, or [M] with [UnmarshalOptions.DefaultDocumentM].
//
// # Struct tags
//
// The key of a struct field is its name in lower case, or the name given by
// its tag:
//
//	type User struct {
//		ID    bson.ObjectID `bson:"_id,omitempty"`
//		Name  string        `bson:"name"`
//		Age   int64         `bson:"age,minsize"`
//		Meta  Meta          `bson:",inline"`
//		Extra bson.M        `bson:",inline"` // keys no field claims
//		Score float64       `bson:"score,truncate"`
//		Seen  time.Time     `bson:"seen,omitzero"`
//		Skip  string        `bson:"-"`
//	}
//
// The options are:
//
//   - omitempty: leave the field out when it is the zero value, an empty
//     slice, map or string, or a nil pointer or interface.
//   - omitzero: leave the field out when it is the zero value, or when its
//     IsZero() bool method says so.
//   - inline: a struct's fields are written at this level, not as a
//     sub-document; a map[string]T field collects (and writes) the keys that
//     no other field claims. An embedded struct without this option is
//     written as a sub-document under its lower-cased type name.
//   - minsize: an int64 (or uint32) that fits in 32 bits is written as an
//     int32.
//   - truncate: a double may be decoded into an integer field, or a float64
//     into a float32, with the loss of precision that implies.
//
// # Raw documents
//
// [Raw] is a document's bytes. [Raw.Lookup] finds a value by path without
// decoding anything else ("a", "b" finds the key b in the sub-document a) and
// returns a [RawValue] that slices into the document: it is valid while the
// bytes are. [Raw.Validate] checks untrusted bytes completely. Iteration with
// [Raw.Elements] allocates nothing.
//
// # Extended JSON
//
// [MarshalExtJSON] and [UnmarshalExtJSON] convert to and from MongoDB
// Extended JSON v2, canonical or relaxed. The String methods of [D], [Raw],
// [RawArray] and [RawValue] print relaxed Extended JSON.
//
// # Limits and errors
//
// No input makes this package panic or read out of range. Malformed bytes
// give a [*DecodeError] that names the problem and the offset. Documents over
// [MaxDocumentSize] (16 MiB, settable per call) are refused when encoding.
// Keys containing a NUL byte cannot be encoded.
package bson
