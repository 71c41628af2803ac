package sim

import (
	"time"

	"github.com/motor-go/motor/bson"
)

// Kill stops member i as a crash would: its listener closes, so new
// connections are refused, and every connection to it closes, so clients
// see network errors. Kill waits for the member's goroutines. Its role is
// kept: a killed primary stays the primary the other members name until
// Elect chooses another. Killing a member that is not running does nothing.
func (c *Cluster) Kill(i int) error {
	m, err := c.member(i)
	if err != nil {
		return err
	}
	return m.kill()
}

// Restart starts member i again on the same address, as a new process: its
// topologyVersion has a new processId and its counter starts again, and a
// router gets a new serviceId. A running member is killed first. The member
// comes back in the role it has, which Elect may have changed meanwhile.
// It fails if another socket took the port while the member was down (it
// retries for a second), which loopback's ephemeral range makes unlikely.
func (c *Cluster) Restart(i int) error {
	m, err := c.member(i)
	if err != nil {
		return err
	}
	return m.restart()
}

// Alive reports whether member i is running (not killed).
func (c *Cluster) Alive(i int) bool {
	m, err := c.member(i)
	if err != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return m.alive
}

// Delay makes member i wait d before each reply it sends, forwarded or its
// own (hello included, which slows its measured round trip). 0 removes the
// delay. A reply being delayed when the connection closes is dropped.
func (c *Cluster) Delay(i int, d time.Duration) error {
	m, err := c.member(i)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m.delay = max(d, 0)
	return nil
}

// SetMaxWireVersion changes the maxWireVersion member i reports, a change
// of its state: its topologyVersion is bumped.
func (c *Cluster) SetMaxWireVersion(i int, v int32) error {
	m, err := c.member(i)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m.maxWire = v
	m.bumpLocked()
	return nil
}

// FailCommand configures the failCommand fail point of member i, as the
// configureFailPoint command sent to it would, and returns how many times
// the previous configuration fired (the command's count). FailCommand(i,
// FailPoint{}) turns it off.
func (c *Cluster) FailCommand(i int, fp FailPoint) (int64, error) {
	m, err := c.member(i)
	if err != nil {
		return 0, err
	}
	fp.FailCommands = append([]string(nil), fp.FailCommands...)
	if fp.ErrorLabels != nil {
		fp.ErrorLabels = append([]string{}, fp.ErrorLabels...)
	}
	if fp.WriteConcernError != nil {
		if err := fp.WriteConcernError.Validate(); err != nil {
			return 0, memberError(i, "writeConcernError: %v", err)
		}
		fp.WriteConcernError = append([]byte(nil), fp.WriteConcernError...)
	}
	return m.setFailPoint(fp), nil
}

// FailCommandAll configures the same fail point on every member, each with
// its own counts.
func (c *Cluster) FailCommandAll(fp FailPoint) error {
	for i := range c.members {
		if _, err := c.FailCommand(i, fp); err != nil {
			return err
		}
	}
	return nil
}

// Received returns the number of commands named name that member i has
// received, across restarts; hellos streamed in answer to one exhaust
// request count once. Tests use it to see where reads were routed.
// It may be called after Close.
func (c *Cluster) Received(i int, name string) int {
	if i < 0 || i >= len(c.members) {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[i].received[name]
}

// record counts a command received and shows it to OnCommand.
func (m *member) record(name string, body bson.Raw) {
	m.c.mu.Lock()
	m.received[name]++
	m.c.mu.Unlock()
	if f := m.c.onCommand; f != nil {
		f(m.idx, name, body)
	}
}

// Connections returns the number of client connections open to member i.
func (c *Cluster) Connections(i int) int {
	m, err := c.member(i)
	if err != nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(m.conns)
}
