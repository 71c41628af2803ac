package unified

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Outcome is how a test ended.
type Outcome int

// The outcomes of a test.
const (
	Passed Outcome = iota
	Skipped
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Passed:
		return "passed"
	case Skipped:
		return "skipped"
	}
	return "failed"
}

// Result is the result of one test.
type Result struct {
	// Test is the test.
	Test *Test
	// Outcome is how it ended.
	Outcome Outcome
	// Target is the target it ran against, nil when it did not run.
	Target *Target
	// Reason says why a skipped test was skipped.
	Reason string
	// Err is why a failed test failed.
	Err error
}

// Runner runs unified tests.
type Runner struct {
	// Targets are the deployments tests can run against. A test runs
	// against the first one that meets its runOnRequirements (and its
	// file's).
	Targets []*Target
	// Skips lists the tests not to run against targets with UseSkips.
	Skips *SkipList
	// LoopIterations bounds each loop operation to that many iterations
	// when positive. Without it a loop runs until StopLoops is called or
	// the test's context ends, as the specification requires.
	LoopIterations int
	// AfterTest, if set, is called after each test that ran, before its
	// entities are closed, with a way to read the BSON entities.
	AfterTest func(t *Test, value func(name string) (bson.RawValue, error))
	// Logf, if set, receives the runner's notes (the target chosen, the
	// clean-up errors).
	Logf func(format string, args ...any)

	stopOnce  sync.Once
	stopLoops chan struct{}
	initOnce  sync.Once
}

func (r *Runner) init() {
	r.initOnce.Do(func() { r.stopLoops = make(chan struct{}) })
}

// StopLoops asks every loop operation, running or to come, to stop after
// its current iteration.
func (r *Runner) StopLoops() {
	r.init()
	r.stopOnce.Do(func() { close(r.stopLoops) })
}

func (r *Runner) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// Run runs one test: it checks skipReason, picks a target that meets the
// runOnRequirements, consults the skip list, then sets up and runs the test
// and checks its expectations.
func (r *Runner) Run(ctx context.Context, t *Test) Result {
	r.init()
	res := Result{Test: t}
	if t.SkipReason != "" {
		res.Outcome, res.Reason = Skipped, "skipReason: "+t.SkipReason
		return res
	}
	var why []string
	for _, target := range r.Targets {
		ok, reason, err := target.satisfies(ctx, t.file.runOn)
		if err == nil && ok {
			ok, reason, err = target.satisfies(ctx, t.runOn)
		}
		if err != nil {
			res.Outcome, res.Err = Failed, fmt.Errorf("unified: checking runOnRequirements on %s: %w", target.Name, err)
			return res
		}
		if ok {
			res.Target = target
			break
		}
		why = append(why, target.String()+": "+reason)
	}
	if res.Target == nil {
		res.Outcome = Skipped
		res.Reason = "runOnRequirements not met: " + strings.Join(why, "; ")
		return res
	}
	var skip *Skip
	if res.Target.UseSkips && r.Skips != nil {
		var err error
		if skip, err = r.Skips.consult(t, res.Target); err != nil {
			res.Outcome, res.Err = Failed, err
			return res
		}
		if skip != nil && skip.ServerSays == "" && skip.Needs != ServerAccepts {
			res.Outcome, res.Reason = Skipped, skip.reason()
			return res
		}
	}
	tr := &testRun{r: r, target: res.Target, test: t, entities: newEntityMap()}
	tr.m = &matcher{entities: tr.entities}
	err := tr.run(ctx)
	switch {
	case skip != nil && skip.Needs == ServerAccepts && err == nil:
		res.Outcome, res.Reason = Skipped, skip.reason()
	case skip != nil && skip.Needs == ServerAccepts:
		res.Outcome, res.Err = Failed, fmt.Errorf("unified: the skip list says the server accepts this test's input, but the test failed: %w", err)
	case skip != nil && err == nil:
		res.Outcome, res.Err = Failed, fmt.Errorf("unified: the skip list says this test fails (%s) but it passes: remove the entry", skip.ServerSays)
	case skip != nil && !strings.Contains(err.Error(), skip.ServerSays):
		res.Outcome, res.Err = Failed, fmt.Errorf("unified: the skip list expects the error %q, the test failed otherwise: %w", skip.ServerSays, err)
	case skip != nil:
		res.Outcome, res.Reason = Skipped, skip.reason()
	case err != nil:
		res.Outcome, res.Err = Failed, err
	default:
		res.Outcome = Passed
	}
	return res
}

