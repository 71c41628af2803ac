package motor_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of the cursors the driver drains itself (listIndexes,
// listCollections, the bulkWrite results cursor) behind a load balancer,
// where the cursor's connection stays pinned to its session until the
// session ends: every getMore and killCursors must use that connection,
// and the connection and the session must go back exactly once.

// lbFake is an admFake behind a load balancer (its hello carries a
// serviceId) that counts the pool's check-outs and check-ins.
type lbFake struct {
	*admFake

	pmu                   sync.Mutex // the monitor may run before admFake is set
	checkedOut, checkedIn int
}

func newLBFake(t *testing.T, reply func(req wiretest.Request) []wiretest.Reply) (*lbFake, *motor.Client) {
	t.Helper()
	f := &lbFake{}
	hello := append(admHello(25), bson.E{Key: "msg", Value: "isdbgrid"}, bson.E{Key: "serviceId", Value: bson.NewObjectID()})
	var c *motor.Client
	f.admFake, c = newAdmFakeWith(t, hello, "loadBalanced=true", func(cfg *motor.Config) {
		cfg.PoolMonitor = &event.PoolMonitor{
			ConnectionCheckedOut: func(event.ConnectionCheckedOutEvent) { f.pmu.Lock(); f.checkedOut++; f.pmu.Unlock() },
			ConnectionCheckedIn:  func(event.ConnectionCheckedInEvent) { f.pmu.Lock(); f.checkedIn++; f.pmu.Unlock() },
		}
	}, reply)
	return f, c
}

// check reports commands run on other connections than the first one's
// (the cursor's), and connections checked out but not back in.
func (f *lbFake) check(t *testing.T, want string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var names string
	for i, r := range f.reqs {
		if i > 0 {
			names += ","
		}
		names += r.Command
		if r.Conn != f.reqs[0].Conn {
			t.Errorf("%s on connection %d, the cursor's is %d", r.Command, r.Conn, f.reqs[0].Conn)
		}
	}
	if names != want {
		t.Errorf("commands %s, want %s", names, want)
	}
	f.pmu.Lock()
	defer f.pmu.Unlock()
	if f.checkedOut != f.checkedIn {
		t.Errorf("%d check-outs, %d check-ins: the pinned connection was not returned once", f.checkedOut, f.checkedIn)
	}
	f.reqs = nil
}

func TestDrainedCursorsLoadBalanced(t *testing.T) {
	var failGetMore bool
	var mu sync.Mutex
	f, c := newLBFake(t, func(req wiretest.Request) []wiretest.Reply {
		mu.Lock()
		fail := failGetMore
		mu.Unlock()
		switch req.Command {
		case "listIndexes":
			return admCursorReply(8, "d.c", "firstBatch", admIndexDoc("_id_", bson.D{{Key: "_id", Value: 1}}))
		case "listCollections":
			return admCursorReply(0, "d.$cmd.listCollections", "firstBatch", bson.D{{Key: "name", Value: "c"}, {Key: "type", Value: "collection"}})
		case "bulkWrite":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "nErrors", Value: int32(0)}, {Key: "nInserted", Value: int32(2)},
				{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(9)}, {Key: "ns", Value: "admin.$cmd.bulkWrite"},
					{Key: "firstBatch", Value: bson.A{bson.D{{Key: "ok", Value: 1.0}, {Key: "idx", Value: int32(0)}, {Key: "n", Value: int32(1)}}}}}}}}}
		case "getMore":
			if fail {
				return admErrorReply(96, "OperationFailed", "boom")
			}
			if req.Body.Lookup("collection").StringValue() == "$cmd.bulkWrite" {
				return admCursorReply(0, "admin.$cmd.bulkWrite", "nextBatch", bson.D{{Key: "ok", Value: 1.0}, {Key: "idx", Value: int32(1)}, {Key: "n", Value: int32(1)}})
			}
			return admCursorReply(0, "d.c", "nextBatch", admIndexDoc("a_1", bson.D{{Key: "a", Value: 1}}))
		case "find":
			return admCursorReply(5, "d.c", "firstBatch", bson.D{{Key: "_id", Value: 1}})
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	coll := c.Database("d").Collection("c")

	names, err := coll.Indexes().ListNames(ctx)
	if err != nil || len(names) != 2 {
		t.Fatalf("ListNames = %v, %v", names, err)
	}
	f.check(t, "listIndexes,getMore")

	if _, err := c.Database("d").ListCollectionNames(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	f.check(t, "listCollections")

	res, err := c.BulkWrite(ctx, []motor.ClientWriteModel{
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: 1}}}},
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: 2}}}},
	}, motor.ClientBulkWriteOptions{VerboseResults: true})
	if err != nil || len(res.InsertResults) != 2 {
		t.Fatalf("BulkWrite = %+v, %v", res, err)
	}
	f.check(t, "bulkWrite,getMore")

	mu.Lock()
	failGetMore = true
	mu.Unlock()
	var se *motor.ServerError
	if _, err := coll.Indexes().List(ctx); !errors.As(err, &se) || se.Code != 96 {
		t.Fatalf("List with a failing getMore: err = %v", err)
	}
	f.check(t, "listIndexes,getMore,killCursors")
	_, err = c.BulkWrite(ctx, []motor.ClientWriteModel{
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: 3}}}},
	})
	var cbe *motor.ClientBulkWriteException
	if !errors.As(err, &cbe) || !errors.As(cbe.Err, &se) || se.Code != 96 {
		t.Fatalf("BulkWrite with a failing getMore: err = %v", err)
	}
	f.check(t, "bulkWrite,getMore,killCursors")

	// Every session went back to the pool once: two cursors open at the
	// same time hold two sessions.
	a, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	f.mu.Lock()
	finds := f.reqs
	f.mu.Unlock()
	if len(finds) != 2 || finds[0].Body.Lookup("lsid").Equal(finds[1].Body.Lookup("lsid")) {
		t.Errorf("two open cursors share a session: %v", finds)
	}
}
