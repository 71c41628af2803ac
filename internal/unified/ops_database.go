package unified

import (
	"context"

	"github.com/motor-go/motor"
)

// databaseOps are the operations of database entities.
var databaseOps = map[string]opFunc{}

func init() {
	for name, f := range map[string]opFunc{
		"runCommand": dbRunCommand,
	} {
		databaseOps[name] = f
	}
}

// dbRunCommand runs Database.RunCommand. The command runs with the
// database's read preference unless the readPreference argument is given
// (the specification says runCommand does not inherit one; the tests that
// check it show whether Motor follows it).
func dbRunCommand(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	d := e.(*databaseEntity)
	cmd, _, err := a.document("command", true)
	if err != nil {
		return opResult{}, err
	}
	// commandName serves languages whose maps lose the command's key
	// order; the runner keeps the order and needs nothing more.
	if _, err := a.str("commandName", true); err != nil {
		return opResult{}, err
	}
	rpDoc, hasRP, err := a.document("readPreference", false)
	if err != nil {
		return opResult{}, err
	}
	if err := a.noSession(tr); err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	db := d.db
	if hasRP {
		var rp motor.ReadPreference
		if rp, err = readPreferenceOf(rpDoc); err != nil {
			return opResult{}, err
		}
		if db, err = db.WithReadPreference(rp); err != nil {
			return opResult{}, err
		}
	}
	raw, err := db.RunCommand(ctx, cmd).Raw()
	if err != nil {
		return opResult{err: err}, nil
	}
	return opResult{value: docValue(raw)}, nil
}
