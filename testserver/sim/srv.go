package sim

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
)

// SRV answers the DNS queries of a mongodb+srv connection string from a
// record set that a test changes at will, and dials the names it hands out.
// It implements the driver's Resolver (LookupSRV, LookupTXT) and Dialer
// (DialContext) interfaces, so a client configured with it discovers, and
// keeps polling, a list of simulated mongos without a DNS server.
//
// The SRV records name the target 127.0.0.1:port "h<port>.<host>", inside
// the SRV host's domain as the seedlist rules require; DialContext dials
// such a name at 127.0.0.1 and any other address as it is. It is safe for
// concurrent use.
type SRV struct {
	host   string
	dialer net.Dialer

	mu      sync.Mutex
	addrs   []string
	txt     []string
	err     error
	lookups int
}

// NewSRV returns a record set for the SRV host name host (for example
// "cluster.sim.test", which needs at least three labels to have a domain of
// its own), listing addrs, "127.0.0.1:port" addresses.
func NewSRV(host string, addrs ...string) *SRV {
	s := &SRV{host: strings.ToLower(strings.TrimSuffix(host, "."))}
	s.Set(addrs...)
	return s
}

// Host returns the SRV host name.
func (s *SRV) Host() string { return s.host }

// URI returns "mongodb+srv://<host>/" with params as its options, joined
// with &.
func (s *SRV) URI(params ...string) string {
	u := "mongodb+srv://" + s.host + "/"
	if len(params) > 0 {
		u += "?" + strings.Join(params, "&")
	}
	return u
}

// Set replaces the addresses the SRV records list.
func (s *SRV) Set(addrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addrs = append([]string(nil), addrs...)
}

// SetTXT replaces the TXT records ("replicaSet=rs0&authSource=admin", one
// string a record); none by default.
func (s *SRV) SetTXT(records ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt = append([]string(nil), records...)
}

// SetError makes every lookup fail with err until it is set back to nil,
// as a DNS outage would.
func (s *SRV) SetError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Lookups returns the number of SRV lookups answered or failed so far.
func (s *SRV) Lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups
}

// Target returns the name the SRV records give to addr, "h<port>.<host>";
// it is the host a client reports for the server at addr.
func (s *SRV) Target(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return "h" + port + "." + s.host
}

// LookupSRV answers _service._proto.host with one record per address, and
// any other name with a not-found error.
func (s *SRV) LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error) {
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	q := "_" + service + "._" + proto + "." + strings.TrimSuffix(name, ".")
	if s.err != nil {
		return "", nil, s.err
	}
	if !strings.EqualFold(strings.TrimSuffix(name, "."), s.host) {
		return "", nil, &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
	}
	recs := make([]*net.SRV, 0, len(s.addrs))
	for _, a := range s.addrs {
		_, p, err := net.SplitHostPort(a)
		if err != nil {
			return "", nil, fmt.Errorf("sim: SRV address %q: %w", a, err)
		}
		port, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return "", nil, fmt.Errorf("sim: SRV address %q: %w", a, err)
		}
		recs = append(recs, &net.SRV{Target: "h" + p + "." + s.host + ".", Port: uint16(port), Weight: 1})
	}
	return q + ".", recs, nil
}

// LookupTXT answers the SRV host with the TXT records of SetTXT, and any
// other name with a not-found error.
func (s *SRV) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if !strings.EqualFold(strings.TrimSuffix(name, "."), s.host) {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return append([]string(nil), s.txt...), nil
}

// DialContext dials address, translating a name of the records,
// h<port>.<host>:port, to 127.0.0.1:port.
func (s *SRV) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err == nil && strings.EqualFold(strings.TrimSuffix(host, "."), "h"+port+"."+s.host) {
		address = net.JoinHostPort("127.0.0.1", port)
	}
	return s.dialer.DialContext(ctx, network, address)
}
