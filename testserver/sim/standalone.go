package sim

import "context"

// Standalone is a simulated standalone mongod in front of the backend: its
// hello has neither setName nor msg, it accepts every command, and it has
// the failCommand fail point, which the backend (FerretDB) lacks. It serves
// the tests that need a single topology with fail points. The embedded
// Cluster holds the controls (Kill, Restart, Delay, FailCommand...).
type Standalone struct {
	*Cluster
}

// NewStandalone starts a standalone server in front of backend, after
// checking within ctx that it answers ping. The caller must Close it.
func NewStandalone(ctx context.Context, backend string, opts StandaloneOptions) (*Standalone, error) {
	c := &Cluster{kind: kindStandalone, backend: backend, onCommand: opts.OnCommand}
	c, err := startCluster(ctx, c, []role{rolePrimary}, nil, opts.MaxWireVersion)
	if err != nil {
		return nil, err
	}
	return &Standalone{Cluster: c}, nil
}
