package unified

import (
	"context"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// sessionEntity is a session entity: an explicit session of a client
// entity. Its lsid is read when it is created, so that $$sessionLsid still
// matches it after endSession.
type sessionEntity struct {
	id     string
	client *clientEntity
	sess   *motor.Session
	lsid   bson.Raw
}

func (*sessionEntity) kind() string { return "session" }

func (*sessionEntity) ops() map[string]opFunc { return sessionOps }

// sessionOps are the operations of session entities.
var sessionOps map[string]opFunc

func init() {
	sessionOps = map[string]opFunc{
		"endSession":        opEndSession,
		"getSnapshotTime":   opGetSnapshotTime,
		"startTransaction":  opStartTransaction,
		"commitTransaction": opCommitTransaction,
		"abortTransaction":  opAbortTransaction,
		"withTransaction":   opWithTransaction,
	}
}

// createSession creates the session entity d defines.
func (tr *testRun) createSession(id string, d bson.Raw) (*sessionEntity, error) {
	c, err := entityAs[*clientEntity](tr.entities, d.Lookup("client").StringValue(), "client")
	if err != nil {
		return nil, err
	}
	var o motor.SessionOptions
	for k, v := range d.Elements() {
		switch k {
		case "id", "client":
		case "sessionOptions":
			if o, err = tr.sessionOptions(v.Document()); err != nil {
				return nil, fmt.Errorf("unified: session entity %q: %w", id, err)
			}
		default:
			return nil, fmt.Errorf("unified: session entity %q: unknown field %q", id, k)
		}
	}
	s, err := c.client.StartSession(o)
	if err != nil {
		return nil, fmt.Errorf("unified: session entity %q: %w", id, err)
	}
	return &sessionEntity{id: id, client: c, sess: s, lsid: s.ID()}, nil
}

// sessionOptions reads a session entity's sessionOptions.
func (tr *testRun) sessionOptions(d bson.Raw) (motor.SessionOptions, error) {
	var o motor.SessionOptions
	for k, v := range d.Elements() {
		switch k {
		case "causalConsistency":
			b, ok := v.BooleanOK()
			if !ok {
				return o, fmt.Errorf("causalConsistency must be a boolean, not %s", show(v))
			}
			o.CausalConsistency = &b
		case "snapshot":
			b, ok := v.BooleanOK()
			if !ok {
				return o, fmt.Errorf("snapshot must be a boolean, not %s", show(v))
			}
			o.Snapshot = b
		case "snapshotTime":
			name, ok := v.StringValueOK()
			if !ok {
				return o, fmt.Errorf("snapshotTime must name an entity, not %s", show(v))
			}
			tv, err := tr.entities.bsonValue(name)
			if err != nil {
				return o, err
			}
			t, ok := tv.TimestampOK()
			if !ok {
				return o, fmt.Errorf("snapshotTime entity %q is %s, not a timestamp", name, show(tv))
			}
			o.SnapshotTime = &t
		case "defaultTransactionOptions":
			d, ok := v.DocumentOK()
			if !ok {
				return o, fmt.Errorf("defaultTransactionOptions must be a document, not %s", show(v))
			}
			dto, err := defaultTxnOptions(d)
			if err != nil {
				return o, fmt.Errorf("defaultTransactionOptions: %w", err)
			}
			o.DefaultTransactionOptions = dto
		default:
			return o, fmt.Errorf("unknown session option %q", k)
		}
	}
	return o, nil
}

// sessionArg returns the session entity an operation's session argument
// names, nil when there is none. runOperation gives the session to the
// operation through its context.
func (tr *testRun) sessionArg(a *args) (*sessionEntity, error) {
	v := a.value("session")
	if v.Type == 0 {
		return nil, nil
	}
	name, ok := v.StringValueOK()
	if !ok {
		return nil, a.wrongType("session", "a session entity name", v)
	}
	s, err := entityAs[*sessionEntity](tr.entities, name, "session")
	if err != nil {
		return nil, fmt.Errorf("unified: %s: session: %w", a.op, err)
	}
	return s, nil
}

// withSessionArg returns ctx with the session the operation's session
// argument names, if any.
func (tr *testRun) withSessionArg(ctx context.Context, a *args) (context.Context, error) {
	s, err := tr.sessionArg(a)
	if err != nil || s == nil {
		return ctx, err
	}
	return motor.WithSession(ctx, s.sess), nil
}

func opEndSession(ctx context.Context, _ *testRun, entity any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	entity.(*sessionEntity).sess.EndSession(ctx)
	return opResult{}, nil
}

func opGetSnapshotTime(_ context.Context, _ *testRun, entity any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	t, ok := entity.(*sessionEntity).sess.SnapshotTime()
	if !ok {
		return opResult{}, fmt.Errorf("unified: getSnapshotTime: the session has no snapshot time: no read in it has returned an atClusterTime")
	}
	d, err := bson.Marshal(bson.D{{Key: "t", Value: t}})
	if err != nil {
		return opResult{}, err
	}
	return opResult{value: bson.Raw(d).Lookup("t")}, nil
}

// opSessionDirty implements assertSessionDirty and assertSessionNotDirty.
func opSessionDirty(want bool) func(context.Context, *testRun, *args) error {
	return func(_ context.Context, tr *testRun, a *args) error {
		s, err := tr.sessionArg(a)
		if err != nil {
			return err
		}
		if s == nil {
			return a.missing("session")
		}
		if err := a.check(); err != nil {
			return err
		}
		if got := s.sess.Dirty(); got != want {
			return &ExpectationError{Msg: fmt.Sprintf("%s: session %q is dirty: %v", a.op, s.id, got)}
		}
		return nil
	}
}
