package motor

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// writeStmt is one update, replacement or delete, as a single-write method
// or a write model gives it.
type writeStmt struct {
	filter       any
	update       any // the update document or pipeline, or the replacement
	replace      bool
	delete       bool
	multi        bool
	upsert       *bool
	arrayFilters []any
	collation    *Collation
	hint         any
	sort         any
}

// stmtForm names the fields of a statement: the update and delete
// commands' form, or the bulkWrite command's.
type stmtForm struct {
	filter, update string
	nsIndex        int32 // bulkWrite: the statement's namespace in nsInfo
	client         bool
}

var collectionForm = stmtForm{filter: "q", update: "u"}

func clientForm(nsIndex int32) stmtForm {
	return stmtForm{filter: "filter", update: "updateMods", nsIndex: nsIndex, client: true}
}

// appendStmt appends the encoding of st to buf in form f, after checking
// it, and returns the size of its replacement document (0 for others), for
// the maxBsonObjectSize check.
func appendStmt(buf []byte, reg *bson.Registry, st *writeStmt, f stmtForm) ([]byte, int, error) {
	if isNilValue(st.filter) {
		return buf, 0, ErrNilFilter
	}
	if !st.delete && isNilValue(st.update) {
		if st.replace {
			return buf, 0, errors.New("nil replacement")
		}
		return buf, 0, errWriteNilUpdate
	}
	d := make(bson.D, 0, 10)
	if f.client {
		name := "update"
		if st.delete {
			name = "delete"
		}
		d = append(d, bson.E{Key: name, Value: f.nsIndex})
	}
	d = append(d, bson.E{Key: f.filter, Value: st.filter})
	if st.delete {
		switch {
		case f.client:
			d = append(d, bson.E{Key: "multi", Value: st.multi})
		case st.multi:
			d = append(d, bson.E{Key: "limit", Value: int32(0)})
		default:
			d = append(d, bson.E{Key: "limit", Value: int32(1)})
		}
	} else {
		d = append(d, bson.E{Key: f.update, Value: st.update})
		if st.multi {
			d = append(d, bson.E{Key: "multi", Value: true})
		}
		if st.upsert != nil {
			d = append(d, bson.E{Key: "upsert", Value: *st.upsert})
		}
		if st.arrayFilters != nil {
			d = append(d, bson.E{Key: "arrayFilters", Value: st.arrayFilters})
		}
	}
	if st.hint != nil {
		d = append(d, bson.E{Key: "hint", Value: st.hint})
	}
	if st.collation != nil {
		d = append(d, bson.E{Key: "collation", Value: st.collation})
	}
	if st.sort != nil {
		d = append(d, bson.E{Key: "sort", Value: st.sort})
	}
	start := len(buf)
	out, err := bson.MarshalOptions{Registry: reg, MaxDocumentSize: -1}.MarshalAppend(buf, d)
	if err != nil {
		return buf, 0, err
	}
	enc := bson.Raw(out[start:])
	if t := enc.Lookup(f.filter).Type; t != bson.TypeDocument {
		return buf, 0, fmt.Errorf("the filter must be a document, not %v", t)
	}
	if st.delete {
		return out, 0, nil
	}
	size, err := checkUpdate(enc.Lookup(f.update), st.replace)
	if err != nil {
		return buf, 0, err
	}
	return out, size, nil
}

// checkUpdate checks an encoded update or replacement, as the CRUD
// specification asks: an update is a pipeline or a document whose first key
// is an operator; a replacement is a document whose first key is not. It
// returns the size of a replacement.
func checkUpdate(v bson.RawValue, replace bool) (int, error) {
	switch v.Type {
	case bson.TypeDocument:
	case bson.TypeArray:
		if replace {
			return 0, errors.New("the replacement must be a document, not an array")
		}
		return 0, nil
	default:
		if replace {
			return 0, fmt.Errorf("the replacement must be a document, not %v", v.Type)
		}
		return 0, fmt.Errorf("the update must be a document or a pipeline, not %v", v.Type)
	}
	doc := v.Document()
	first := ""
	for k := range doc.Elements() {
		first = k
		break
	}
	isOp := len(first) > 0 && first[0] == '$'
	switch {
	case replace && isOp:
		return 0, errWriteReplaceOp
	case replace:
		return len(doc), nil
	case !isOp:
		return 0, errWriteUpdateOperator
	}
	return 0, nil
}

// appendClientInsert appends a bulkWrite insert op, {insert: nsIndex,
// document: doc}, generating the document's _id when it has none.
func appendClientInsert(buf []byte, reg *bson.Registry, nsIndex int32, doc any) ([]byte, any, int, error) {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0, byte(bson.TypeInt32))
	buf = append(buf, "insert\x00"...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(nsIndex))
	buf = append(buf, byte(bson.TypeDocument))
	buf = append(buf, "document\x00"...)
	docStart := len(buf)
	out, id, err := appendInsertDoc(buf, reg, doc)
	if err != nil {
		return buf[:start], nil, 0, err
	}
	size := len(out) - docStart
	out = append(out, 0)
	binary.LittleEndian.PutUint32(out[start:], uint32(len(out)-start))
	return out, id, size, nil
}
