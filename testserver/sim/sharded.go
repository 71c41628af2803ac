package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
)

// Sharded is a simulated sharded cluster: mongos routers, each answering
// hello with msg "isdbgrid" and no setName, all in front of the one
// backend, which plays every shard. The embedded Cluster holds the
// controls.
type Sharded struct {
	*Cluster
}

// NewSharded starts n mongos routers in front of backend. It is
// NewShardedWith with ShardedOptions{Routers: n}.
func NewSharded(ctx context.Context, backend string, n int) (*Sharded, error) {
	return NewShardedWith(ctx, backend, ShardedOptions{Routers: n})
}

// NewShardedWith starts the routers opts describes in front of backend,
// after checking within ctx that it answers ping. The caller must Close
// the cluster.
//
// With opts.LoadBalanced every connection is taken to come through a load
// balancer, as on a mongos's load balancer port: the first hello must carry
// loadBalanced: true, or it fails with LoadBalancerSupportMismatch (354),
// and its reply has the router's serviceId. Without it, loadBalanced is
// ignored, as a mongos not behind a load balancer ignores it.
func NewShardedWith(ctx context.Context, backend string, opts ShardedOptions) (*Sharded, error) {
	if opts.Routers == 0 {
		opts.Routers = 1
	}
	if opts.Routers < 1 || opts.Routers > 50 {
		return nil, fmt.Errorf("sim: a sharded cluster has 1 to 50 routers, not %d", opts.Routers)
	}
	roles := make([]role, opts.Routers)
	for i := range roles {
		roles[i] = roleMongos
	}
	c := &Cluster{kind: kindSharded, backend: backend, loadBalanced: opts.LoadBalanced, onCommand: opts.OnCommand,
		clusterTime: opts.ClusterTime, clockStart: uint32(time.Now().Unix())}
	c, err := startCluster(ctx, c, roles, nil, opts.MaxWireVersion)
	if err != nil {
		return nil, err
	}
	return &Sharded{Cluster: c}, nil
}

// ServiceID returns the serviceId router i reports behind a load balancer;
// it changes when the router restarts. It is the zero ObjectID for a router
// that does not exist.
func (s *Sharded) ServiceID(i int) bson.ObjectID {
	m, err := s.member(i)
	if err != nil {
		return bson.ObjectID{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return m.serviceID
}
