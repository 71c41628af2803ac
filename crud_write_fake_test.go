package motor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of the writes against a scripted server: what the test server
// cannot show (small batch limits, replica set retryable writes, wire
// version 25, replies with write concern errors).

// wrFakeOpts describe the fake server.
type wrFakeOpts struct {
	maxWire       int32
	replicaSet    bool  // a replica set primary: retryable writes apply
	maxBatch      int32 // maxWriteBatchSize, 100,000 when 0
	maxMessage    int32 // maxMessageSizeBytes, 48,000,000 when 0
	maxBSONObject int32 // maxBsonObjectSize, 16 MiB when 0
	uri           string
}

// wrFake is a scripted server: it answers hello from its options and
// every other command with reply (ok: 1 and n: the number of statements,
// when reply returns nil), and records those commands.
type wrFake struct {
	srv  *wiretest.Server
	mu   sync.Mutex
	reqs []wiretest.Request
}

func newWrFake(t testing.TB, o wrFakeOpts, reply func(req wiretest.Request) []wiretest.Reply) (*wrFake, *motor.Client) {
	t.Helper()
	wiretest.LeakCheck(t)
	or := func(v, d int32) int32 {
		if v == 0 {
			return d
		}
		return v
	}
	hello := bson.D{
		{Key: "helloOk", Value: true},
		{Key: "isWritablePrimary", Value: true},
		{Key: "maxBsonObjectSize", Value: or(o.maxBSONObject, 16<<20)},
		{Key: "maxMessageSizeBytes", Value: or(o.maxMessage, 48_000_000)},
		{Key: "maxWriteBatchSize", Value: or(o.maxBatch, 100_000)},
		{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		{Key: "minWireVersion", Value: int32(0)},
		{Key: "maxWireVersion", Value: or(o.maxWire, 21)},
		{Key: "ok", Value: 1.0},
	}
	if o.replicaSet {
		hello = append(hello, bson.E{Key: "setName", Value: "rs0"}, bson.E{Key: "setVersion", Value: int32(1)})
	}
	f := &wrFake{}
	f.srv = wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			return []wiretest.Reply{{Doc: hello}}
		case "endSessions":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		if req.Flags&wire.MoreToCome != 0 {
			return nil
		}
		if reply != nil {
			if r := reply(req); r != nil {
				return r
			}
		}
		n := 0
		for _, s := range req.Sequences {
			for range s.Documents() {
				n++
			}
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(n)}, {Key: "ok", Value: 1.0}}}}
	})
	c := connect(t, "mongodb://"+f.srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000"+o.uri, nil)
	return f, c
}

// requests returns the commands received, other than hello and
// endSessions.
func (f *wrFake) requests() []wiretest.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wiretest.Request(nil), f.reqs...)
}

// seqDocs returns the documents of the request's sequence named ident.
func seqDocs(req wiretest.Request, ident string) []bson.Raw {
	var out []bson.Raw
	for _, s := range req.Sequences {
		if s.Identifier == ident {
			for d := range s.Documents() {
				out = append(out, d)
			}
		}
	}
	return out
}

