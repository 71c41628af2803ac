package motor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Integration tests of batching, bad input, unacknowledged writes and the
// client-side refusals, against the test server.

// TestInsertManyBatches inserts more documents than maxWriteBatchSize
// (100,000 on MongoDB and FerretDB) allows in one command.
func TestInsertManyBatches(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.Raw](t, e)
	const n = 250_000
	docs := make([]bson.Raw, n)
	for i := range docs {
		b, err := bson.Marshal(bson.D{{Key: "i", Value: int32(i)}})
		if err != nil {
			t.Fatal(err)
		}
		docs[i] = b
	}
	start := time.Now()
	res, err := coll.InsertMany(e.ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d documents in %v", n, time.Since(start))
	if len(res.InsertedIDs) != n {
		t.Fatalf("%d ids", len(res.InsertedIDs))
	}
	ins := e.sent("insert")
	if len(ins) != 3 {
		t.Fatalf("%d insert commands, want 3", len(ins))
	}
	total := 0
	for _, c := range ins {
		k := c.Lookup("documents").Array().Len()
		if k > 100_000 {
			t.Errorf("a batch of %d documents", k)
		}
		total += k
	}
	if total != n {
		t.Errorf("%d documents sent", total)
	}
	// count scans the collection, too slowly on FerretDB for this size;
	// collStats reads the count the server keeps.
	if got := e.storedCount(t, coll.Name()); got != n {
		t.Fatalf("%d documents stored", got)
	}
	// Documents of each batch arrived, with their ids.
	for _, i := range []int{0, 100_000, n - 1} {
		got := e.find(t, coll.Name(), bson.D{{Key: "_id", Value: res.InsertedIDs[i]}})
		if len(got) != 1 || wrInt(wrGet(got[0], "i")) != int64(i) {
			t.Errorf("document %d: %v", i, got)
		}
	}
}

// TestInsertManyMessageSize inserts documents whose total is more than a
// message holds (maxMessageSizeBytes, 48 MB), so that the batches are
// split by size rather than by count.
func TestInsertManyMessageSize(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	pad := strings.Repeat("x", 2<<20) // 2 MiB
	docs := make([]bson.D, 25)        // 50 MiB
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprint("d", i)}, {Key: "pad", Value: pad}}
	}
	res, err := coll.InsertMany(e.ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	ins := e.sent("insert")
	if len(ins) != 2 {
		t.Errorf("%d insert commands, want 2", len(ins))
	}
	for _, c := range ins {
		if len(c) > 48_000_000 {
			t.Errorf("a command of %d bytes", len(c))
		}
	}
	if len(res.InsertedIDs) != 25 || e.storedCount(t, coll.Name()) != 25 {
		t.Fatalf("%d ids, %d stored", len(res.InsertedIDs), e.storedCount(t, coll.Name()))
	}
	for _, id := range []string{"d0", "d24"} {
		if got := e.find(t, coll.Name(), bson.D{{Key: "_id", Value: id}}); len(got) != 1 || len(wrGet(got[0], "pad").(string)) != len(pad) {
			t.Errorf("document %s not stored whole", id)
		}
	}
}

