package srv_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/motor-go/motor/internal/srv"
)

// fakeResolver serves SRV records by query name and TXT records by host.
// Names are matched case-insensitively; unknown names are "not found".
type fakeResolver struct {
	srv map[string][]*net.SRV
	txt map[string][]string
	err error // returned by every SRV lookup when set
}

func (f *fakeResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	q := strings.ToLower("_" + service + "._" + proto + "." + name)
	if f.err != nil {
		return "", nil, f.err
	}
	recs, ok := f.srv[q]
	if !ok {
		return "", nil, &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
	}
	return q, recs, nil
}

func (f *fakeResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	recs, ok := f.txt[strings.ToLower(name)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return recs, nil
}

func records(targets ...string) []*net.SRV {
	var out []*net.SRV
	for _, t := range targets {
		out = append(out, &net.SRV{Target: t, Port: 27017})
	}
	return out
}

var _ srv.Resolver = (*net.Resolver)(nil)

// The prose tests of the Initial DNS Seedlist Discovery specification.
func TestSeedsDomainRule(t *testing.T) {
	tests := []struct {
		host   string
		target string
		ok     bool
	}{
		// 1. SRV names of fewer than three labels are allowed.
		{"localhost", "test_1.localhost", true},
		{"mongo.local", "test_1.mongo.local", true},
		// 2. The target must end with the SRV name's domain.
		{"localhost", "localhost.mongodb", false},
		{"mongo.local", "test_1.evil.local", false},
		{"blogs.mongodb.com", "blogs.evil.com", false},
		// 3. With fewer than three labels the target may not equal the name.
		{"localhost", "localhost", false},
		{"mongo.local", "mongo.local", false},
		// 4. The shared part must start at a '.'.
		{"localhost", "test_1.cluster_1localhost", false},
		{"mongo.local", "test_1.my_hostmongo.local", false},
		{"blogs.mongodb.com", "cluster.testmongodb.com", false},
		// More: case and trailing dots do not matter; deeper names match.
		{"Cluster0.Example.NET", "shard-00.EXAMPLE.net.", true},
		{"cluster0.example.net", "a.b.example.net", true},
		{"cluster0.example.net", "example.net", false},
	}
	for _, tc := range tests {
		t.Run(tc.host+"→"+tc.target, func(t *testing.T) {
			host, err := srv.CheckHost(tc.host)
			if err != nil {
				t.Fatalf("CheckHost(%q): %v", tc.host, err)
			}
			r := &fakeResolver{srv: map[string][]*net.SRV{"_mongodb._tcp." + host: records(tc.target)}}
			seeds, err := srv.Seeds(context.Background(), r, host, "", 0)
			if tc.ok {
				if err != nil {
					t.Fatalf("Seeds: %v", err)
				}
				want := strings.ToLower(strings.TrimSuffix(tc.target, ".")) + ":27017"
				if !slices.Equal(seeds, []string{want}) {
					t.Fatalf("Seeds = %q, want [%q]", seeds, want)
				}
			} else if err == nil {
				t.Fatalf("Seeds = %q, want an error", seeds)
			}
			if got := srv.InDomain(tc.host, tc.target); got != tc.ok {
				t.Errorf("InDomain = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestCheckHost(t *testing.T) {
	for _, h := range []string{"", "127.0.0.1", "::1", "a..b", "a b.c", "bücher.example.com", strings.Repeat("a", 64) + ".com", "/tmp/x.sock"} {
		if got, err := srv.CheckHost(h); err == nil {
			t.Errorf("CheckHost(%q) = %q, want an error", h, got)
		}
	}
	if got, err := srv.CheckHost("Cluster0.Example.net."); err != nil || got != "cluster0.example.net" {
		t.Errorf("CheckHost = %q, %v", got, err)
	}
}

func TestCheckServiceName(t *testing.T) {
	for _, ok := range []string{"mongodb", "customname", "my-db2", "x", strings.Repeat("a", 62)} {
		if err := srv.CheckServiceName(ok); err != nil {
			t.Errorf("CheckServiceName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a--b", "123", "a_b", "a.b", strings.Repeat("a", 63)} {
		if err := srv.CheckServiceName(bad); err == nil {
			t.Errorf("CheckServiceName(%q) = nil, want an error", bad)
		}
	}
}

func TestSeedsErrors(t *testing.T) {
	ctx := context.Background()
	dnsErr := &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}
	tests := map[string]*fakeResolver{
		"not found": {},
		"dns error": {err: dnsErr},
		"empty":     {srv: map[string][]*net.SRV{"_mongodb._tcp.a.example.com": nil}},
		"port 0":    {srv: map[string][]*net.SRV{"_mongodb._tcp.a.example.com": {{Target: "b.example.com.", Port: 0}}}},
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := srv.Seeds(ctx, r, "a.example.com", "", 0)
			var le *srv.LookupError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *LookupError", err)
			}
			if !strings.Contains(err.Error(), "_mongodb._tcp.a.example.com") {
				t.Errorf("error %q does not name the query", err)
			}
			if r.err != nil && !errors.Is(err, dnsErr) {
				t.Errorf("error %v does not wrap the resolver's", err)
			}
		})
	}
}

func TestSeedsMaxHosts(t *testing.T) {
	all := []string{"h1.example.com:27017", "h2.example.com:27017", "h3.example.com:27017", "h4.example.com:27017"}
	r := &fakeResolver{srv: map[string][]*net.SRV{
		"_db._tcp.c.example.com": records("h1.example.com.", "h2.example.com.", "h3.example.com.", "h4.example.com.", "h4.example.com."),
	}}
	for _, max := range []int{0, 1, 2, 3, 4, 5} {
		want := len(all)
		if max > 0 && max < want {
			want = max
		}
		seen := map[string]bool{}
		for range 50 {
			seeds, err := srv.Seeds(context.Background(), r, "c.example.com", "db", max)
			if err != nil {
				t.Fatal(err)
			}
			if len(seeds) != want {
				t.Fatalf("max %d: %d seeds %q, want %d", max, len(seeds), seeds, want)
			}
			for _, s := range seeds {
				if !slices.Contains(all, s) {
					t.Fatalf("max %d: seed %q is not a record", max, s)
				}
				seen[s] = true
			}
			if len(seeds) != len(uniq(seeds)) {
				t.Fatalf("max %d: duplicate seeds %q", max, seeds)
			}
		}
		if max == 1 && len(seen) < 2 {
			t.Errorf("max 1: 50 draws always chose %v; the choice is not random", seen)
		}
	}
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func TestRescan(t *testing.T) {
	ctx := context.Background()
	set := func(targets ...string) *fakeResolver {
		return &fakeResolver{srv: map[string][]*net.SRV{"_mongodb._tcp.s.example.com": records(targets...)}}
	}
	t.Run("keeps, drops and adds", func(t *testing.T) {
		r := set("b.example.com", "c.example.com", "evil.com")
		got, rejected, err := srv.Rescan(ctx, r, "s.example.com", "", 0, []string{"a.example.com:27017", "B.example.com:27017"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"b.example.com:27017", "c.example.com:27017"}; !slices.Equal(got, want) {
			t.Errorf("hosts = %q, want %q", got, want)
		}
		if want := []string{"evil.com:27017"}; !slices.Equal(rejected, want) {
			t.Errorf("rejected = %q, want %q", rejected, want)
		}
	})
	t.Run("max hosts fills up to the limit", func(t *testing.T) {
		r := set("a.example.com", "b.example.com", "c.example.com", "d.example.com")
		got, _, err := srv.Rescan(ctx, r, "s.example.com", "", 3, []string{"a.example.com:27017", "x.example.com:27017"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0] != "a.example.com:27017" || len(uniq(got)) != 3 {
			t.Errorf("hosts = %q, want a.example.com first and two more", got)
		}
	})
	t.Run("max hosts already reached", func(t *testing.T) {
		r := set("a.example.com", "b.example.com", "c.example.com")
		cur := []string{"a.example.com:27017", "b.example.com:27017"}
		got, _, err := srv.Rescan(ctx, r, "s.example.com", "", 2, cur)
		if err != nil || !slices.Equal(got, cur) {
			t.Errorf("hosts = %q, %v; want %q", got, err, cur)
		}
	})
	t.Run("nothing valid leaves the topology alone", func(t *testing.T) {
		r := set("evil.com")
		if _, rejected, err := srv.Rescan(ctx, r, "s.example.com", "", 0, nil); err == nil || len(rejected) != 1 {
			t.Errorf("rejected = %q, err = %v; want one rejected and an error", rejected, err)
		}
		if _, _, err := srv.Rescan(ctx, &fakeResolver{}, "s.example.com", "", 0, nil); err == nil {
			t.Error("want an error when there are no records")
		}
	})
}

func TestParseTXT(t *testing.T) {
	good := map[string][]srv.Option{
		"":                                   nil,
		"replicaSet=repl0&authSource=thisDB": {{"replicaSet", "repl0"}, {"authSource", "thisDB"}},
		"REPLICASET=a%26b":                   {{"replicaSet", "a&b"}},
		"loadBalanced=true&":                 {{"loadBalanced", "true"}},
		"authSource=a+b":                     {{"authSource", "a+b"}},
	}
	for rec, want := range good {
		got, err := srv.ParseTXT(rec)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseTXT(%q) = %v, %v; want %v", rec, got, err, want)
		}
	}
	for _, rec := range []string{"authSource", "authSource=", "ssl=false", "tls=true", "socketTimeoutMS=500", "=x", "replicaSet=%zz", "%zz=1"} {
		if got, err := srv.ParseTXT(rec); err == nil {
			t.Errorf("ParseTXT(%q) = %v, want an error", rec, got)
		}
	}
}

func TestLookupOptions(t *testing.T) {
	ctx := context.Background()
	r := &fakeResolver{txt: map[string][]string{
		"one.example.com": {"replicaSet=repl0"},
		"two.example.com": {"replicaSet=repl0", "authSource=x"},
	}}
	if got, err := srv.LookupOptions(ctx, r, "one.example.com"); err != nil || len(got) != 1 {
		t.Errorf("one record: %v, %v", got, err)
	}
	if got, err := srv.LookupOptions(ctx, r, "none.example.com"); err != nil || got != nil {
		t.Errorf("no record: %v, %v", got, err)
	}
	if _, err := srv.LookupOptions(ctx, r, "two.example.com"); err == nil {
		t.Error("two records: want an error")
	}
}