func wrDoc(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFakeInsertManyBatches(t *testing.T) {
	tests := []struct {
		name     string
		opts     wrFakeOpts
		docs     int
		pad      int
		batches  []int
		maxBytes int
	}{
		{"by count", wrFakeOpts{maxBatch: 3}, 10, 10, []int{3, 3, 3, 1}, 0},
		{"by size", wrFakeOpts{maxMessage: 3000}, 10, 400, []int{4, 4, 2}, 3000},
		{"by both", wrFakeOpts{maxBatch: 2, maxMessage: 2000}, 5, 300, []int{2, 2, 1}, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.replicaSet = true
			f, c := newWrFake(t, tt.opts, nil)
			ctx := ctxTimeout(t, 30*time.Second)
			coll := c.Database("db").Collection("c")
			var docs []bson.D
			for i := range tt.docs {
				docs = append(docs, bson.D{{Key: "i", Value: int32(i)}, {Key: "pad", Value: strings.Repeat("p", tt.pad)}})
			}
			res, err := coll.InsertMany(ctx, docs)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.InsertedIDs) != tt.docs {
				t.Fatalf("%d ids", len(res.InsertedIDs))
			}
			reqs := f.requests()
			var sizes []int
			next := 0
			var txn []int64
			for _, r := range reqs {
				if r.Command != "insert" {
					t.Fatalf("unexpected %s", r.Command)
				}
				if r.Body.Lookup("documents").Type != 0 || len(r.Sequences) != 1 || r.Sequences[0].Identifier != "documents" {
					t.Errorf("documents not sent as a document sequence: %v", r.Body)
				}
				if tt.maxBytes > 0 && int(r.Header.Length) > tt.maxBytes {
					t.Errorf("a message of %d bytes", r.Header.Length)
				}
				docs := seqDocs(r, "documents")
				for _, d := range docs {
					if d.Lookup("i").Int32() != int32(next) || d.Keys()[0] != "_id" || d.Lookup("_id").ObjectID() != res.InsertedIDs[next] {
						t.Errorf("document %d sent as %v", next, d)
					}
					next++
				}
				sizes = append(sizes, len(docs))
				txn = append(txn, r.Body.Lookup("txnNumber").Int64())
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.batches) {
				t.Errorf("batches %v, want %v", sizes, tt.batches)
			}
			// Each batch is a retryable write of its own.
			for i := 1; i < len(txn); i++ {
				if txn[i] <= txn[i-1] || txn[0] == 0 {
					t.Errorf("txnNumbers %v", txn)
				}
			}
		})
	}
}

func TestFakeBulkWriteIndexes(t *testing.T) {
	updates := 0
	f, c := newWrFake(t, wrFakeOpts{maxBatch: 2}, func(req wiretest.Request) []wiretest.Reply {
		if req.Command != "update" {
			return nil
		}
		updates++
		if updates == 1 {
			return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "nModified", Value: int32(0)},
				{Key: "upserted", Value: bson.A{bson.D{{Key: "index", Value: int32(0)}, {Key: "_id", Value: "u2"}}}},
				{Key: "writeErrors", Value: bson.A{bson.D{{Key: "index", Value: int32(1)}, {Key: "code", Value: int32(11000)}, {Key: "errmsg", Value: "dup"}}}},
				{Key: "ok", Value: 1.0}}}}
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(2)}, {Key: "nModified", Value: int32(1)},
			{Key: "upserted", Value: bson.A{bson.D{{Key: "index", Value: int32(1)}, {Key: "_id", Value: "u5"}}}},
			{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: int32(64)}, {Key: "errmsg", Value: "slow"}}},
			{Key: "ok", Value: 1.0}}}}
	})
	ctx := ctxTimeout(t, 30*time.Second)
	coll := c.Database("db").Collection("c")
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}
	models := []motor.WriteModel{
		motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "i0"}}},
		motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "i1"}}},
		motor.UpdateOneModel{Filter: bson.D{}, Update: set, Upsert: new(true)},
		motor.UpdateOneModel{Filter: bson.D{}, Update: set},
		motor.UpdateManyModel{Filter: bson.D{}, Update: set},
		motor.ReplaceOneModel[bson.D]{Filter: bson.D{}, Replacement: bson.D{{Key: "r", Value: 1}}, Upsert: new(true)},
		motor.DeleteOneModel{Filter: bson.D{}},
	}
	res, err := coll.BulkWrite(ctx, models, motor.BulkWriteOptions{Ordered: new(false), Let: bson.D{{Key: "v", Value: 1}}})
	var bwe *motor.BulkWriteException
	if !errors.As(err, &bwe) {
		t.Fatalf("err = %v", err)
	}
	if len(bwe.WriteErrors) != 1 || bwe.WriteErrors[0].Index != 3 || len(bwe.WriteConcernErrors) != 1 || bwe.WriteConcernErrors[0].Code != 64 {
		t.Errorf("exception %+v", bwe)
	}
	if res.UpsertedIDs[2] != "u2" || res.UpsertedIDs[5] != "u5" || len(res.UpsertedIDs) != 2 || res.UpsertedCount != 2 {
		t.Errorf("upserted ids %v", res.UpsertedIDs)
	}
	if res.InsertedCount != 2 || res.MatchedCount != 1 || res.ModifiedCount != 1 || res.DeletedCount != 1 {
		t.Errorf("result %+v", res)
	}
	var cmds []string
	for _, r := range f.requests() {
		cmds = append(cmds, fmt.Sprintf("%s %d", r.Command, len(seqDocs(r, r.Sequences[0].Identifier))))
		if r.Command == "insert" && r.Body.Lookup("let").Type != 0 {
			t.Errorf("let sent with the inserts")
		}
		if r.Command != "insert" && r.Body.Lookup("let", "v").Type == 0 {
			t.Errorf("let not sent with %s", r.Command)
		}
		if r.Body.Lookup("ordered").Boolean() {
			t.Errorf("%s sent ordered", r.Command)
		}
	}
	if got := strings.Join(cmds, " "); got != "insert 2 update 2 update 2 delete 1" {
		t.Errorf("commands %s", got)
	}
}

