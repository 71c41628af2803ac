package unified

import "context"

// clientOps are the operations of client entities.
var clientOps = map[string]opFunc{}

func init() {
	for name, f := range map[string]opFunc{
		"close":        clientClose,
		"dropDatabase": clientDropDatabase,
	} {
		clientOps[name] = f
	}
}

// clientClose closes the client. Its error is not asserted (the
// specification says drivers do not report close errors consistently) but
// is reported as the operation's.
func clientClose(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*clientEntity).close(ctx)}, nil
}

// clientDropDatabase drops the database named by the argument database,
// as the causal consistency tests do on a client entity.
func clientDropDatabase(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	name, err := a.str("database", true)
	if err != nil {
		return opResult{}, err
	}
	if err := firstErr(a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*clientEntity).client.Database(name).Drop(ctx)}, nil
}