// TestWriteBadInput checks the client-side refusals: each fails with a
// clear error and sends nothing.
func TestWriteBadInput(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	big := bson.D{{Key: "pad", Value: strings.Repeat("x", 16<<20)}}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}
	plain := bson.D{{Key: "a", Value: 1}}
	tests := []struct {
		name string
		call func() error
		want string // a substring of the error
		is   error  // or the error it wraps
	}{
		{"update without operators", func() error {
			_, err := coll.UpdateOne(e.ctx, bson.D{}, plain)
			return err
		}, "must start with an update operator", nil},
		{"update many without operators", func() error {
			_, err := coll.UpdateMany(e.ctx, bson.D{}, bson.D{{Key: "a", Value: 1}, {Key: "$set", Value: 1}})
			return err
		}, "must start with an update operator", nil},
		{"empty update", func() error { _, err := coll.UpdateOne(e.ctx, bson.D{}, bson.D{}); return err }, "update operator", nil},
		{"replacement with operators", func() error { _, err := coll.ReplaceOne(e.ctx, bson.D{}, set); return err }, "must not contain update operators", nil},
		{"findOneAndUpdate without operators", func() error {
			_, err := coll.FindOneAndUpdate(e.ctx, bson.D{}, plain)
			return err
		}, "update operator", nil},
		{"findOneAndReplace with operators", func() error {
			_, err := coll.FindOneAndReplace(e.ctx, bson.D{}, set)
			return err
		}, "must not contain update operators", nil},
		{"bulk update without operators", func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{
				motor.InsertOneModel[bson.D]{Document: plain},
				motor.UpdateOneModel{Filter: bson.D{}, Update: plain},
			})
			return err
		}, "model 1", nil},
		{"bulk replacement with operators", func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{motor.ReplaceOneModel[bson.D]{Filter: bson.D{}, Replacement: set}})
			return err
		}, "must not contain update operators", nil},
		{"oversize insert", func() error { _, err := coll.InsertOne(e.ctx, big); return err }, "index 0", motor.ErrDocumentTooLarge},
		{"oversize in InsertMany", func() error {
			_, err := coll.InsertMany(e.ctx, []bson.D{plain, plain, big})
			return err
		}, "index 2", motor.ErrDocumentTooLarge},
		{"oversize replacement", func() error { _, err := coll.ReplaceOne(e.ctx, bson.D{}, big); return err }, "maxBsonObjectSize", motor.ErrDocumentTooLarge},
		{"oversize in BulkWrite", func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{
				motor.InsertOneModel[bson.D]{Document: plain},
				motor.DeleteOneModel{Filter: bson.D{}},
				motor.InsertOneModel[bson.D]{Document: big},
			})
			return err
		}, "index 2", motor.ErrDocumentTooLarge},
		{"oversize findOneAndReplace", func() error {
			_, err := coll.FindOneAndReplace(e.ctx, bson.D{}, big)
			return err
		}, "maxBsonObjectSize", motor.ErrDocumentTooLarge},
		{"nil filter update", func() error { _, err := coll.UpdateOne(e.ctx, nil, set); return err }, "nil filter", nil},
		{"nil filter delete", func() error { _, err := coll.DeleteMany(e.ctx, nil); return err }, "nil filter", nil},
		{"nil D filter delete", func() error { _, err := coll.DeleteOne(e.ctx, bson.D(nil)); return err }, "nil filter", nil},
		{"nil filter replace", func() error { _, err := coll.ReplaceOne(e.ctx, nil, plain); return err }, "nil filter", nil},
		{"nil filter findOneAndDelete", func() error { _, err := coll.FindOneAndDelete(e.ctx, nil); return err }, "nil filter", nil},
		{"nil filter in a model", func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{motor.DeleteManyModel{}})
			return err
		}, "nil filter", nil},
		{"filter not a document", func() error { _, err := coll.DeleteOne(e.ctx, "x"); return err }, "filter must be a document", nil},
		{"nil document", func() error { _, err := coll.InsertOne(e.ctx, nil); return err }, "nil document", nil},
		{"nil document in InsertMany", func() error { _, err := coll.InsertMany(e.ctx, []bson.D{plain, nil}); return err }, "document 1", nil},
		{"nil update", func() error { _, err := coll.UpdateOne(e.ctx, bson.D{}, nil); return err }, "nil update", nil},
		{"nil replacement", func() error { _, err := coll.ReplaceOne(e.ctx, bson.D{}, nil); return err }, "nil replacement", nil},
		{"no documents", func() error { _, err := coll.InsertMany(e.ctx, nil); return err }, "no documents", nil},
		{"no models", func() error { _, err := coll.BulkWrite(e.ctx, nil); return err }, "no write models", nil},
		{"nil model", func() error { _, err := coll.BulkWrite(e.ctx, []motor.WriteModel{nil}); return err }, "model 0 is nil", nil},
		{"nil model pointer", func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{(*motor.UpdateOneModel)(nil)})
			return err
		}, "model 0 is nil", nil},
		{"model of another type", func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{motor.InsertOneModel[wrUser]{Document: wrUser{Name: "x"}}})
			return err
		}, "does not carry the collection's document type", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset()
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var se *motor.ServerError
			if errors.As(err, &se) {
				t.Errorf("a server error: %v", err)
			}
			if n := e.sentAny(); n != 0 {
				t.Errorf("%d commands sent", n)
			}
		})
	}
	if n := e.count(t, coll.Name(), bson.D{}); n != 0 {
		t.Errorf("%d documents stored", n)
	}
}