func TestFakeRetryableWrites(t *testing.T) {
	// ExceededTimeLimit: retryable, but not a state change that would
	// make the driver wait for the server to be checked again.
	retryable := []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(262)}, {Key: "codeName", Value: "ExceededTimeLimit"},
		{Key: "errmsg", Value: "too slow"}, {Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}}}}
	notRetryable := []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(2)}, {Key: "errmsg", Value: "bad value"}}}}
	labelledWCE := []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "nModified", Value: int32(1)},
		{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: int32(91)}, {Key: "errmsg", Value: "shutdown"}}},
		{Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}, {Key: "ok", Value: 1.0}}}}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}
	tests := []struct {
		name    string
		first   []wiretest.Reply // the reply to the first write command
		call    func(*motor.Collection[bson.D]) error
		sent    int  // write commands sent
		txn     bool // with a txnNumber
		wantErr bool
	}{
		{"InsertOne", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.InsertOne(ctxTimeout(t, 30*time.Second), bson.D{{Key: "a", Value: 1}})
			return err
		}, 2, true, false},
		{"UpdateOne", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.UpdateOne(ctxTimeout(t, 30*time.Second), bson.D{}, set)
			return err
		}, 2, true, false},
		{"ReplaceOne", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.ReplaceOne(ctxTimeout(t, 30*time.Second), bson.D{}, bson.D{{Key: "r", Value: 1}})
			return err
		}, 2, true, false},
		{"DeleteOne", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.DeleteOne(ctxTimeout(t, 30*time.Second), bson.D{})
			return err
		}, 2, true, false},
		{"FindOneAndDelete", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.FindOneAndDelete(ctxTimeout(t, 30*time.Second), bson.D{})
			if errors.Is(err, motor.ErrNoDocuments) {
				return nil
			}
			return err
		}, 2, true, false},
		{"InsertMany", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.InsertMany(ctxTimeout(t, 30*time.Second), []bson.D{{{Key: "a", Value: 1}}, {{Key: "a", Value: 2}}})
			return err
		}, 2, true, false},
		{"write concern error labelled retryable", labelledWCE, func(c *motor.Collection[bson.D]) error {
			_, err := c.UpdateOne(ctxTimeout(t, 30*time.Second), bson.D{}, set)
			return err
		}, 2, true, false},
		{"UpdateMany is not retried", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.UpdateMany(ctxTimeout(t, 30*time.Second), bson.D{}, set)
			return err
		}, 1, false, true},
		{"DeleteMany is not retried", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.DeleteMany(ctxTimeout(t, 30*time.Second), bson.D{})
			return err
		}, 1, false, true},
		{"a bulk batch with UpdateMany is not retried", retryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), []motor.WriteModel{
				motor.UpdateOneModel{Filter: bson.D{}, Update: set}, motor.UpdateManyModel{Filter: bson.D{}, Update: set}})
			return err
		}, 1, false, true},
		{"a non-retryable error is not retried", notRetryable, func(c *motor.Collection[bson.D]) error {
			_, err := c.InsertOne(ctxTimeout(t, 30*time.Second), bson.D{{Key: "a", Value: 1}})
			return err
		}, 1, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			f, c := newWrFake(t, wrFakeOpts{replicaSet: true}, func(req wiretest.Request) []wiretest.Reply {
				n++
				if n == 1 {
					return tt.first
				}
				if req.Command == "findAndModify" {
					return []wiretest.Reply{{Doc: bson.D{{Key: "value", Value: nil}, {Key: "ok", Value: 1.0}}}}
				}
				return nil
			})
			err := tt.call(c.Database("db").Collection("c"))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			reqs := f.requests()
			if len(reqs) != tt.sent {
				t.Fatalf("%d commands sent, want %d", len(reqs), tt.sent)
			}
			first := reqs[0].Body
			if has := first.Lookup("txnNumber").Type != 0; has != tt.txn {
				t.Errorf("txnNumber sent: %v", has)
			}
			if first.Lookup("lsid").Type == 0 {
				t.Error("no lsid")
			}
			if tt.sent == 2 {
				second := reqs[1].Body
				if !second.Lookup("txnNumber").Equal(first.Lookup("txnNumber")) || !second.Lookup("lsid").Equal(first.Lookup("lsid")) {
					t.Errorf("the retry changed the transaction id: %v then %v", first, second)
				}
			}
		})
	}
}

