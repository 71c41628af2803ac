// Package srv implements the DNS side of mongodb+srv:// connection strings:
// the SRV lookup of the seed list, the TXT record of default options, the
// rule that every returned host must share the SRV name's domain, the random
// selection that srvMaxHosts asks for, and the rescan that keeps a sharded
// cluster's mongos list current.
//
// It follows the Initial DNS Seedlist Discovery and the Polling SRV Records for
// mongos Discovery specifications. It knows nothing of the rest of a
// connection string: the motor package parses the URI and applies the
// options, and the topology layer calls [Rescan] on its own schedule.
//
// Every function takes a [Resolver]; a *net.Resolver is one, and tests supply
// a table of records.
package srv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultServiceName is the SRV service name used when srvServiceName is not
// set: the query is then for _mongodb._tcp.<host>.
const DefaultServiceName = "mongodb"

// RescanInterval is how often the topology layer rescans the SRV records of a
// sharded cluster. The specification asks for the smallest TTL of the records,
// but never less than 60 seconds; the standard library resolver does not
// report TTLs, so the floor is the interval. While a rescan finds no usable
// host, the topology rescans every heartbeatFrequencyMS instead.
const RescanInterval = 60 * time.Second

// A Resolver answers the two DNS queries that seed list discovery makes.
// *net.Resolver implements it.
type Resolver interface {
	// LookupSRV queries _service._proto.name and returns its SRV records.
	// Priority and weight are ignored, and so is the returned canonical name.
	LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error)

	// LookupTXT returns the TXT records of name, one string per record: the
	// character strings of a record are joined without separator, as
	// net.Resolver does.
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// A LookupError reports that the SRV records of a name could not be used to
// build a seed list. Err, when set, is the resolver's error.
type LookupError struct {
	Name string // the queried name, e.g. _mongodb._tcp.cluster0.example.net
	Msg  string
	Err  error
}

// Error names the query and the problem.
func (e *LookupError) Error() string {
	s := "SRV lookup of " + e.Name + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the resolver's error.
func (e *LookupError) Unwrap() error { return e.Err }

// QueryName returns the DNS name queried for the SRV records of host with the
// given service name ("" means [DefaultServiceName]).
func QueryName(host, service string) string {
	if service == "" {
		service = DefaultServiceName
	}
	return "_" + service + "._tcp." + host
}

// Lookup queries the SRV records of host (a name checked by [CheckHost]) for
// the given service name and returns the targets as "host:port" strings,
// lower-cased and without the trailing dot. Targets outside host's domain
// (see [InDomain]) are returned apart in rejected, in the same form.
//
// It is an error if the query fails or returns no record at all. Duplicate
// targets are returned once.
func Lookup(ctx context.Context, r Resolver, host, service string) (valid, rejected []string, err error) {
	if service == "" {
		service = DefaultServiceName
	}
	name := QueryName(host, service)
	_, records, err := r.LookupSRV(ctx, service, "tcp", host)
	if err != nil {
		return nil, nil, &LookupError{Name: name, Msg: "no usable records", Err: err}
	}
	if len(records) == 0 {
		return nil, nil, &LookupError{Name: name, Msg: "no records found"}
	}
	seen := make(map[string]bool, len(records))
	for _, rec := range records {
		if rec == nil {
			continue
		}
		target := normalizeName(rec.Target)
		if rec.Port == 0 {
			return nil, nil, &LookupError{Name: name, Msg: fmt.Sprintf("record for %q has port 0", target)}
		}
		addr := net.JoinHostPort(target, strconv.Itoa(int(rec.Port)))
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if InDomain(host, target) {
			valid = append(valid, addr)
		} else {
			rejected = append(rejected, addr)
		}
	}
	if len(valid)+len(rejected) == 0 {
		return nil, nil, &LookupError{Name: name, Msg: "no records found"}
	}
	return valid, rejected, nil
}

// Seeds performs initial seed list discovery: it looks up the SRV records of
// host and returns the seed list, with at most maxHosts hosts chosen at random
// when maxHosts is positive and smaller than the number of records.
//
// Unlike [Rescan], Seeds fails if any record points outside host's domain:
// the specification forbids connecting to any host of such a result.
func Seeds(ctx context.Context, r Resolver, host, service string, maxHosts int) ([]string, error) {
	valid, rejected, err := Lookup(ctx, r, host, service)
	if err != nil {
		return nil, err
	}
	if len(rejected) > 0 {
		return nil, &LookupError{
			Name: QueryName(host, service),
			Msg:  fmt.Sprintf("record target %q is not in the domain of %q", hostOf(rejected[0]), host),
		}
	}
	return Choose(valid, maxHosts), nil
}

// Rescan performs one periodic rescan of a sharded cluster's SRV records, as
// the topology layer does every [RescanInterval]. Given the hosts currently in
// the topology, it returns the hosts the topology should have: current hosts
// still listed are kept (in their current order), hosts no longer listed are
// dropped, and new hosts are added, chosen at random when maxHosts is
// positive, until the list has maxHosts hosts.
//
// Targets outside host's domain are skipped and returned in rejected for the
// caller to log. If the lookup fails or yields no valid host, Rescan returns
// an error and the caller must leave the topology unchanged.
func Rescan(ctx context.Context, r Resolver, host, service string, maxHosts int, current []string) (hosts, rejected []string, err error) {
	valid, rejected, err := Lookup(ctx, r, host, service)
	if err != nil {
		return nil, rejected, err
	}
	if len(valid) == 0 {
		return nil, rejected, &LookupError{Name: QueryName(host, service), Msg: "no record in the domain of " + host}
	}
	listed := make(map[string]bool, len(valid))
	for _, h := range valid {
		listed[h] = true
	}
	kept := make(map[string]bool, len(current))
	for _, h := range current {
		h = strings.ToLower(h)
		if listed[h] && !kept[h] {
			kept[h] = true
			hosts = append(hosts, h)
		}
	}
	var added []string
	for _, h := range valid {
		if !kept[h] {
			added = append(added, h)
		}
	}
	if maxHosts > 0 {
		if room := maxHosts - len(hosts); room > 0 {
			added = Choose(added, room)
		} else {
			added = nil
		}
	}
	return append(hosts, added...), rejected, nil
}

// LookupOptions returns the default connection string options that the TXT
// record of host carries, in record order. A host without TXT record has no
// default options. More than one record, a badly formed record and an option
// other than authSource, replicaSet or loadBalanced are errors, as the
// specification requires; see [ParseTXT].
func LookupOptions(ctx context.Context, r Resolver, host string) ([]Option, error) {
	records, err := r.LookupTXT(ctx, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, nil
		}
		return nil, &LookupError{Name: host, Msg: "TXT lookup failed", Err: err}
	}
	switch len(records) {
	case 0:
		return nil, nil
	case 1:
		return ParseTXT(records[0])
	default:
		return nil, &TXTError{Msg: fmt.Sprintf("%s has %d TXT records; at most one is allowed", host, len(records))}
	}
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}
