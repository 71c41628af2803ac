package topology

import (
	"time"

	"github.com/motor-go/motor/internal/srv"
)

// PollsSRV reports whether a topology of type kind, created from a
// mongodb+srv URI, rescans its SRV records: only Sharded and Unknown
// topologies do.
func PollsSRV(kind TopologyType) bool { return kind == Sharded || kind == TopologyUnknown }

// SRVRescanInterval returns how long to wait before the next SRV rescan:
// [srv.RescanInterval] after a rescan that found hosts, the heartbeat
// interval after one that found none or failed.
func SRVRescanInterval(found bool, heartbeat time.Duration) time.Duration {
	if found {
		return srv.RescanInterval
	}
	return heartbeat
}

// ApplySRV returns the description that follows d once an SRV rescan
// (see [srv.Rescan], which applies srvMaxHosts) has listed hosts: servers
// no longer listed are removed, listed ones not in d are added as Unknown,
// and servers listed and present are left as they are. An empty list, or
// a topology that is neither Sharded nor Unknown, leaves d unchanged: the
// specification forbids both removing every host and polling other
// topologies.
func ApplySRV(d Description, hosts []string) Description {
	if len(hosts) == 0 || !PollsSRV(d.Kind) {
		return d
	}
	listed := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		listed[NormalizeAddr(h)] = true
	}
	n := d.clone()
	for _, addr := range d.Addrs() {
		if !listed[addr] {
			n.remove(addr)
		}
	}
	for addr := range listed {
		if _, found := n.find(addr); !found {
			n.set(NewUnknownServer(addr, nil))
		}
	}
	n.finish()
	return n
}