func TestFakeRetryableWritesDisabled(t *testing.T) {
	f, c := newWrFake(t, wrFakeOpts{replicaSet: true, uri: "&retryWrites=false"}, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(91)}, {Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}}}}
	})
	_, err := c.Database("db").Collection("c").InsertOne(ctxTimeout(t, 30*time.Second), bson.D{{Key: "a", Value: 1}})
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 91 {
		t.Fatalf("err = %v", err)
	}
	if reqs := f.requests(); len(reqs) != 1 || reqs[0].Body.Lookup("txnNumber").Type != 0 {
		t.Errorf("sent %d", len(reqs))
	}
}

func TestFakeUnacknowledged(t *testing.T) {
	for _, wv := range []int32{8, 21} {
		t.Run(fmt.Sprint("wire ", wv), func(t *testing.T) {
			f, c := newWrFake(t, wrFakeOpts{maxWire: wv, replicaSet: true}, nil)
			ctx := ctxTimeout(t, 30*time.Second)
			coll := c.Database("db").Collection("c").WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(0)})
			res, err := coll.InsertMany(ctx, []bson.D{{{Key: "a", Value: 1}}, {{Key: "a", Value: 2}}}, motor.InsertManyOptions{Ordered: new(false)})
			if err != nil || res.Acknowledged || len(res.InsertedIDs) != 2 {
				t.Fatalf("%+v, %v", res, err)
			}
			_, err = coll.DeleteOne(ctx, bson.D{}, motor.DeleteOptions{Hint: "_id_"})
			if wv < 9 {
				if err == nil || !strings.Contains(err.Error(), "hint on an unacknowledged write") {
					t.Fatalf("hint on wire %d: %v", wv, err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			// The connection still works: a ping after the moreToCome
			// messages gets its reply.
			if err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			want := 1 // the two documents go in one insert
			if wv >= 9 {
				want = 2 // and the delete
			}
			if len(reqs) != want+1 {
				t.Fatalf("%d commands sent", len(reqs))
			}
			for _, r := range reqs[:want] {
				if r.Flags&wire.MoreToCome == 0 {
					t.Errorf("%s sent without moreToCome", r.Command)
				}
				if r.Body.Lookup("lsid").Type != 0 || r.Body.Lookup("txnNumber").Type != 0 {
					t.Errorf("%s sent with a session: %v", r.Command, r.Body)
				}
				if w := r.Body.Lookup("writeConcern", "w"); w.Type == 0 || w.Int32() != 0 {
					t.Errorf("%s sent without w: 0", r.Command)
				}
			}
		})
	}
}

// TestFakeSort checks that the sort option is sent as given, whatever the
// server's wire version: the server refuses what it cannot do.
func TestFakeSort(t *testing.T) {
	for _, wv := range []int32{21, 25} {
		f, c := newWrFake(t, wrFakeOpts{maxWire: wv}, func(req wiretest.Request) []wiretest.Reply {
			return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "nModified", Value: int32(1)}, {Key: "ok", Value: 1.0}}}}
		})
		ctx := ctxTimeout(t, 30*time.Second)
		coll := c.Database("db").Collection("c")
		sortDoc := bson.D{{Key: "n", Value: -1}}
		set := bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}
		if _, err := coll.UpdateOne(ctx, bson.D{}, set, motor.UpdateOptions{Sort: sortDoc}); err != nil {
			t.Fatal(err)
		}
		if _, err := coll.UpdateMany(ctx, bson.D{}, set, motor.UpdateOptions{Sort: sortDoc}); err != nil {
			t.Fatal(err)
		}
		if _, err := coll.ReplaceOne(ctx, bson.D{}, bson.D{{Key: "a", Value: 1}}, motor.ReplaceOptions{Sort: sortDoc}); err != nil {
			t.Fatal(err)
		}
		if _, err := coll.BulkWrite(ctx, []motor.WriteModel{motor.ReplaceOneModel[bson.D]{Filter: bson.D{}, Replacement: bson.D{}, Sort: sortDoc}}); err != nil {
			t.Fatal(err)
		}
		reqs := f.requests()
		if len(reqs) != 4 {
			t.Fatalf("wire %d: %d commands", wv, len(reqs))
		}
		for _, r := range reqs {
			if st := seqDocs(r, "updates"); len(st) != 1 || st[0].Lookup("sort", "n").Int32() != -1 {
				t.Errorf("wire %d: sort not sent: %v", wv, st)
			}
		}
	}
}

