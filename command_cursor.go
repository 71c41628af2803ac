package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// RunCursorCommandOptions are the options of Database.RunCursorCommand.
// The zero value of each field leaves it unset; several are merged left to
// right, the set fields of later ones winning.
//
// BatchSize, MaxAwaitTime and Comment apply to the getMore commands only:
// the command document is sent as given, so a batchSize, maxTimeMS or
// comment for the first batch goes in it.
type RunCursorCommandOptions struct {
	// ReadPreference chooses the server that runs the command, and so
	// every getMore of its cursor; nil keeps the database's.
	ReadPreference *ReadPreference
	// CursorType says what kind of cursor the command opens. It must
	// match the command: a tailable find, for example, is sent with
	// tailable (and awaitData) in its document and opened with Tailable
	// (or TailableAwait) here; a CursorType that does not match the
	// command has undefined behavior. It decides how the cursor is
	// closed: a tailable cursor's getMore in flight is cancelled.
	CursorType CursorType
	// BatchSize is the batchSize of each getMore; 0 leaves it to the
	// server.
	BatchSize int32
	// MaxAwaitTime is the maxTimeMS of each getMore: how long a getMore
	// of a TailableAwait cursor waits for new documents. It is sent
	// whatever the CursorType, as the specification asks, and MongoDB
	// refuses it (BadValue) on the getMore of a cursor that is not
	// tailable awaitData. It must be below the client's Timeout when that
	// is set.
	MaxAwaitTime time.Duration
	// Comment is attached to each getMore (MongoDB 4.4 and later).
	Comment any
	// Prefetch requests each next batch while the current one is being
	// read (see Cursor); nil means true.
	Prefetch *bool
}

func mergeRunCursorCommand(opts []RunCursorCommandOptions) RunCursorCommandOptions {
	if len(opts) == 1 {
		return opts[0]
	}
	var o RunCursorCommandOptions
	for _, p := range opts {
		setPtr(&o.ReadPreference, p.ReadPreference)
		setZero(&o.CursorType, p.CursorType)
		setZero(&o.BatchSize, p.BatchSize)
		setZero(&o.MaxAwaitTime, p.MaxAwaitTime)
		setAny(&o.Comment, p.Comment)
		setPtr(&o.Prefetch, p.Prefetch)
	}
	return o
}

// RunCursorCommand runs a database command that returns a cursor (find,
// aggregate, listCollections, listIndexes, or any other whose reply holds
// a cursor document) and returns that cursor, whose getMore and
// killCursors commands the driver sends. cmd is an ordered document, as
// for RunCommand.
//
//	cur, err := db.RunCursorCommand(ctx, bson.D{
//		{Key: "find", Value: "users"},
//		{Key: "filter", Value: bson.D{{Key: "active", Value: true}}},
//		{Key: "batchSize", Value: 100},
//	})
//
// As with RunCommand, the command document is sent as given: the driver
// adds $db, lsid, $readPreference and the Stable API fields, not
// readConcern, writeConcern or maxTimeMS (a maxTimeMS in cmd applies to the
// command only). The command runs on the server that the read preference
// chooses and is not retried. The cursor reads its further batches from
// that server, with the same implicit session, which it keeps until the
// server no longer holds the cursor. A reply without a cursor document is
// an error, and the command's cursor, if any, is left to the server.
//
// ctx bounds the command; the ctx of each Next bounds the getMore it waits
// for. The specification's timeoutMS and timeoutMode options (client-side
// operations timeout) are not offered.
func (db *Database) RunCursorCommand(ctx context.Context, cmd any, opts ...RunCursorCommandOptions) (*Cursor[bson.Raw], error) {
	o := mergeRunCursorCommand(opts)
	if o.CursorType > TailableAwait {
		return nil, fmt.Errorf("motor: RunCursorCommand: unknown CursorType %d", o.CursorType)
	}
	if o.BatchSize < 0 {
		return nil, fmt.Errorf("motor: RunCursorCommand: negative BatchSize %d", o.BatchSize)
	}
	if o.MaxAwaitTime < 0 {
		return nil, fmt.Errorf("motor: RunCursorCommand: negative MaxAwaitTime %v", o.MaxAwaitTime)
	}
	cl := db.client
	if err := cl.checkMaxAwait(o.MaxAwaitTime); err != nil {
		return nil, err
	}
	body, err := bson.MarshalOptions{Registry: db.registry}.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("motor: RunCursorCommand: %w", err)
	}
	name := ""
	for k := range bson.Raw(body).Elements() {
		name = string(k)
		break
	}
	if name == "" {
		return nil, fmt.Errorf("motor: RunCursorCommand: empty command document")
	}
	rp := db.readPref
	if o.ReadPreference != nil {
		if rp, err = toTopologyReadPref(o.ReadPreference); err != nil {
			return nil, err
		}
	}
	res, err := cl.exec.Run(ctx, &op.Command{Name: name, DB: db.name, Body: body, ReadPref: rp, KeepSession: true})
	if err != nil {
		return nil, err
	}
	first, err := decodeCursorReply(res.Reply, "firstBatch")
	if err != nil {
		cl.exec.Release(res)
		return nil, fmt.Errorf("motor: RunCursorCommand: %s: %w", name, err)
	}
	if _, _, ok := splitNS(first.ns); !ok && first.id != 0 {
		cl.exec.Release(res)
		return nil, fmt.Errorf("motor: RunCursorCommand: %s: cursor namespace %q is not database.collection", name, first.ns)
	}
	co := cursorOpts{
		reg:       db.registry,
		batchSize: o.BatchSize,
		comment:   o.Comment,
		maxAwait:  o.MaxAwaitTime,
		// The getMore options apply whatever the cursor's type: the
		// specification's getMore maxTimeMS is not only for awaitData.
		awaitData: o.MaxAwaitTime > 0 || o.CursorType == TailableAwait,
		tailable:  o.CursorType != NonTailable,
		prefetch:  o.Prefetch == nil || *o.Prefetch,
	}
	return newCursor[bson.Raw](ctx, cl, res, first, co)
}