// testRun is the state of one test as it runs.
type testRun struct {
	r        *Runner
	target   *Target
	test     *Test
	entities *entityMap
	m        *matcher

	mu         sync.Mutex
	failPoints []string // names of the fail points the test configured
	tracked    []interface{ closeEntity(context.Context) }
}

// run executes the test and returns the first error or failed assertion.
// It always cleans up: fail points off, threads ended, clients closed.
func (tr *testRun) run(ctx context.Context) (err error) {
	defer func() {
		if cerr := tr.cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := tr.loadInitialData(ctx); err != nil {
		return err
	}
	if err := tr.createEntities(ctx, tr.test.file.createEntities); err != nil {
		return err
	}
	for i, op := range tr.test.operations {
		if err := tr.runOperation(ctx, op); err != nil {
			return fmt.Errorf("operations[%d] (%s on %s): %w", i, op.Lookup("name").StringValue(), op.Lookup("object").StringValue(), err)
		}
	}
	for _, e := range tr.entities.all() {
		if c, ok := e.(*clientEntity); ok {
			c.log.stop()
			if c.logs != nil {
				c.logs.stop()
			}
		}
	}
	if err := tr.disableFailPoints(ctx); err != nil {
		return err
	}
	if err := tr.checkEvents(); err != nil {
		return err
	}
	if err := tr.checkLogMessages(); err != nil {
		return err
	}
	if tr.test.expectTracing.Type != 0 {
		return errors.New("unified: expectTracingMessages: Motor has no tracing API")
	}
	if err := tr.checkOutcome(ctx); err != nil {
		return err
	}
	if tr.r.AfterTest != nil {
		tr.r.AfterTest(tr.test, tr.entities.bsonValue)
	}
	return nil
}

// cleanup ends the test's threads, disables its fail points (after a
// failure) and closes its clients and cursors.
func (tr *testRun) cleanup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	for _, e := range tr.entities.all() {
		if th, ok := e.(*threadEntity); ok {
			th.stop()
		}
	}
	if err := tr.disableFailPoints(ctx); err != nil {
		errs = append(errs, err)
	}
	tr.mu.Lock()
	tracked := tr.tracked
	tr.mu.Unlock()
	for _, e := range tracked {
		e.closeEntity(ctx)
	}
	ents := tr.entities.all()
	for i := len(ents) - 1; i >= 0; i-- {
		switch e := ents[i].(type) {
		case *clientEntity:
			if err := e.close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("closing client %q: %w", e.id, err))
			}
		case interface{ closeEntity(context.Context) }:
			e.closeEntity(ctx)
		}
	}
	return errors.Join(errs...)
}

