package cluster

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// fakeResolver answers SRV queries from a table that tests change.
type fakeResolver struct {
	mu      sync.Mutex
	records map[string][]*net.SRV // by "_service._proto.name"
	err     error
	lookups int
}

func (r *fakeResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups++
	if r.err != nil {
		return "", nil, r.err
	}
	recs := r.records["_"+service+"._"+proto+"."+name]
	if len(recs) == 0 {
		return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return "", slices.Clone(recs), nil
}

func (r *fakeResolver) LookupTXT(context.Context, string) ([]string, error) { return nil, nil }

func (r *fakeResolver) set(query string, targets []string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
	var recs []*net.SRV
	for _, tg := range targets {
		host, port, _ := net.SplitHostPort(tg)
		p, _ := strconv.Atoi(port)
		recs = append(recs, &net.SRV{Target: host + ".", Port: uint16(p)})
	}
	r.records = map[string][]*net.SRV{query: recs}
}

func (r *fakeResolver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups
}

// TestSRVPolling runs the prose tests of the Polling SRV Records for
// mongos Discovery specification against four scripted mongos, with a
// resolver whose records each test changes.
func TestSRVPolling(t *testing.T) {
	const (
		target = "localhost.test.build.10gen.cc"
		test1  = "_mongodb._tcp.test1.test.build.10gen.cc"
		test22 = "_customname._tcp.test22.test.build.10gen.cc"
	)
	errTimeout := &net.DNSError{Err: "i/o timeout", Name: "test1.test.build.10gen.cc", IsTimeout: true}
	errNoHost := &net.DNSError{Err: "no such host", Name: "test1.test.build.10gen.cc", IsNotFound: true}
	for _, tc := range []struct {
		name     string
		host     string // the SRV host; test1 by default
		service  string
		maxHosts int
		role     string // of the servers; mongos by default
		lb       bool
		initial  []int // ports, by index into the servers
		next     []int
		nextErr  error
		want     []int // nil: unchanged
		wantN    int   // with srvMaxHosts: how many hosts, initial[0] among them
		polls    bool  // the resolver is queried again
	}{
		{name: "1 addition", initial: []int{0, 1}, next: []int{0, 1, 2}, want: []int{0, 1, 2}, polls: true},
		{name: "2 removal", initial: []int{0, 1}, next: []int{0}, want: []int{0}, polls: true},
		{name: "3 replacement", initial: []int{0, 1}, next: []int{0, 2}, want: []int{0, 2}, polls: true},
		{name: "4 both replaced by one", initial: []int{0, 1}, next: []int{2}, want: []int{2}, polls: true},
		{name: "5 both replaced by two", initial: []int{0, 1}, next: []int{2, 3}, want: []int{2, 3}, polls: true},
		{name: "6 lookup timeout", initial: []int{0, 1}, nextErr: errTimeout, polls: true},
		{name: "7 lookup failure", initial: []int{0, 1}, nextErr: errNoHost, polls: true},
		{name: "8 no records", initial: []int{0, 1}, next: []int{}, polls: true},
		{name: "9 load balanced", host: "test3.test.build.10gen.cc", lb: true, initial: []int{0}, next: []int{0, 1}},
		{name: "10 srvMaxHosts 0", initial: []int{0, 1}, next: []int{0, 2, 3}, want: []int{0, 2, 3}, polls: true},
		{name: "11 srvMaxHosts 2, all", maxHosts: 2, initial: []int{0, 1}, next: []int{2, 3}, want: []int{2, 3}, polls: true},
		{name: "12 srvMaxHosts 2, random", maxHosts: 2, initial: []int{0, 1}, next: []int{0, 2, 3}, wantN: 2, polls: true},
		{name: "13 srvServiceName", host: "test22.test.build.10gen.cc", service: "customname", initial: []int{0, 1}, next: []int{2, 3}, want: []int{2, 3}, polls: true},
		{name: "standalone not polled", role: "standalone", initial: []int{0}, next: []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			role := tc.role
			if role == "" {
				role = "mongos"
			}
			var servers []*fakeServer
			for range 4 {
				servers = append(servers, newFakeServer(t, role, true))
			}
			addrs := func(idx []int) []string {
				out := []string{}
				for _, i := range idx {
					out = append(out, target+":"+portOf(servers[i].Addr()))
				}
				slices.Sort(out)
				return out
			}
			host, query := tc.host, test1
			if host == "" {
				host = "test1.test.build.10gen.cc"
			}
			if tc.service != "" {
				query = test22
			} else if tc.lb {
				query = "_mongodb._tcp." + host
			}
			res := &fakeResolver{}
			res.set(query, addrs(tc.initial), nil)

			cfg := testConfig(500*time.Millisecond, MonitorStream, nil, addrs(tc.initial)...)
			cfg.Conn.Dialer = &hostDialer{}
			cfg.Topology.LoadBalanced = tc.lb
			cfg.Topology.SRVMaxHosts = tc.maxHosts
			cfg.SRV = &SRVConfig{Host: host, Service: tc.service, Resolver: res, Interval: 50 * time.Millisecond}
			c := newCluster(t, cfg)
			wantKind := topology.Sharded
			switch {
			case tc.lb:
				wantKind = topology.LoadBalanced
			case role == "standalone":
				wantKind = topology.Single
			}
			waitFor(t, 2*time.Second, "discovery", func() bool { return c.Topology().Description().Kind == wantKind })

			before := res.count()
			res.set(query, addrs(tc.next), tc.nextErr)
			hosts := func() []string { return c.Topology().Description().Addrs() }
			switch {
			case tc.want != nil:
				waitFor(t, 2*time.Second, "hosts "+strings.Join(addrs(tc.want), ", "), func() bool { return slices.Equal(hosts(), addrs(tc.want)) })
			case tc.wantN > 0:
				waitFor(t, 2*time.Second, "hosts changed", func() bool {
					h := hosts()
					return len(h) == tc.wantN && slices.Contains(h, addrs(tc.initial[:1])[0]) && !slices.Equal(h, addrs(tc.initial))
				})
			default:
				if tc.polls {
					// Failed rescans are retried every heartbeat.
					waitFor(t, 3*time.Second, "two more lookups", func() bool { return res.count() >= before+2 })
				} else {
					time.Sleep(300 * time.Millisecond) // six rescan intervals
				}
				if got := hosts(); !slices.Equal(got, addrs(tc.initial)) {
					t.Errorf("hosts %v, want %v unchanged", got, addrs(tc.initial))
				}
			}
			if !tc.polls && res.count() != 0 {
				t.Errorf("%d SRV lookups of a %v topology", res.count(), wantKind)
			}
		})
	}
}

