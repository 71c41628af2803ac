package sim

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/srv"
)

// TestSRV checks the record set against the driver's seedlist code, its
// changes and failures, and dialing the names it hands out.
func TestSRV(t *testing.T) {
	s := newSharded(t, ShardedOptions{Routers: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := NewSRV("Cluster.Sim.Test.", s.Addr(0), s.Addr(1))
	rec.SetTXT("authSource=admin")
	if rec.Host() != "cluster.sim.test" || rec.URI("tls=false") != "mongodb+srv://cluster.sim.test/?tls=false" {
		t.Errorf("Host %q, URI %q", rec.Host(), rec.URI("tls=false"))
	}

	hosts, err := srv.Seeds(ctx, rec, rec.Host(), srv.DefaultServiceName, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{rec.Target(s.Addr(0)) + ":" + port(s.Addr(0)), rec.Target(s.Addr(1)) + ":" + port(s.Addr(1))}
	if !sameStrings(hosts, want) {
		t.Errorf("seeds = %v, want %v", hosts, want)
	}
	opts, err := srv.LookupOptions(ctx, rec, rec.Host())
	if err != nil || len(opts) != 1 {
		t.Errorf("TXT options = %v, %v", opts, err)
	}

	// The mongos list changes.
	rec.Set(s.Addr(1), s.Addr(2))
	hosts, _, err = srv.Rescan(ctx, rec, rec.Host(), srv.DefaultServiceName, 0, hosts)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{rec.Target(s.Addr(1)) + ":" + port(s.Addr(1)), rec.Target(s.Addr(2)) + ":" + port(s.Addr(2))}
	if !sameStrings(hosts, want) {
		t.Errorf("rescanned = %v, want %v", hosts, want)
	}

	// Each name dials its router.
	for _, h := range hosts {
		nc, err := rec.DialContext(ctx, "tcp", h)
		if err != nil {
			t.Fatal(err)
		}
		c := &client{t: t, nc: nc}
		r := c.hello()
		nc.Close()
		if r.Lookup("msg").StringValue() != "isdbgrid" {
			t.Errorf("%s: %s", h, r)
		}
	}

	// Failures and other names.
	outage := errors.New("dns down")
	rec.SetError(outage)
	if _, _, err := rec.LookupSRV(ctx, "mongodb", "tcp", rec.Host()); !errors.Is(err, outage) {
		t.Errorf("LookupSRV during the outage: %v", err)
	}
	if _, err := rec.LookupTXT(ctx, rec.Host()); !errors.Is(err, outage) {
		t.Errorf("LookupTXT during the outage: %v", err)
	}
	rec.SetError(nil)
	var dnsErr *net.DNSError
	if _, _, err := rec.LookupSRV(ctx, "mongodb", "tcp", "other.sim.test"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("LookupSRV of another name: %v", err)
	}
	if _, err := rec.LookupTXT(ctx, "other.sim.test"); !errors.As(err, &dnsErr) {
		t.Errorf("LookupTXT of another name: %v", err)
	}
	if n := rec.Lookups(); n != 4 {
		t.Errorf("Lookups = %d, want 4", n)
	}
	rec.Set("not an address")
	if _, _, err := rec.LookupSRV(ctx, "mongodb", "tcp", rec.Host()); err == nil {
		t.Error("LookupSRV with a malformed address succeeded")
	}
	cancelled, stop := context.WithCancel(ctx)
	stop()
	if _, _, err := rec.LookupSRV(cancelled, "mongodb", "tcp", rec.Host()); !errors.Is(err, context.Canceled) {
		t.Errorf("LookupSRV with a cancelled context: %v", err)
	}
	if got := rec.Target("bad"); got != "bad" || !slices.Contains(hosts, want[0]) {
		t.Errorf("Target(bad) = %q", got)
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