// TestWriteNeedsNewerServer checks what needs MongoDB 8.0, newer than the
// test server (FerretDB reports wire version 21): the sort option of an
// update or replacement is sent as given and the server's refusal returned,
// as the CRUD specification asks; Client.BulkWrite fails before anything
// is sent. With a MongoDB 8.0 test server all are carried out.
func TestWriteNeedsNewerServer(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	if _, err := coll.InsertMany(e.ctx, []bson.D{{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}}, {{Key: "_id", Value: "b"}, {Key: "n", Value: 2}}}); err != nil {
		t.Fatal(err)
	}
	var hello bson.D
	if err := e.client.Database("admin").RunCommand(e.ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		t.Fatal(err)
	}
	wire := wrInt(wrGet(hello, "maxWireVersion"))
	sortDesc := bson.D{{Key: "n", Value: -1}}
	clientSide := map[string]bool{"Client.BulkWrite": true}
	calls := map[string]func() error{
		"UpdateOne sort": func() error {
			_, err := coll.UpdateOne(e.ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: 1}}}}, motor.UpdateOptions{Sort: sortDesc})
			return err
		},
		"ReplaceOne sort": func() error {
			_, err := coll.ReplaceOne(e.ctx, bson.D{}, bson.D{{Key: "n", Value: 2}, {Key: "s", Value: 1}}, motor.ReplaceOptions{Sort: sortDesc})
			return err
		},
		"BulkWrite sort": func() error {
			_, err := coll.BulkWrite(e.ctx, []motor.WriteModel{motor.UpdateOneModel{Filter: bson.D{}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: 1}}}}, Sort: sortDesc}})
			return err
		},
		"Client.BulkWrite": func() error {
			_, err := e.client.BulkWrite(e.ctx, []motor.ClientWriteModel{{Database: e.db.Name(), Collection: coll.Name(),
				Model: motor.UpdateOneModel{Filter: bson.D{{Key: "_id", Value: "b"}}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: 1}}}}}}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			e.reset()
			err := call()
			if wire >= 25 {
				if err != nil {
					t.Fatal(err)
				}
				if got := e.find(t, coll.Name(), bson.D{{Key: "s", Value: 1}}); len(got) != 1 || wrGet(got[0], "_id") != "b" {
					t.Errorf("updated %v", got)
				}
				return
			}
			if !clientSide[name] {
				var se *motor.ServerError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want the server's", err)
				}
				if up := e.sent("update"); len(up) != 1 || up[0].Lookup("updates", "0", "sort", "n").Type == 0 {
					t.Errorf("sort not sent: %v", up)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "wire version 25") || !strings.Contains(err.Error(), "wire version is 21") {
				t.Fatalf("err = %v", err)
			}
			if n := e.sentAny(); n != 0 {
				t.Errorf("%d commands sent", n)
			}
		})
	}
	if wire < 25 && e.count(t, coll.Name(), bson.D{{Key: "s", Value: 1}}) != 0 {
		t.Error("a document was changed")
	}
}

