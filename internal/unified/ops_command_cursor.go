package unified

import (
	"context"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The generic cursor command operations of database entities (Run Command
// specification), on the API of command_cursor.go.

func init() {
	for name, f := range map[string]opFunc{
		"runCursorCommand":    dbRunCursorCommand,
		"createCommandCursor": dbCreateCommandCursor,
	} {
		databaseOps[name] = f
	}
}

// cursorCommandArgs reads the arguments of runCursorCommand and
// createCommandCursor.
func cursorCommandArgs(tr *testRun, a *args) (bson.Raw, motor.RunCursorCommandOptions, error) {
	var o motor.RunCursorCommandOptions
	cmd, _, err := a.document("command", true)
	if err != nil {
		return nil, o, err
	}
	var errs [8]error
	// commandName serves languages whose maps lose the command's key
	// order; the runner keeps the order and needs nothing more.
	_, errs[0] = a.str("commandName", true)
	o.BatchSize, errs[1] = a.int32Arg("batchSize")
	o.MaxAwaitTime, errs[2] = a.millis("maxTimeMS")
	o.Comment = a.anyValue("comment")
	var ct string
	ct, errs[3] = a.str("cursorType", false)
	switch ct {
	case "", "nonTailable":
	case "tailable":
		o.CursorType = motor.Tailable
	case "tailableAwait":
		o.CursorType = motor.TailableAwait
	default:
		errs[4] = fmt.Errorf("unified: %s: unknown cursorType %q", a.op, ct)
	}
	if rpDoc, ok, err := a.document("readPreference", false); err != nil || ok {
		errs[5] = err
		if ok {
			var rp motor.ReadPreference
			rp, errs[5] = readPreferenceOf(rpDoc)
			o.ReadPreference = &rp
		}
	}
	if v := a.value("timeoutMode"); v.Type != 0 {
		errs[6] = fmt.Errorf("unified: %s: timeoutMode: Motor has no per-cursor timeout mode", a.op)
	}
	errs[7] = a.noSession(tr)
	if err := firstErr(append(errs[:], a.noTimeoutMS())...); err != nil {
		return nil, o, err
	}
	return cmd, o, a.check()
}

// dbRunCursorCommand runs the command and reads its cursor to the end.
func dbRunCursorCommand(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	cmd, o, err := cursorCommandArgs(tr, a)
	if err != nil {
		return opResult{}, err
	}
	c, err := e.(*databaseEntity).db.RunCursorCommand(ctx, cmd, o)
	return drain(ctx, c, err, rawDoc), nil
}

// dbCreateCommandCursor runs the command and keeps its cursor, unread, as
// a cursor entity. As for createFindCursor, the cursor does not prefetch:
// the cursor operations count the getMores that iterating sends.
func dbCreateCommandCursor(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	cmd, o, err := cursorCommandArgs(tr, a)
	if err != nil {
		return opResult{}, err
	}
	o.Prefetch = new(false)
	c, err := e.(*databaseEntity).db.RunCursorCommand(ctx, cmd, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	ce := &cursorEntity{c: c}
	tr.track(ce)
	return opResult{entity: ce}, nil
}
