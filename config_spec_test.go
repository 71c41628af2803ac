package motor_test

// Shared pieces of the specification test runners: parsing in both modes,
// the fake DNS zone and the mapping from spec option names to Config fields.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	motor "github.com/motor-go/motor"
)

// result is the outcome of one parse.
type result struct {
	cfg      *motor.Config
	err      error
	warnings []string
}

// parseURI parses uri with the test zone as resolver and the generated TLS
// files, collecting warnings. lenient selects the specification's
// warn-and-ignore treatment of invalid values.
func parseURI(t testing.TB, uri string, lenient bool) result {
	t.Helper()
	var (
		mu  sync.Mutex
		res result
	)
	opts := motor.ParseOptions{
		Resolver: testZone,
		Lenient:  lenient,
		Warn: func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			res.warnings = append(res.warnings, msg)
		},
	}
	opts = motor.WithReadFile(opts, readTestFile)
	res.cfg, res.err = motor.ParseURIWith(context.Background(), uri, opts)
	if res.err != nil && res.cfg != nil {
		t.Errorf("ParseURIWith returned both a Config and error %v", res.err)
	}
	var ce *motor.ConfigError
	if res.err != nil && !errors.As(res.err, &ce) {
		t.Errorf("error %v (%T) is not a *motor.ConfigError", res.err, res.err)
	}
	return res
}

// readTestFile serves the ca.pem and cert.pem that the tls option tests
// name, generated for the test run.
func readTestFile(name string) ([]byte, error) {
	files := testTLSFiles()
	if data, ok := files[name]; ok {
		return data, nil
	}
	return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
}

// testZone holds the records of the test1…test24.test.build.10gen.cc zone
// that the Initial DNS Seedlist Discovery tests use, as listed in that
// specification's tests/README.md. One difference: the README lists one
// record for _customname._tcp.test22, but srv-service-name.json expects two
// seeds, 27017 and 27018, so the zone serves both.
var testZone = &zone{
	srv: map[string][]*net.SRV{
		"_mongodb._tcp.test1.test.build.10gen.cc":     {lh(27017), lh(27018)},
		"_mongodb._tcp.test2.test.build.10gen.cc":     {lh(27018), lh(27019)},
		"_mongodb._tcp.test3.test.build.10gen.cc":     {lh(27017)},
		"_mongodb._tcp.test5.test.build.10gen.cc":     {lh(27017)},
		"_mongodb._tcp.test6.test.build.10gen.cc":     {lh(27017)},
		"_mongodb._tcp.test7.test.build.10gen.cc":     {lh(27017)},
		"_mongodb._tcp.test8.test.build.10gen.cc":     {lh(27017)},
		"_mongodb._tcp.test10.test.build.10gen.cc":    {lh(27017)},
		"_mongodb._tcp.test11.test.build.10gen.cc":    {lh(27017)},
		"_mongodb._tcp.test12.test.build.10gen.cc":    {{Target: "localhost.build.10gen.cc.", Port: 27017}},
		"_mongodb._tcp.test13.test.build.10gen.cc":    {{Target: "test.build.10gen.cc.", Port: 27017}},
		"_mongodb._tcp.test14.test.build.10gen.cc":    {{Target: "localhost.not-test.build.10gen.cc.", Port: 27017}},
		"_mongodb._tcp.test15.test.build.10gen.cc":    {{Target: "localhost.test.not-build.10gen.cc.", Port: 27017}},
		"_mongodb._tcp.test16.test.build.10gen.cc":    {{Target: "localhost.test.build.not-10gen.cc.", Port: 27017}},
		"_mongodb._tcp.test17.test.build.10gen.cc":    {{Target: "localhost.test.build.10gen.not-cc.", Port: 27017}},
		"_mongodb._tcp.test18.test.build.10gen.cc":    {{Target: "localhost.sub.test.build.10gen.cc.", Port: 27017}},
		"_mongodb._tcp.test19.test.build.10gen.cc":    {{Target: "localhost.evil.build.10gen.cc.", Port: 27017}, lh(27017)},
		"_mongodb._tcp.test20.test.build.10gen.cc":    {lh(27017)},
		"_mongodb._tcp.test21.test.build.10gen.cc":    {lh(27017)},
		"_customname._tcp.test22.test.build.10gen.cc": {lh(27017), lh(27018)},
		"_mongodb._tcp.test23.test.build.10gen.cc":    {lh(8000)},
		"_mongodb._tcp.test24.test.build.10gen.cc":    {lh(8000)},
	},
	// One string per record; a record's character strings are joined, as
	// net.Resolver does ("replicaS" "et=rep" "l0" for test11).
	txt: map[string][]string{
		"test5.test.build.10gen.cc":  {"replicaSet=repl0&authSource=thisDB"},
		"test6.test.build.10gen.cc":  {"replicaSet=repl0", "authSource=otherDB"},
		"test7.test.build.10gen.cc":  {"ssl=false"},
		"test8.test.build.10gen.cc":  {"authSource"},
		"test10.test.build.10gen.cc": {"socketTimeoutMS=500"},
		"test11.test.build.10gen.cc": {"replicaS" + "et=rep" + "l0"},
		"test20.test.build.10gen.cc": {"loadBalanced=true"},
		"test21.test.build.10gen.cc": {"loadBalanced=false"},
		"test24.test.build.10gen.cc": {"loadBalanced=true"},
	},
}