// TestUnacknowledgedWrites writes with w: 0: the results say the writes
// were not acknowledged, the commands carry no session, and the writes
// arrive.
func TestUnacknowledgedWrites(t *testing.T) {
	e := newWrEnv(t)
	acked := wrColl[bson.D](t, e)
	coll := acked.WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(0)})
	name := coll.Name()

	one, err := coll.InsertOne(e.ctx, bson.D{{Key: "_id", Value: "one"}, {Key: "n", Value: 1}})
	if err != nil || one.Acknowledged || one.InsertedID != "one" {
		t.Fatalf("%+v, %v", one, err)
	}
	e.eventually(t, name, bson.D{{Key: "_id", Value: "one"}}, 1)

	many, err := coll.InsertMany(e.ctx, []bson.D{{{Key: "n", Value: 2}}, {{Key: "n", Value: 3}}}, motor.InsertManyOptions{Ordered: new(false)})
	if err != nil || many.Acknowledged || len(many.InsertedIDs) != 2 {
		t.Fatalf("%+v, %v", many, err)
	}
	e.eventually(t, name, bson.D{}, 3)

	up, err := coll.UpdateMany(e.ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "u", Value: true}}}})
	if err != nil || up.Acknowledged || up.MatchedCount != 0 {
		t.Fatalf("%+v, %v", up, err)
	}
	e.eventually(t, name, bson.D{{Key: "u", Value: true}}, 3)

	bw, err := coll.BulkWrite(e.ctx, []motor.WriteModel{
		motor.DeleteOneModel{Filter: bson.D{{Key: "_id", Value: "one"}}},
		motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "bulk"}}},
	}, motor.BulkWriteOptions{Ordered: new(false)})
	if err != nil || bw.Acknowledged || len(bw.InsertedIDs) != 1 || bw.InsertedCount != 0 {
		t.Fatalf("%+v, %v", bw, err)
	}
	e.eventually(t, name, bson.D{{Key: "_id", Value: "bulk"}}, 1)
	e.eventually(t, name, bson.D{{Key: "_id", Value: "one"}}, 0)

	del, err := coll.DeleteMany(e.ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$gte", Value: 2}}}})
	if err != nil || del.Acknowledged || del.DeletedCount != 0 {
		t.Fatalf("%+v, %v", del, err)
	}
	e.eventually(t, name, bson.D{}, 1)

	// No reply, no document.
	got, err := coll.FindOneAndDelete(e.ctx, bson.D{{Key: "_id", Value: "bulk"}})
	if !errors.Is(err, motor.ErrUnacknowledgedWrite) || !errors.Is(err, motor.ErrNoDocuments) || got != nil {
		t.Fatalf("FindOneAndDelete: %v, %v", got, err)
	}
	e.eventually(t, name, bson.D{}, 0)

	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.started {
		switch ev.CommandName {
		case "insert", "update", "delete", "findAndModify":
			n++
			if ev.Command.Lookup("lsid").Type != 0 || ev.Command.Lookup("txnNumber").Type != 0 {
				t.Errorf("%s sent with a session: %v", ev.CommandName, ev.Command)
			}
			if w := ev.Command.Lookup("writeConcern", "w"); w.Int32() != 0 || w.Type == 0 {
				t.Errorf("%s sent without w: 0: %v", ev.CommandName, ev.Command)
			}
		}
	}
	if n != 7 {
		t.Errorf("%d writes sent, want 7", n)
	}
}

// TestAcknowledgedWritesUseSessions checks the other side: acknowledged
// writes carry the implicit session the server supports.
func TestAcknowledgedWritesUseSessions(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	if _, err := coll.InsertOne(e.ctx, bson.D{{Key: "a", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	ins := e.sent("insert")
	if len(ins) != 1 || ins[0].Lookup("lsid", "id").Type == 0 {
		t.Fatalf("insert sent %v", ins)
	}
	// A standalone server does not take retryable writes: no txnNumber. A
	// replica set or mongos does.
	var hello bson.D
	if err := e.client.Database("admin").RunCommand(e.ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		t.Fatal(err)
	}
	standalone := wrGet(hello, "setName") == nil && wrGet(hello, "msg") != "isdbgrid"
	if got := ins[0].Lookup("txnNumber").Type != 0; got == standalone {
		t.Errorf("standalone %v, txnNumber sent %v: %v", standalone, got, ins[0])
	}
}