func TestFakeWriteConcernErrors(t *testing.T) {
	wce := bson.D{{Key: "code", Value: int32(64)}, {Key: "codeName", Value: "WriteConcernFailed"}, {Key: "errmsg", Value: "waiting for replication timed out"},
		{Key: "errInfo", Value: bson.D{{Key: "wtimeout", Value: true}}}}
	f, c := newWrFake(t, wrFakeOpts{maxBatch: 1}, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "nModified", Value: int32(1)}, {Key: "writeConcernError", Value: wce}, {Key: "ok", Value: 1.0}}}}
	})
	ctx := ctxTimeout(t, 30*time.Second)
	coll := c.Database("db").Collection("c").WithWriteConcern(&motor.WriteConcern{W: motor.WMajority()})

	res, err := coll.UpdateOne(ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}})
	var we *motor.WriteException
	if !errors.As(err, &we) || we.WriteConcernError == nil || we.WriteConcernError.Code != 64 || len(we.WriteErrors) != 0 ||
		!we.WriteConcernError.Details.Lookup("wtimeout").Boolean() {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.MatchedCount != 1 {
		t.Errorf("the result is lost: %+v", res)
	}
	// InsertMany goes on after a write concern error and reports them all.
	many, err := coll.InsertMany(ctx, []bson.D{{{Key: "a", Value: 1}}, {{Key: "a", Value: 2}}, {{Key: "a", Value: 3}}})
	var bwe *motor.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteConcernErrors) != 3 || len(bwe.WriteErrors) != 0 || bwe.PartialResult.InsertedCount != 3 {
		t.Fatalf("err = %v", err)
	}
	if len(many.InsertedIDs) != 3 {
		t.Errorf("ids %v", many.InsertedIDs)
	}
	for _, r := range f.requests() {
		if r.Body.Lookup("writeConcern", "w").StringValue() != "majority" {
			t.Errorf("%s sent without the write concern: %v", r.Command, r.Body)
		}
	}
}