func lh(port uint16) *net.SRV {
	return &net.SRV{Target: "localhost.test.build.10gen.cc.", Port: port, Priority: 0, Weight: 5}
}

// zone is a fake motor.Resolver. Names match case-insensitively, as in DNS;
// an unknown name is "not found".
type zone struct {
	srv map[string][]*net.SRV
	txt map[string][]string
}

func (z *zone) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	q := strings.ToLower("_" + service + "._" + proto + "." + strings.TrimSuffix(name, "."))
	recs, ok := z.srv[q]
	if !ok {
		return "", nil, &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
	}
	out := make([]*net.SRV, len(recs))
	for i, r := range recs {
		c := *r
		out[i] = &c
	}
	return q + ".", out, nil
}

func (z *zone) LookupTXT(_ context.Context, name string) ([]string, error) {
	q := strings.ToLower(strings.TrimSuffix(name, "."))
	recs, ok := z.txt[q]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
	}
	return append([]string(nil), recs...), nil
}

// seedsOf returns the "host:port" targets of the SRV records of a name.
func (z *zone) seedsOf(query string) []string {
	var out []string
	for _, r := range z.srv[strings.ToLower(query)] {
		out = append(out, fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port))
	}
	return out
}

// optionValue returns the Config's value for a spec option name, in the
// form encoding/json decodes the spec files to (numbers as float64).
func optionValue(cfg *motor.Config, key string) (any, bool) {
	ms := func(d time.Duration) any { return float64(d.Milliseconds()) }
	tls := cfg.TLSOptions
	switch strings.ToLower(key) {
	case "appname":
		return cfg.AppName, true
	case "authmechanism":
		if cfg.Auth == nil {
			return nil, true
		}
		return cfg.Auth.Mechanism, true
	case "authmechanismproperties":
		if cfg.Auth == nil {
			return nil, true
		}
		props := map[string]any{}
		for k, v := range cfg.Auth.Properties {
			props[k] = v
		}
		return props, true
	case "authsource":
		if cfg.Auth == nil {
			return motor.AuthSourceOf(cfg), true
		}
		return cfg.Auth.Source, true
	case "compressors":
		list := []any{}
		for _, c := range cfg.Compressors {
			list = append(list, c)
		}
		return list, true
	case "zlibcompressionlevel":
		return float64(cfg.ZlibCompressionLevel), true
	case "connecttimeoutms":
		return ms(cfg.ConnectTimeout), true
	case "directconnection":
		return cfg.DirectConnection, true
	case "heartbeatfrequencyms":
		return ms(cfg.HeartbeatFrequency), true
	case "loadbalanced":
		return cfg.LoadBalanced, true
	case "localthresholdms":
		return ms(cfg.LocalThreshold), true
	case "maxidletimems":
		return ms(cfg.MaxIdleTime), true
	case "maxpoolsize":
		return float64(cfg.MaxPoolSize), true
	case "minpoolsize":
		return float64(cfg.MinPoolSize), true
	case "maxconnecting":
		return float64(cfg.MaxConnecting), true
	case "waitqueuetimeoutms":
		return ms(cfg.WaitQueueTimeout), true
	case "maxadaptiveretries":
		return float64(cfg.MaxAdaptiveRetries), true
	case "enableoverloadretargeting":
		return cfg.EnableOverloadRetargeting, true
	case "readconcernlevel":
		if cfg.ReadConcern == nil {
			return nil, true
		}
		return cfg.ReadConcern.Level, true
	case "readpreference":
		if cfg.ReadPreference == nil {
			return nil, true
		}
		return string(cfg.ReadPreference.Mode), true
	case "readpreferencetags":
		if cfg.ReadPreference == nil {
			return nil, true
		}
		sets := []any{}
		for _, ts := range cfg.ReadPreference.TagSets {
			m := map[string]any{}
			for _, tag := range ts {
				m[tag.Name] = tag.Value
			}
			sets = append(sets, m)
		}
		return sets, true
	case "maxstalenessseconds":
		if cfg.ReadPreference == nil {
			return nil, true
		}
		return float64(cfg.ReadPreference.MaxStaleness / time.Second), true
	case "replicaset":
		return cfg.ReplicaSet, true
	case "retryreads":
		return cfg.RetryReads, true
	case "retrywrites":
		return cfg.RetryWrites, true
	case "servermonitoringmode":
		return string(cfg.ServerMonitoringMode), true
	case "serverselectiontimeoutms":
		return ms(cfg.ServerSelectionTimeout), true
	case "serverselectiontryonce":
		return cfg.ServerSelectionTryOnce, true
	case "sockettimeoutms":
		return ms(cfg.SocketTimeout), true
	case "timeoutms":
		if cfg.Timeout == nil {
			return nil, true
		}
		return ms(*cfg.Timeout), true
	case "srvmaxhosts":
		return float64(cfg.SRVMaxHosts), true
	case "srvservicename":
		return cfg.SRVServiceName, true
	case "tls", "ssl":
		return cfg.TLSConfig != nil, true
	case "tlscafile":
		return tls.CAFile, true
	case "tlscertificatekeyfile":
		return tls.CertificateKeyFile, true
	case "tlscertificatekeyfilepassword":
		return tls.CertificateKeyFilePassword, true
	case "tlsinsecure":
		return tls.Insecure, true
	case "tlsallowinvalidcertificates":
		return tls.AllowInvalidCertificates, true
	case "tlsallowinvalidhostnames":
		return tls.AllowInvalidHostnames, true
	case "tlsdisableocspendpointcheck":
		return tls.DisableOCSPEndpointCheck, true
	case "tlsdisablecertificaterevocationcheck":
		return tls.DisableCertificateRevocationCheck, true
	case "uuidrepresentation":
		return string(cfg.UUIDRepresentation), true
	case "w", "journal", "wtimeoutms":
		return writeConcernValue(cfg.WriteConcern, key), true
	}
	return nil, false
}

// writeConcernValue returns w, journal or wtimeoutMS of wc, nil when unset.
func writeConcernValue(wc *motor.WriteConcern, key string) any {
	if wc == nil {
		return nil
	}
	switch strings.ToLower(key) {
	case "w":
		if n, ok := wc.W.Nodes(); ok {
			return float64(n)
		}
		if tag, ok := wc.W.Tag(); ok {
			return tag
		}
	case "journal":
		if wc.Journal != nil {
			return *wc.Journal
		}
	case "wtimeoutms":
		if wc.WTimeout != 0 {
			return float64(wc.WTimeout.Milliseconds())
		}
	}
	return nil
}

// checkOptions compares every option the spec test lists with cfg.
func checkOptions(t *testing.T, cfg *motor.Config, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got, known := optionValue(cfg, k)
		if !known {
			t.Errorf("option %q: the test runner does not know it", k)
			continue
		}
		if !reflect.DeepEqual(got, want[k]) {
			t.Errorf("option %q = %#v, want %#v", k, got, want[k])
		}
	}
}

// rawTests decodes the "tests" array of a spec file.
type rawTests struct {
	Tests []json.RawMessage `json:"tests"`
}
