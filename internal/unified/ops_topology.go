package unified

import (
	"context"
	"fmt"
	"time"
)

// The special operations about topology descriptions:
// recordTopologyDescription, assertTopologyType and waitForPrimaryChange.

func opRecordTopology(_ context.Context, tr *testRun, a *args) error {
	c, err := tr.clientArg(a)
	if err != nil {
		return err
	}
	id, err := a.str("id", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	desc, _ := c.log.latestTopology()
	if desc.Type == "" {
		desc.Type = "Unknown"
	}
	return tr.entities.add(id, &topologyEntity{desc: desc})
}

func opAssertTopologyType(_ context.Context, tr *testRun, a *args) error {
	name, err := a.str("topologyDescription", true)
	if err != nil {
		return err
	}
	want, err := a.str("topologyType", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	t, err := entityAs[*topologyEntity](tr.entities, name, "topology description")
	if err != nil {
		return err
	}
	if string(t.desc.Type) != want {
		return &ExpectationError{Msg: fmt.Sprintf("topology %q is %s, want %s", name, t.desc.Type, want)}
	}
	return nil
}

// primaryOf returns the address of the primary in a topology description.
func primaryOf(t *topologyEntity) string {
	for _, s := range t.desc.Servers {
		if s.Type == "RSPrimary" {
			return s.Address
		}
	}
	return ""
}

func opWaitForPrimaryChange(ctx context.Context, tr *testRun, a *args) error {
	c, err := tr.clientArg(a)
	if err != nil {
		return err
	}
	name, err := a.str("priorTopologyDescription", true)
	if err != nil {
		return err
	}
	ms, ok, err := a.integer("timeoutMS", false)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	prior, err := entityAs[*topologyEntity](tr.entities, name, "topology description")
	if err != nil {
		return err
	}
	limit := 10 * time.Second
	if ok {
		limit = time.Duration(ms) * time.Millisecond
	}
	old := primaryOf(prior)
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		if d, ok := c.log.latestTopology(); ok {
			if p := primaryOf(&topologyEntity{desc: d}); p != "" && p != old {
				return nil
			}
		}
		select {
		case <-deadline.C:
			return &ExpectationError{Msg: fmt.Sprintf("waitForPrimaryChange: no new primary (was %q) within %v", old, limit)}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