// TestFakeTopLevelErrorMidway checks a command error after a first batch
// was written: InsertMany reports it in a BulkWriteException with the
// partial result.
func TestFakeTopLevelErrorMidway(t *testing.T) {
	n := 0
	_, c := newWrFake(t, wrFakeOpts{maxBatch: 2}, func(req wiretest.Request) []wiretest.Reply {
		n++
		if n == 2 {
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(13)}, {Key: "codeName", Value: "Unauthorized"}, {Key: "errmsg", Value: "no"}}}}
		}
		return nil
	})
	res, err := c.Database("db").Collection("c").InsertMany(ctxTimeout(t, 30*time.Second),
		[]bson.D{{{Key: "_id", Value: 1}}, {{Key: "_id", Value: 2}}, {{Key: "_id", Value: 3}}, {{Key: "_id", Value: 4}}})
	var bwe *motor.BulkWriteException
	if !errors.As(err, &bwe) || !errors.Is(err, motor.ErrUnauthorized) || bwe.Err == nil || bwe.PartialResult.InsertedCount != 2 {
		t.Fatalf("err = %v", err)
	}
	if len(res.InsertedIDs) != 2 || res.InsertedIDs[1] != int32(2) {
		t.Errorf("ids %v", res.InsertedIDs)
	}
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 13 {
		t.Errorf("the server error is not reachable: %v", err)
	}
}

// TestFakeCancelMidway cancels InsertMany while its second batch waits for
// a reply: the error holds the context's and the first batch's result.
func TestFakeCancelMidway(t *testing.T) {
	n := 0
	_, c := newWrFake(t, wrFakeOpts{maxBatch: 2}, func(req wiretest.Request) []wiretest.Reply {
		n++
		if n == 2 {
			return []wiretest.Reply{{Delay: 5 * time.Second, Doc: bson.D{{Key: "n", Value: int32(2)}, {Key: "ok", Value: 1.0}}}}
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := c.Database("db").Collection("c").InsertMany(ctx, []bson.D{{{Key: "a", Value: 1}}, {{Key: "a", Value: 2}}, {{Key: "a", Value: 3}}})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("InsertMany returned %v after the deadline", d)
	}
	var bwe *motor.BulkWriteException
	if !errors.As(err, &bwe) || !errors.Is(err, context.DeadlineExceeded) || bwe.PartialResult.InsertedCount != 2 {
		t.Fatalf("err = %v", err)
	}
	if len(res.InsertedIDs) != 2 {
		t.Errorf("ids %v", res.InsertedIDs)
	}
}

// TestFakeBulkWriteFirstCommandFails: a BulkWrite whose first command
// reaches the server and fails reports a BulkWriteException with an empty
// partial result (the retryable writes tests expect one); a bulk write that
// fails before anything is sent returns the bare client-side error.
func TestFakeBulkWriteFirstCommandFails(t *testing.T) {
	_, c := newWrFake(t, wrFakeOpts{}, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(13)}, {Key: "codeName", Value: "Unauthorized"}, {Key: "errmsg", Value: "no"}}}}
	})
	coll := c.Database("db").Collection("c")
	ctx := ctxTimeout(t, 30*time.Second)
	res, err := coll.BulkWrite(ctx, []motor.WriteModel{motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: 1}}}})
	var bwe *motor.BulkWriteException
	if !errors.As(err, &bwe) || !errors.Is(err, motor.ErrUnauthorized) || bwe.PartialResult == nil || bwe.PartialResult.InsertedCount != 0 {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.InsertedCount != 0 {
		t.Errorf("result %+v", res)
	}
	_, err = coll.BulkWrite(ctx, []motor.WriteModel{motor.UpdateOneModel{Filter: bson.D{}, Update: bson.D{{Key: "x", Value: 1}}}})
	if err == nil || errors.As(err, &bwe) {
		t.Errorf("an update without operators: err = %v, want a bare client-side error", err)
	}
}
