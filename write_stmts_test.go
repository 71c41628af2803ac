package motor

import (
	"errors"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestAppendStmtChecks(t *testing.T) {
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}
	repl := bson.D{{Key: "a", Value: 1}}
	f := bson.D{{Key: "_id", Value: 1}}
	tests := []struct {
		name    string
		st      writeStmt
		wantErr error  // errors.Is
		errText string // or a substring of the message
	}{
		{"update", writeStmt{filter: f, update: set}, nil, ""},
		{"update pipeline", writeStmt{filter: f, update: bson.A{bson.D{{Key: "$set", Value: bson.D{{Key: "b", Value: 2}}}}}}, nil, ""},
		{"update pipeline as slice", writeStmt{filter: f, update: []bson.D{{{Key: "$unset", Value: "b"}}}}, nil, ""},
		{"update without operators", writeStmt{filter: f, update: repl}, errWriteUpdateOperator, ""},
		{"update empty", writeStmt{filter: f, update: bson.D{}}, errWriteUpdateOperator, ""},
		{"update nil", writeStmt{filter: f}, errWriteNilUpdate, ""},
		{"update nil D", writeStmt{filter: f, update: bson.D(nil)}, errWriteNilUpdate, ""},
		{"update not a document", writeStmt{filter: f, update: "x"}, nil, "update must be a document or a pipeline"},
		{"replacement", writeStmt{filter: f, update: repl, replace: true}, nil, ""},
		{"replacement empty", writeStmt{filter: f, update: bson.D{}, replace: true}, nil, ""},
		{"replacement with operator", writeStmt{filter: f, update: set, replace: true}, errWriteReplaceOp, ""},
		{"replacement as array", writeStmt{filter: f, update: bson.A{repl}, replace: true}, nil, "must be a document, not an array"},
		{"replacement nil", writeStmt{filter: f, replace: true}, nil, "nil replacement"},
		{"filter nil", writeStmt{update: set}, ErrNilFilter, ""},
		{"filter nil D", writeStmt{filter: bson.D(nil), update: set}, ErrNilFilter, ""},
		{"filter not a document", writeStmt{filter: 5, update: set}, nil, "filter must be a document"},
		{"delete", writeStmt{filter: f, delete: true}, nil, ""},
		{"delete nil filter", writeStmt{delete: true}, ErrNilFilter, ""},
		{"delete all", writeStmt{filter: bson.D{}, delete: true, multi: true}, nil, ""},
	}
	for _, tt := range tests {
		for _, form := range []stmtForm{collectionForm, clientForm(3)} {
			_, _, err := appendStmt(nil, nil, &tt.st, form)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("%s (client %v): err = %v, want %v", tt.name, form.client, err, tt.wantErr)
				}
			case tt.errText != "":
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("%s (client %v): err = %v, want %q", tt.name, form.client, err, tt.errText)
				}
			case err != nil:
				t.Errorf("%s (client %v): %v", tt.name, form.client, err)
			}
		}
	}
}

func TestAppendStmtFields(t *testing.T) {
	hint := "a_1"
	st := writeStmt{filter: bson.D{{Key: "a", Value: 1}}, update: bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
		multi: true, upsert: new(true), arrayFilters: []any{bson.D{{Key: "e.x", Value: 1}}},
		collation: &Collation{Locale: "fr"}, hint: hint, sort: bson.D{{Key: "a", Value: -1}}}
	buf, size, err := appendStmt([]byte("prefix"), nil, &st, collectionForm)
	if err != nil || size != 0 {
		t.Fatal(size, err)
	}
	doc := bson.Raw(buf[len("prefix"):])
	if got := strings.Join(doc.Keys(), ","); got != "q,u,multi,upsert,arrayFilters,hint,collation,sort" {
		t.Errorf("keys %s", got)
	}
	if !doc.Lookup("multi").Boolean() || !doc.Lookup("upsert").Boolean() || doc.Lookup("hint").StringValue() != hint ||
		doc.Lookup("collation", "locale").StringValue() != "fr" {
		t.Errorf("statement %v", doc)
	}

	buf, _, err = appendStmt(nil, nil, &st, clientForm(7))
	if err != nil {
		t.Fatal(err)
	}
	doc = bson.Raw(buf)
	if got := strings.Join(doc.Keys(), ","); got != "update,filter,updateMods,multi,upsert,arrayFilters,hint,collation,sort" {
		t.Errorf("client keys %s", got)
	}
	if doc.Lookup("update").Int32() != 7 || doc[nsIndexOffset] != 7 {
		t.Errorf("client statement %v", doc)
	}

	del := writeStmt{filter: bson.D{}, delete: true, multi: true, hint: bson.D{{Key: "a", Value: 1}}}
	buf, _, _ = appendStmt(nil, nil, &del, collectionForm)
	if doc := bson.Raw(buf); doc.Lookup("limit").Int32() != 0 || doc.Lookup("hint", "a").Type == 0 {
		t.Errorf("deleteMany statement %v", doc)
	}
	del.multi = false
	buf, _, _ = appendStmt(nil, nil, &del, collectionForm)
	if doc := bson.Raw(buf); doc.Lookup("limit").Int32() != 1 {
		t.Errorf("deleteOne statement %v", doc)
	}
	buf, _, _ = appendStmt(nil, nil, &del, clientForm(2))
	if doc := bson.Raw(buf); strings.Join(doc.Keys(), ",") != "delete,filter,multi,hint" || doc.Lookup("multi").Boolean() || doc[nsIndexOffset] != 2 {
		t.Errorf("client delete %v", doc)
	}

	rep := writeStmt{filter: bson.D{}, update: bson.D{{Key: "big", Value: strings.Repeat("x", 100)}}, replace: true}
	_, size, err = appendStmt(nil, nil, &rep, collectionForm)
	if err != nil || size != len(mustMarshal(t, rep.update)) {
		t.Errorf("replacement size %d, %v", size, err)
	}
}