func TestSRVPollingSkipsHostsOutsideDomain(t *testing.T) {
	wiretest.LeakCheck(t)
	const target = "localhost.test.build.10gen.cc"
	a, b := newFakeServer(t, "mongos", true), newFakeServer(t, "mongos", true)
	hostA, hostB := target+":"+portOf(a.Addr()), target+":"+portOf(b.Addr())
	res := &fakeResolver{}
	res.set("_mongodb._tcp.test1.test.build.10gen.cc", []string{hostA}, nil)
	cfg := testConfig(500*time.Millisecond, MonitorStream, nil, hostA)
	cfg.Conn.Dialer = &hostDialer{}
	cfg.SRV = &SRVConfig{Host: "test1.test.build.10gen.cc", Resolver: res, Interval: 50 * time.Millisecond}
	c := newCluster(t, cfg)
	res.set("_mongodb._tcp.test1.test.build.10gen.cc", []string{hostA, hostB, "evil.example.com:27017"}, nil)
	waitFor(t, 2*time.Second, "the new host", func() bool { return len(c.Topology().Description().Addrs()) >= 2 })
	time.Sleep(150 * time.Millisecond)
	want := []string{hostA, hostB}
	slices.Sort(want)
	if got := c.Topology().Description().Addrs(); !slices.Equal(got, want) {
		t.Errorf("hosts %v, want %v", got, want)
	}
}

func TestSetSRVRescanInterval(t *testing.T) {
	wiretest.LeakCheck(t)
	restore := SetSRVRescanInterval(20 * time.Millisecond)
	res := &fakeResolver{err: errors.New("dns down")}
	cfg := testConfig(10*time.Second, MonitorPoll, nil, "localhost.test.build.10gen.cc:1")
	cfg.SRV = &SRVConfig{Host: "test1.test.build.10gen.cc", Resolver: res}
	c := New(cfg)
	waitFor(t, time.Second, "a rescan", func() bool { return res.count() >= 1 })
	c.Close()
	restore()
	if d := time.Duration(srvRescanInterval.Load()); d != 60*time.Second {
		t.Errorf("interval restored to %v", d)
	}
}
