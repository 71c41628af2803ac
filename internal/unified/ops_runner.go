package unified

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// specialOps are the operations of the object "testRunner".
var specialOps map[string]func(ctx context.Context, tr *testRun, a *args) error

func init() {
	specialOps = map[string]func(ctx context.Context, tr *testRun, a *args) error{
		"failPoint":                            opFailPoint,
		"targetedFailPoint":                    opTargetedFailPoint,
		"assertSessionTransactionState":        opAssertTxnState,
		"assertSessionPinned":                  opAssertPinned(true),
		"assertSessionUnpinned":                opAssertPinned(false),
		"assertSessionDirty":                   opSessionDirty(true),
		"assertSessionNotDirty":                opSessionDirty(false),
		"assertSameLsidOnLastTwoCommands":      opLsidOnLastTwoCommands(true),
		"assertDifferentLsidOnLastTwoCommands": opLsidOnLastTwoCommands(false),
		"assertCollectionExists":               opCollectionExists(true),
		"assertCollectionNotExists":            opCollectionExists(false),
		"assertIndexExists":                    opIndexExists(true),
		"assertIndexNotExists":                 opIndexExists(false),
		"createEntities":                       opCreateEntities,
		"assertNumberConnectionsCheckedOut":    opConnectionsCheckedOut,
		"runOnThread":                          opRunOnThread,
		"waitForThread":                        opWaitForThread,
		"waitForEvent":                         opWaitForEvent,
		"assertEventCount":                     opAssertEventCount,
		"recordTopologyDescription":            opRecordTopology,
		"assertTopologyType":                   opAssertTopologyType,
		"waitForPrimaryChange":                 opWaitForPrimaryChange,
		"wait":                                 opWait,
		"loop":                                 opLoop,
	}
}

// runSpecial runs a special operation; an unknown one is an error.
func (tr *testRun) runSpecial(ctx context.Context, name string, a *args) error {
	f, ok := specialOps[name]
	if !ok {
		return fmt.Errorf("unified: unknown special operation %q", name)
	}
	return f(ctx, tr, a)
}

// clientArg returns the client entity named by the argument "client".
func (tr *testRun) clientArg(a *args) (*clientEntity, error) {
	name, err := a.str("client", true)
	if err != nil {
		return nil, err
	}
	return entityAs[*clientEntity](tr.entities, name, "client")
}

// opFailPoint configures a fail point with the client entity, on the
// primary, and records it to be disabled after the test.
func opFailPoint(ctx context.Context, tr *testRun, a *args) error {
	fp, _, err := a.document("failPoint", true)
	if err != nil {
		return err
	}
	c, err := tr.clientArg(a)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	name, ok := fp.Lookup("configureFailPoint").StringValueOK()
	if !ok {
		return fmt.Errorf("unified: failPoint: the command has no configureFailPoint name: %s", fp)
	}
	c.log.mu.Lock()
	c.log.failPointCommands++
	c.log.mu.Unlock()
	db, err := c.client.Database("admin").WithReadPreference(motor.ReadPreference{Mode: motor.ReadPrimary})
	if err != nil {
		return err
	}
	if err := db.RunCommand(ctx, fp).Err(); err != nil {
		return fmt.Errorf("unified: failPoint %s: %w", name, err)
	}
	tr.mu.Lock()
	tr.failPoints = append(tr.failPoints, name)
	tr.mu.Unlock()
	return nil
}

// opLsidOnLastTwoCommands compares the lsid of the client's last two
// observed commandStartedEvents.
func opLsidOnLastTwoCommands(same bool) func(context.Context, *testRun, *args) error {
	return func(_ context.Context, tr *testRun, a *args) error {
		c, err := tr.clientArg(a)
		if err != nil {
			return err
		}
		if err := a.check(); err != nil {
			return err
		}
		all, _ := c.log.snapshot()
		var started []*observedEvent
		for _, e := range all {
			if e.kind == "commandStartedEvent" {
				started = append(started, e)
			}
		}
		if len(started) < 2 {
			return &ExpectationError{Msg: fmt.Sprintf("%s: %d commandStartedEvent(s) observed, need 2", a.op, len(started))}
		}
		x, y := started[len(started)-2].command.Lookup("lsid"), started[len(started)-1].command.Lookup("lsid")
		if x.Type == 0 || y.Type == 0 {
			return &ExpectationError{Msg: fmt.Sprintf("%s: a command has no lsid: %s, %s", a.op, show(x), show(y))}
		}
		if exactEqual(x, y) != same {
			return &ExpectationError{Msg: fmt.Sprintf("%s: lsids %s and %s", a.op, show(x), show(y))}
		}
		return nil
	}
}

