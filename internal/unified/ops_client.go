package unified

import "context"

// clientOps are the operations of client entities.
var clientOps = map[string]opFunc{}

func init() {
	for name, f := range map[string]opFunc{
		"close": clientClose,
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
