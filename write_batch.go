package motor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// ErrDocumentTooLarge is wrapped by the error of a write whose document is
// bigger than the server's maxBsonObjectSize. The write fails before
// anything is sent; the error names the document's index and size.
var ErrDocumentTooLarge = errors.New("motor: document too large")

// messageOverhead is the room kept in each message for what is added after
// a batch is chosen: the message and section headers, $db, lsid,
// txnNumber, $clusterTime and the Stable API fields. The bulk write
// specification uses the same allowance.
const messageOverhead = 1000

// statementAllowance is how much bigger than maxBsonObjectSize the server
// lets a statement be: an update statement holds a whole document plus its
// filter and options.
const statementAllowance = 16 * 1024

// stmts is a list of encoded write statements (the documents of an insert,
// the statements of an update or delete, the ops of a bulkWrite) laid back
// to back in one buffer, so that a batch is a slice of it: the documents of
// a document sequence, sent without a copy.
type stmts struct {
	buf  []byte
	ends []int // statement i is buf[start(i):ends[i]]
	// index maps statement i to the caller's index: the position of its
	// document or model in what the caller passed. Nil means i itself.
	index []int
	// docSize is, for each statement, the size of the document it carries
	// that must fit in maxBsonObjectSize: an inserted document, a
	// replacement; 0 for others.
	docSize []int
	// multi marks statements that may change several documents: a batch
	// holding one is not a retryable write. Nil means none.
	multi []bool
}

func (s *stmts) len() int { return len(s.ends) }

func (s *stmts) start(i int) int {
	if i == 0 {
		return 0
	}
	return s.ends[i-1]
}

// caller returns the caller's index of statement i.
func (s *stmts) caller(i int) int {
	if s.index == nil {
		return i
	}
	return s.index[i]
}

// add records the statement that ends at the end of buf.
func (s *stmts) add(callerIndex, docSize int, multi bool) {
	if s.index != nil || callerIndex != len(s.ends) {
		if s.index == nil {
			s.index = make([]int, len(s.ends), cap(s.ends)+1)
			for i := range s.index {
				s.index[i] = i
			}
		}
		s.index = append(s.index, callerIndex)
	}
	s.ends = append(s.ends, len(s.buf))
	s.docSize = append(s.docSize, docSize)
	if multi && s.multi == nil {
		s.multi = make([]bool, len(s.ends)-1, cap(s.ends))
	}
	if s.multi != nil {
		s.multi = append(s.multi, multi)
	}
}

// anyMulti reports whether a statement of [from, to) is multi.
func (s *stmts) anyMulti(from, to int) bool {
	if s.multi == nil {
		return false
	}
	for _, m := range s.multi[from:to] {
		if m {
			return true
		}
	}
	return false
}

// validate checks every statement against the server's limits, so that an
// oversize document fails the whole operation before anything is sent.
func (s *stmts) validate(l op.Limits) error {
	for i := range s.ends {
		if n := s.docSize[i]; n > l.MaxBSONObjectSize {
			return fmt.Errorf("%w: the document at index %d is %d bytes, over the server's maxBsonObjectSize of %d bytes",
				ErrDocumentTooLarge, s.caller(i), n, l.MaxBSONObjectSize)
		}
		if n := s.ends[i] - s.start(i); n > l.MaxBSONObjectSize+statementAllowance {
			return fmt.Errorf("%w: the write at index %d is %d bytes, over the server's limit of %d bytes for a statement",
				ErrDocumentTooLarge, s.caller(i), n, l.MaxBSONObjectSize+statementAllowance)
		}
	}
	return nil
}

// batchLimits bound one command's batch of statements.
type batchLimits struct {
	count int // at most this many statements (maxWriteBatchSize)
	bytes int // whose encodings add up to at most this many bytes
}

// limitsFor returns the batch limits of a command whose body is bodyLen
// bytes and whose statements go in a document sequence named ident.
func limitsFor(l op.Limits, bodyLen int, ident string) batchLimits {
	seqHeader := 1 + 4 + len(ident) + 1 // kind, size, identifier, NUL
	return batchLimits{count: l.MaxWriteBatchSize, bytes: l.MaxMessageSize - messageOverhead - bodyLen - seqHeader}
}

// split returns the end of the batch that starts at statement from: as
// many statements as the limits allow, and at least one.
func (s *stmts) split(from int, lim batchLimits) (int, error) {
	if from >= len(s.ends) {
		return from, fmt.Errorf("motor: no statements left at %d", from)
	}
	start := s.start(from)
	to := from
	for to < len(s.ends) && to-from < lim.count && s.ends[to]-start <= lim.bytes {
		to++
	}
	if to == from {
		return from, fmt.Errorf("%w: the write at index %d is %d bytes, which leaves no room for it in a message of the server's maxMessageSizeBytes",
			ErrDocumentTooLarge, s.caller(from), s.ends[from]-start)
	}
	return to, nil
}

// batch returns the encoded statements [from, to).
func (s *stmts) batch(from, to int) []byte { return s.buf[s.start(from):s.ends[to-1]] }

// appendInsertDoc appends the encoding of doc to buf, with a generated
// ObjectID as its first field when it has no _id, and returns the _id.
// The document is encoded in place after room for the _id element, so the
// common case (no _id) copies nothing; a document with its own _id is
// moved back over that room.
func appendInsertDoc(buf []byte, reg *bson.Registry, doc any) ([]byte, any, error) {
	if isNilValue(doc) {
		return buf, nil, errWriteNilDocument
	}
	const idElem = 1 + 4 + 12 // type, "_id\x00", ObjectID
	start := len(buf)
	var zeros [idElem]byte
	room := append(buf, zeros[:]...)
	out, err := bson.MarshalOptions{Registry: reg, MaxDocumentSize: -1}.MarshalAppend(room, doc)
	if err != nil {
		return buf, nil, err
	}
	enc := bson.Raw(out[start+idElem:])
	if v := enc.Lookup("_id"); v.Type != 0 {
		var id any
		if err := v.Unmarshal(&id); err != nil {
			return buf, nil, err
		}
		n := copy(out[start:], enc)
		return out[:start+n], id, nil
	}
	// The encoding's length prefix is overwritten by the last four bytes of
	// the ObjectID: write the element, then the new length.
	oid := bson.NewObjectID()
	out[start+4] = byte(bson.TypeObjectID)
	copy(out[start+5:], "_id\x00")
	copy(out[start+9:], oid[:])
	binary.LittleEndian.PutUint32(out[start:], uint32(len(out)-start))
	return out, oid, nil
}

// isNilValue reports whether v is nil, or a nil pointer, map, slice or
// interface inside an interface: a document that is not there.
func isNilValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bson.D:
		return x == nil
	case bson.M:
		return x == nil
	case bson.Raw:
		return x == nil
	case bson.A:
		return x == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// The client-side errors of the write operations, returned before
// anything is sent, wrapped in an error naming the operation ("motor:
// InsertOne: nil document"); a nil filter is ErrNilFilter, wrapped the same
// way.
var (
	errWriteNilDocument    = errors.New("nil document")
	errWriteNilUpdate      = errors.New("nil update")
	errWriteNoDocuments    = errors.New("no documents to insert")
	errWriteNoModels       = errors.New("no write models")
	errWriteUpdateOperator = errors.New("update document must start with an update operator such as $set, or be a pipeline (an array)")
	errWriteReplaceOp      = errors.New("replacement document must not contain update operators (keys starting with $)")
)