func TestAppendClientInsert(t *testing.T) {
	buf, id, size, err := appendClientInsert([]byte{1, 2}, nil, 4, bson.D{{Key: "a", Value: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	doc := bson.Raw(buf[2:])
	if err := doc.Validate(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(doc.Keys(), ",") != "insert,document" || doc.Lookup("insert").Int32() != 4 || doc[nsIndexOffset] != 4 {
		t.Errorf("op %v", doc)
	}
	inner := doc.Lookup("document").Document()
	if inner.Keys()[0] != "_id" || inner.Lookup("_id").ObjectID() != id || size != len(inner) {
		t.Errorf("document %v, id %v, size %d", inner, id, size)
	}
	if _, _, _, err := appendClientInsert(nil, nil, 0, nil); !errors.Is(err, errWriteNilDocument) {
		t.Errorf("nil document: %v", err)
	}
}

func TestClientOpsSplit(t *testing.T) {
	models := []ClientWriteModel{
		{Database: "a", Collection: "x", Model: InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: 1}}}},
		{Database: "b", Collection: "y", Model: DeleteOneModel{Filter: bson.D{}}},
		{Database: "a", Collection: "x", Model: UpdateManyModel{Filter: bson.D{}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "z", Value: 1}}}}}},
		{Database: "c", Collection: "z.w", Model: ReplaceOneModel[bson.M]{Filter: bson.D{}, Replacement: bson.M{"r": 1}}},
	}
	var o clientOps
	if err := o.encode(models); err != nil {
		t.Fatal(err)
	}
	if len(o.nsDocs) != 3 || o.ns[2] != 0 || o.ns[3] != 2 || o.ids[0] != int32(1) || !o.stmts.anyMulti(2, 3) {
		t.Fatalf("ops %+v", o)
	}
	// Everything in one batch: three namespaces, each op pointing at its own.
	to, nsInfo, err := o.split(0, 100, 1<<20)
	if err != nil || to != 4 {
		t.Fatal(to, err)
	}
	if got := nsList(t, nsInfo); got != "a.x,b.y,c.z.w" {
		t.Errorf("nsInfo %s", got)
	}
	for i, want := range []int32{0, 1, 0, 2} {
		if got := bson.Raw(o.stmts.buf[o.stmts.start(i):o.stmts.ends[i]]).Lookup(o.kinds[i].command()).Int32(); got != want {
			t.Errorf("op %d points at %d, want %d", i, got, want)
		}
	}
	// Two per batch: the second batch has its own nsInfo, numbered from 0.
	to, nsInfo, _ = o.split(2, 2, 1<<20)
	if to != 4 || nsList(t, nsInfo) != "a.x,c.z.w" {
		t.Errorf("second batch to %d, nsInfo %s", to, nsList(t, nsInfo))
	}
	if got := bson.Raw(o.stmts.buf[o.stmts.start(3):o.stmts.ends[3]]).Lookup("update").Int32(); got != 1 {
		t.Errorf("op 3 points at %d in the second batch", got)
	}
	// The byte limit counts the nsInfo documents too.
	op0 := o.stmts.ends[0]
	to, _, _ = o.split(0, 100, op0+len(o.nsDocs[0]))
	if to != 1 {
		t.Errorf("a limit of one op and its namespace gave %d ops", to)
	}
	if _, _, err := o.split(0, 100, op0+len(o.nsDocs[0])-1); !errors.Is(err, ErrDocumentTooLarge) {
		t.Errorf("no room for one op: %v", err)
	}

	bad := []ClientWriteModel{{Database: "a.b", Collection: "x", Model: DeleteOneModel{Filter: bson.D{}}}}
	if err := (&clientOps{}).encode(bad); err == nil || !strings.Contains(err.Error(), "database name") {
		t.Errorf("bad namespace: %v", err)
	}
	if err := (&clientOps{}).encode([]ClientWriteModel{{Database: "a", Collection: "b"}}); err == nil {
		t.Error("a nil model was accepted")
	}
}

func nsList(t *testing.T, seq []byte) string {
	t.Helper()
	var out []string
	for len(seq) > 0 {
		n := int(seq[0]) | int(seq[1])<<8 | int(seq[2])<<16 | int(seq[3])<<24
		out = append(out, bson.Raw(seq[:n]).Lookup("ns").StringValue())
		seq = seq[n:]
	}
	return strings.Join(out, ",")
}

func TestMergeOptions(t *testing.T) {
	o := mergeUpdate([]UpdateOptions{
		{Upsert: new(true), Hint: "a", Comment: "first", ArrayFilters: []any{1}},
		{Hint: "b", Let: bson.D{}},
		{},
	})
	if !*o.Upsert || o.Hint != "b" || o.Comment != "first" || o.Let == nil || len(o.ArrayFilters) != 1 {
		t.Errorf("merged %+v", o)
	}
	m := mergeInsertMany([]InsertManyOptions{{Ordered: new(false)}, {Comment: 1}})
	if *m.Ordered || m.Comment != 1 {
		t.Errorf("merged %+v", m)
	}
	f := mergeFindOneAndUpdate([]FindOneAndUpdateOptions{{ReturnDocument: ReturnAfter}, {Sort: bson.D{}}})
	if !f.after || f.sort == nil {
		t.Errorf("merged %+v", f)
	}
	if mergeFindOneAndReplace(nil).after || mergeBulkWrite(nil).Ordered != nil {
		t.Error("defaults changed")
	}
}
