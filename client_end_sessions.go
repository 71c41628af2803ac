package motor

import (
	"context"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/topology"
)

// endSessionsBatch is the most sessions one endSessions command ends, as
// the sessions specification advises.
const endSessionsBatch = 10_000

// endSessionsTimeout bounds the endSessions commands sent at Close.
const endSessionsTimeout = 5 * time.Second

// endSessions tells the deployment that the pooled server sessions (the
// explicit sessions left open included, which it ends first) will not be
// used again, as the sessions specification asks of a closing client. The
// commands go to the primary, or any data-bearing server if there is none,
// only if such a server is known now: a client closing while its
// deployment is unreachable does not wait for one. Errors are ignored.
func (c *Client) endSessions(ctx context.Context) {
	c.exec.EndAllClientSessions()
	ids := c.exec.Sessions.Drain()
	if len(ids) == 0 {
		return
	}
	crit := topology.Criteria{ReadPref: topology.ReadPref{Mode: topology.PrimaryPreferred}}
	desc := c.cluster.Topology().Description()
	if window, err := topology.Select(&desc, &crit, c.cfg.LocalThreshold, c.cfg.HeartbeatFrequency); err != nil || len(window) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, endSessionsTimeout)
	defer cancel()
	ctx = op.WithSession(ctx, op.Ref{})
	for len(ids) > 0 {
		n := min(len(ids), endSessionsBatch)
		arr := make(bson.A, n)
		for i, id := range ids[:n] {
			arr[i] = id
		}
		ids = ids[n:]
		body, err := bson.Marshal(bson.D{{Key: "endSessions", Value: arr}})
		if err != nil {
			return
		}
		cmd := &op.Command{Name: "endSessions", DB: "admin", Body: body, ReadPref: crit.ReadPref, NoSession: true}
		if _, err := c.exec.Run(ctx, cmd); err != nil {
			return // the server ends idle sessions by itself in time
		}
	}
}
