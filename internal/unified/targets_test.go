package unified

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/testenv"
)

// openTargets returns the targets of the tests: the deployment of
// MOTOR_TEST_URI (a real MongoDB, without the skip list), or else the
// shared FerretDB test servers, a standalone and a one-member replica set,
// with the skip list. The targets are closed when t ends.
func openTargets(t *testing.T) []*Target {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type spec struct {
		name, uri string
		skips     bool
	}
	var specs []spec
	if uri := os.Getenv(testenv.EnvURI); uri != "" {
		specs = []spec{{"mongodb", uri, false}}
	} else {
		specs = []spec{
			{"ferretdb-single", testenv.Shared(t, testenv.Options{}).URI, true},
			{"ferretdb-replicaset", testenv.Shared(t, testenv.Options{ReplicaSet: "rs0"}).URI, true},
		}
	}
	var out []*Target
	for _, s := range specs {
		tg, err := OpenTarget(ctx, s.name, s.uri)
		if err != nil {
			t.Fatal(err)
		}
		tg.UseSkips = s.skips
		t.Cleanup(func() { tg.Close(context.Background()) })
		out = append(out, tg)
	}
	return out
}

// runSuites runs the suites against the targets of openTargets.
func runSuites(t *testing.T, suites []Suite, skips []Skip) {
	RunSuites(t, openTargets(t), suites, skips, nil)
}