// disableFailPoints turns off the fail points the test configured, with the
// internal client: on a standalone or replica set target it reaches the
// same server (the primary) the test's failPoint did. On a sharded target
// it turns them off on every router of the seed list, one of which got
// the failPoint.
func (tr *testRun) disableFailPoints(ctx context.Context) error {
	tr.mu.Lock()
	names := tr.failPoints
	tr.failPoints = nil
	tr.mu.Unlock()
	var errs []error
	for _, name := range names {
		cmd := bson.D{{Key: "configureFailPoint", Value: name}, {Key: "mode", Value: "off"}}
		for _, c := range tr.target.failPointClients() {
			if err := c.Database("admin").RunCommand(ctx, cmd).Err(); err != nil {
				errs = append(errs, fmt.Errorf("unified: disabling fail point %s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

var majority = bson.D{{Key: "w", Value: "majority"}}

// loadInitialData sets up the collections of initialData with the internal
// client and a majority write concern.
func (tr *testRun) loadInitialData(ctx context.Context) error {
	for i, cd := range tr.test.file.initialData {
		db := tr.target.client.Database(cd.Lookup("databaseName").StringValue())
		coll := cd.Lookup("collectionName").StringValue()
		for _, name := range []string{coll, "enxcol_." + coll + ".esc", "enxcol_." + coll + ".ecoc"} {
			err := db.RunCommand(ctx, bson.D{{Key: "drop", Value: name}, {Key: "writeConcern", Value: majority}}).Err()
			if err != nil && !errors.Is(err, motor.ErrNamespaceNotFound) {
				return fmt.Errorf("initialData[%d]: drop %s: %w", i, name, err)
			}
		}
		docs := cd.Lookup("documents").Array()
		createOpts, hasCreate := cd.Lookup("createOptions").DocumentOK()
		if hasCreate || docs.Len() == 0 {
			cmd := bson.D{{Key: "create", Value: coll}}
			for k, v := range createOpts.Elements() {
				cmd = append(cmd, bson.E{Key: k, Value: v})
			}
			cmd = append(cmd, bson.E{Key: "writeConcern", Value: majority})
			if err := db.RunCommand(ctx, cmd).Err(); err != nil {
				return fmt.Errorf("initialData[%d]: create %s: %w", i, coll, err)
			}
		}
		if docs.Len() > 0 {
			cmd := bson.D{{Key: "insert", Value: coll}, {Key: "documents", Value: cd.Lookup("documents")}, {Key: "writeConcern", Value: majority}}
			raw, err := db.RunCommand(ctx, cmd).Raw()
			if err == nil {
				if we := raw.Lookup("writeErrors"); we.Type != 0 {
					err = fmt.Errorf("write errors %s", we)
				}
			}
			if err != nil {
				return fmt.Errorf("initialData[%d]: insert into %s: %w", i, coll, err)
			}
		}
	}
	return nil
}

// checkOutcome compares each collection of outcome with the documents it
// holds, read with the internal client, sorted by _id, with a primary read
// preference and a local read concern.
func (tr *testRun) checkOutcome(ctx context.Context) error {
	for i, cd := range tr.test.outcome {
		dbName, coll := cd.Lookup("databaseName").StringValue(), cd.Lookup("collectionName").StringValue()
		cmd := bson.D{
			{Key: "find", Value: coll},
			{Key: "filter", Value: bson.D{}},
			{Key: "sort", Value: bson.D{{Key: "_id", Value: 1}}},
			{Key: "readConcern", Value: bson.D{{Key: "level", Value: "local"}}},
		}
		got, err := tr.readAll(ctx, dbName, coll, cmd)
		if err != nil {
			return fmt.Errorf("outcome[%d]: reading %s.%s: %w", i, dbName, coll, err)
		}
		want := cd.Lookup("documents").Array()
		if want.Len() != len(got) {
			return fmt.Errorf("outcome[%d]: %s.%s holds %d document(s), want %d: %s", i, dbName, coll, len(got), want.Len(), arrayValue(got))
		}
		for j, w := range want.Values() {
			if !exactEqual(w, docValue(got[j])) {
				return fmt.Errorf("outcome[%d]: %s.%s document %d is %s, want %s", i, dbName, coll, j, got[j], w)
			}
		}
	}
	return nil
}

// readAll runs a cursor command with the internal client and returns every
// document of the cursor.
func (tr *testRun) readAll(ctx context.Context, dbName, coll string, cmd bson.D) ([]bson.Raw, error) {
	db := tr.target.client.Database(dbName)
	raw, err := db.RunCommand(ctx, cmd).Raw()
	if err != nil {
		return nil, err
	}
	var out []bson.Raw
	batch := raw.Lookup("cursor", "firstBatch").Array()
	for {
		for _, v := range batch.Values() {
			out = append(out, v.Document())
		}
		id, _ := raw.Lookup("cursor", "id").AsInt64OK()
		if id == 0 {
			return out, nil
		}
		raw, err = db.RunCommand(ctx, bson.D{{Key: "getMore", Value: id}, {Key: "collection", Value: coll}}).Raw()
		if err != nil {
			return nil, err
		}
		batch = raw.Lookup("cursor", "nextBatch").Array()
	}
}

// track registers an entity to close at the end of the test even if it is
// never saved (a cursor whose saveResultAsEntity failed).
func (tr *testRun) track(e interface{ closeEntity(context.Context) }) {
	tr.mu.Lock()
	tr.tracked = append(tr.tracked, e)
	tr.mu.Unlock()
}
