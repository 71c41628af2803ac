package cluster

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor/internal/srv"
	"github.com/motor-go/motor/internal/topology"
)

// SRVConfig makes a cluster created from a mongodb+srv URI rescan its SRV
// records, as the Polling SRV Records for mongos Discovery specification
// requires: while the topology is Sharded or Unknown, a goroutine looks
// the records up again every rescan interval and adds the mongos hosts
// that appeared and removes those that went away. It stops for good once
// the topology becomes anything else, which it never changes back from.
type SRVConfig struct {
	// Host is the host of the mongodb+srv URI.
	Host string
	// Service is srvServiceName; "" means srv.DefaultServiceName.
	Service string
	// Resolver answers the lookups: the resolver the URI was parsed with.
	Resolver srv.Resolver
	// Interval is rescanSRVIntervalMS: the time between the end of one
	// rescan that found hosts and the next. 0 means the value of
	// SetSRVRescanInterval, by default srv.RescanInterval. After a rescan
	// that failed or found no usable host the next comes after the
	// heartbeat interval, as the specification says.
	Interval time.Duration
}

// srvRescanInterval is the default rescan interval, which tests change.
var srvRescanInterval atomic.Int64

func init() { srvRescanInterval.Store(int64(srv.RescanInterval)) }

// SetSRVRescanInterval changes the rescan interval of clusters created
// from now on whose SRVConfig leaves it 0, and returns a function that
// restores the previous one. The specification fixes the interval (the
// records' TTL, at least 60 seconds) and lets drivers shorten it for
// tests only: this is that hook (rescanSRVIntervalMS), for test code that
// goes through the public client, and nothing else may call it.
func SetSRVRescanInterval(d time.Duration) (restore func()) {
	old := srvRescanInterval.Swap(int64(d))
	return func() { srvRescanInterval.Store(old) }
}

// srvLookupTimeout bounds one rescan's DNS queries.
const srvLookupTimeout = 10 * time.Second

// startSRVPoller starts the rescan goroutine if the cluster was created
// from a mongodb+srv URI and is not load balanced (a load balanced
// topology is never polled).
func (c *Cluster) startSRVPoller() {
	cfg := c.cfg.SRV
	if cfg == nil || cfg.Resolver == nil || cfg.Host == "" || c.cfg.Topology.LoadBalanced {
		return
	}
	p := srvPoller{c: c, cfg: *cfg}
	if p.cfg.Service == "" {
		p.cfg.Service = srv.DefaultServiceName
	}
	if p.cfg.Interval <= 0 {
		p.cfg.Interval = time.Duration(srvRescanInterval.Load())
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		p.run()
	}()
}

// srvPoller is the rescan goroutine's state.
type srvPoller struct {
	c   *Cluster
	cfg SRVConfig
}

func (p *srvPoller) run() {
	// The first rescan comes one interval after the initial discovery,
	// which the client did just before creating the cluster.
	wait := p.cfg.Interval
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-p.c.ctx.Done():
			return
		case <-t.C:
		}
		if !topology.PollsSRV(p.c.topo.Description().Kind) {
			return
		}
		found := p.rescan()
		if p.c.ctx.Err() != nil {
			return
		}
		wait = p.c.heartbeat()
		if found {
			wait = p.cfg.Interval
		}
		t.Reset(wait)
	}
}

// rescan looks the records up and applies them, and reports whether the
// lookup found usable hosts. A failed lookup, or one that found none,
// changes nothing. Hosts outside the SRV name's domain are skipped
// silently: the driver has no logger yet to report them to.
func (p *srvPoller) rescan() bool {
	ctx, cancel := context.WithTimeout(p.c.ctx, srvLookupTimeout)
	defer cancel()
	current := p.c.topo.Description().Addrs()
	hosts, _, err := srv.Rescan(ctx, p.cfg.Resolver, p.cfg.Host, p.cfg.Service, p.c.cfg.Topology.SRVMaxHosts, current)
	if err != nil || len(hosts) == 0 {
		return false
	}
	for i, h := range hosts {
		hosts[i] = topology.NormalizeAddr(h)
	}
	p.c.topo.UpdateSRVHosts(hosts)
	return true
}