// namespaceArgs reads databaseName and collectionName.
func namespaceArgs(a *args) (string, string, error) {
	db, err := a.str("databaseName", true)
	if err != nil {
		return "", "", err
	}
	coll, err := a.str("collectionName", true)
	return db, coll, err
}

// opCollectionExists checks with listCollections, on the internal client.
func opCollectionExists(want bool) func(context.Context, *testRun, *args) error {
	return func(ctx context.Context, tr *testRun, a *args) error {
		dbName, coll, err := namespaceArgs(a)
		if err != nil {
			return err
		}
		if err := a.check(); err != nil {
			return err
		}
		cmd := bson.D{{Key: "listCollections", Value: 1}, {Key: "filter", Value: bson.D{{Key: "name", Value: coll}}}}
		got, err := tr.readAll(ctx, dbName, coll, cmd)
		if err != nil {
			return fmt.Errorf("unified: %s: listCollections: %w", a.op, err)
		}
		if exists := len(got) > 0; exists != want {
			return &ExpectationError{Msg: fmt.Sprintf("%s: collection %s.%s exists: %v", a.op, dbName, coll, exists)}
		}
		return nil
	}
}

// opIndexExists checks with listIndexes, on the internal client.
func opIndexExists(want bool) func(context.Context, *testRun, *args) error {
	return func(ctx context.Context, tr *testRun, a *args) error {
		dbName, coll, err := namespaceArgs(a)
		if err != nil {
			return err
		}
		index, err := a.str("indexName", true)
		if err != nil {
			return err
		}
		if err := a.check(); err != nil {
			return err
		}
		got, err := tr.readAll(ctx, dbName, coll, bson.D{{Key: "listIndexes", Value: coll}})
		if err != nil && !errors.Is(err, motor.ErrNamespaceNotFound) {
			return fmt.Errorf("unified: %s: listIndexes: %w", a.op, err)
		}
		exists := false
		for _, d := range got {
			exists = exists || d.Lookup("name").StringValue() == index
		}
		if exists != want {
			return &ExpectationError{Msg: fmt.Sprintf("%s: index %s on %s.%s exists: %v", a.op, index, dbName, coll, exists)}
		}
		return nil
	}
}

func opCreateEntities(ctx context.Context, tr *testRun, a *args) error {
	v, err := a.required("entities")
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	if err := arrayOf(1, entityRule())("$entities", v); err != nil {
		return err
	}
	return tr.createEntities(ctx, docs(v))
}

func opConnectionsCheckedOut(_ context.Context, tr *testRun, a *args) error {
	c, err := tr.clientArg(a)
	if err != nil {
		return err
	}
	want, _, err := a.integer("connections", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	if got := c.log.checkedOutCount(); got != want {
		return &ExpectationError{Msg: fmt.Sprintf("client %q has %d connection(s) checked out, want %d", c.id, got, want)}
	}
	return nil
}

// eventArgs reads the client, event and count of waitForEvent and
// assertEventCount.
func eventArgs(tr *testRun, a *args) (*clientEntity, bson.Raw, int, error) {
	c, err := tr.clientArg(a)
	if err != nil {
		return nil, nil, 0, err
	}
	ev, _, err := a.document("event", true)
	if err != nil {
		return nil, nil, 0, err
	}
	n, _, err := a.integer("count", true)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := a.check(); err != nil {
		return nil, nil, 0, err
	}
	if err := expectedEventRule()("$event", docValue(ev)); err != nil {
		return nil, nil, 0, err
	}
	return c, ev, int(n), nil
}

// opWaitForEvent waits up to 10 seconds for count matching events.
func opWaitForEvent(ctx context.Context, tr *testRun, a *args) error {
	c, ev, want, err := eventArgs(tr, a)
	if err != nil {
		return err
	}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		evs, changed := c.log.snapshot()
		n, err := tr.m.countMatching(evs, ev)
		if err != nil {
			return err
		}
		if n >= want {
			return nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return &ExpectationError{Msg: fmt.Sprintf("waitForEvent: %d of %d %s event(s) after 10s; observed: %s", n, want, ev, describeEvents(evs))}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func opAssertEventCount(_ context.Context, tr *testRun, a *args) error {
	c, ev, want, err := eventArgs(tr, a)
	if err != nil {
		return err
	}
	evs, _ := c.log.snapshot()
	n, err := tr.m.countMatching(evs, ev)
	if err != nil {
		return err
	}
	if n != want {
		return &ExpectationError{Msg: fmt.Sprintf("assertEventCount: %d %s event(s), want %d; observed: %s", n, ev, want, describeEvents(evs))}
	}
	return nil
}

func opWait(ctx context.Context, _ *testRun, a *args) error {
	ms, _, err := a.integer("ms", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
