package motor_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	motor "github.com/motor-go/motor"
)

func mustParse(t *testing.T, uri string) *motor.Config {
	t.Helper()
	res := parseURI(t, uri, false)
	if res.err != nil {
		t.Fatalf("ParseURI(%q): %v", uri, res.err)
	}
	return res.cfg
}

func TestParseURIDefaults(t *testing.T) {
	cfg := mustParse(t, "mongodb://localhost")
	want := motor.Config{
		Hosts:                  []string{"localhost:27017"},
		ZlibCompressionLevel:   -1,
		ConnectTimeout:         10 * time.Second,
		ServerSelectionTimeout: 30 * time.Second,
		ServerSelectionTryOnce: true,
		HeartbeatFrequency:     10 * time.Second,
		LocalThreshold:         15 * time.Millisecond,
		ServerMonitoringMode:   motor.ServerMonitoringAuto,
		MaxPoolSize:            100,
		MaxConnecting:          2,
		RetryReads:             true,
		RetryWrites:            true,
		MaxAdaptiveRetries:     2,
	}
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", *cfg, want)
	}
	if got := cfg.String(); got != "mongodb://localhost:27017" {
		t.Errorf("String = %q", got)
	}
}

func TestParseURIOptions(t *testing.T) {
	cfg := mustParse(t, "mongodb://u%40x:p%3Aw@H1.example.com:27018,[::1],%2Ftmp%2Fm.sock/db?"+
		"appName=app&replicaSet=rs&connectTimeoutMS=2000&socketTimeoutMS=3000&timeoutMS=0&"+
		"serverSelectionTimeoutMS=4000&heartbeatFrequencyMS=600&localThresholdMS=0&maxPoolSize=0&"+
		"minPoolSize=1&maxConnecting=5&maxIdleTimeMS=7000&waitQueueTimeoutMS=8000&retryReads=false&"+
		"retryWrites=false&compressors=zstd,ZLIB,snappy,zlib&zlibCompressionLevel=9&readPreference=NEAREST&"+
		"readPreferenceTags=dc:ny,rack:1&readPreferenceTags=&maxStalenessSeconds=100&readConcernLevel=majority&"+
		"w=majority&journal=true&wTimeoutMS=5000&uuidRepresentation=javaLegacy&serverMonitoringMode=poll&"+
		"maxAdaptiveRetries=0&enableOverloadRetargeting=true&authSource=admin2&proxyHost=proxy&proxyPort=1081")
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("Hosts", cfg.Hosts, []string{"h1.example.com:27018", "[::1]:27017", "/tmp/m.sock"})
	check("Database", cfg.Database, "db")
	check("Auth", *cfg.Auth, motor.Credential{Username: "u@x", Password: "p:w", PasswordSet: true, Source: "admin2"})
	check("AppName", cfg.AppName, "app")
	check("ReplicaSet", cfg.ReplicaSet, "rs")
	check("ConnectTimeout", cfg.ConnectTimeout, 2*time.Second)
	check("SocketTimeout", cfg.SocketTimeout, 3*time.Second)
	check("Timeout", *cfg.Timeout, time.Duration(0))
	check("ServerSelectionTimeout", cfg.ServerSelectionTimeout, 4*time.Second)
	check("HeartbeatFrequency", cfg.HeartbeatFrequency, 600*time.Millisecond)
	check("LocalThreshold", cfg.LocalThreshold, time.Duration(0))
	check("pool", []int{cfg.MaxPoolSize, cfg.MinPoolSize, cfg.MaxConnecting}, []int{0, 1, 5})
	check("MaxIdleTime", cfg.MaxIdleTime, 7*time.Second)
	check("WaitQueueTimeout", cfg.WaitQueueTimeout, 8*time.Second)
	check("retries", []bool{cfg.RetryReads, cfg.RetryWrites}, []bool{false, false})
	check("Compressors", cfg.Compressors, []string{"zstd", "zlib", "snappy"})
	check("ZlibCompressionLevel", cfg.ZlibCompressionLevel, 9)
	check("ReadPreference", *cfg.ReadPreference, motor.ReadPreference{
		Mode:         motor.ReadNearest,
		TagSets:      []motor.TagSet{{{Name: "dc", Value: "ny"}, {Name: "rack", Value: "1"}}, {}},
		MaxStaleness: 100 * time.Second,
	})
	check("ReadConcern", *cfg.ReadConcern, motor.ReadConcern{Level: "majority"})
	check("WriteConcern", *cfg.WriteConcern, motor.WriteConcern{W: motor.WMajority(), Journal: new(true), WTimeout: 5 * time.Second})
	check("UUIDRepresentation", cfg.UUIDRepresentation, motor.UUIDJavaLegacy)
	check("ServerMonitoringMode", cfg.ServerMonitoringMode, motor.ServerMonitoringPoll)
	check("MaxAdaptiveRetries", cfg.MaxAdaptiveRetries, 0)
	check("EnableOverloadRetargeting", cfg.EnableOverloadRetargeting, true)
	check("Proxy", *cfg.Proxy, motor.ProxyOptions{Host: "proxy", Port: 1081})

	want := "mongodb://u%40x:REDACTED@h1.example.com:27018,[::1]:27017,%2Ftmp%2Fm.sock/db?appName=app&" +
		"authSource=admin2&compressors=zstd,zlib,snappy&zlibCompressionLevel=9&connectTimeoutMS=2000&" +
		"heartbeatFrequencyMS=600&localThresholdMS=0&maxIdleTimeMS=7000&maxPoolSize=0&minPoolSize=1&" +
		"maxConnecting=5&waitQueueTimeoutMS=8000&maxAdaptiveRetries=0&enableOverloadRetargeting=true&" +
		"proxyHost=proxy&proxyPort=1081&readConcernLevel=majority&readPreference=nearest&" +
		"readPreferenceTags=dc:ny,rack:1&readPreferenceTags=&maxStalenessSeconds=100&replicaSet=rs&" +
		"retryReads=false&retryWrites=false&serverMonitoringMode=poll&serverSelectionTimeoutMS=4000&" +
		"socketTimeoutMS=3000&timeoutMS=0&uuidRepresentation=javaLegacy&w=majority&journal=true&wTimeoutMS=5000"
	if got := cfg.String(); got != want {
		t.Errorf("String:\n got %s\nwant %s", got, want)
	}
}

// TestMergeRule: the URI is parsed first, fields set afterwards win.
func TestMergeRule(t *testing.T) {
	cfg := mustParse(t, "mongodb://localhost/?maxPoolSize=5&appName=fromURI&w=1")
	cfg.MaxPoolSize = 50
	cfg.AppName = "fromCode"
	cfg.WriteConcern.W = motor.WMajority()
	cfg.ServerAPI = &motor.ServerAPI{Version: motor.ServerAPIVersion1}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.String(), "mongodb://localhost:27017/?appName=fromCode&maxPoolSize=50&w=majority"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// TestAuthSourceWithoutCredential: authSource alone creates no credential
// but applies to a credential set in code.
func TestAuthSourceWithoutCredential(t *testing.T) {
	cfg := mustParse(t, "mongodb://localhost/db?authSource=users")
	if cfg.Auth != nil {
		t.Fatalf("Auth = %v, want nil", cfg.Auth)
	}
	if got := motor.AuthSourceOf(cfg); got != "users" {
		t.Errorf("authSource = %q", got)
	}
	if got, want := cfg.String(), "mongodb://localhost:27017/db?authSource=users"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	cfg.Auth = &motor.Credential{Username: "u", Password: "p", PasswordSet: true}
	if got := motor.CredentialSource(cfg); got != "users" {
		t.Errorf("source of a credential set in code = %q, want users", got)
	}
	cfg = mustParse(t, "mongodb://localhost/db")
	cfg.Auth = &motor.Credential{Username: "u", Password: "p", PasswordSet: true}
	if got := motor.CredentialSource(cfg); got != "db" {
		t.Errorf("default source = %q, want db", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		option string
		change func(*motor.Config)
	}{
		{"", func(c *motor.Config) { c.Hosts = nil }},
		{"directConnection", func(c *motor.Config) { c.DirectConnection = true; c.Hosts = append(c.Hosts, "b:1") }},
		{"loadBalanced", func(c *motor.Config) { c.LoadBalanced = true; c.ReplicaSet = "rs" }},
		{"srvMaxHosts", func(c *motor.Config) { c.SRVMaxHosts = 2 }},
		{"srvServiceName", func(c *motor.Config) { c.SRVServiceName = "x" }},
		{"authMechanism", func(c *motor.Config) { c.Auth = &motor.Credential{Mechanism: "MONGODB-CR", Username: "u"} }},
		{"authMechanism", func(c *motor.Config) {
			c.Auth = &motor.Credential{Mechanism: motor.MechanismSCRAMSHA256, Username: "u"}
		}},
		{"authMechanism", func(c *motor.Config) { c.Auth = &motor.Credential{} }},
		{"authSource", func(c *motor.Config) { c.Auth = &motor.Credential{Mechanism: motor.MechanismX509, Source: "admin"} }},
		{"authMechanismProperties", func(c *motor.Config) {
			c.Auth = &motor.Credential{Mechanism: motor.MechanismOIDC, Properties: map[string]string{"environment": "azure"}}
		}},
		{"journal", func(c *motor.Config) { c.WriteConcern = &motor.WriteConcern{W: motor.WNodes(0), Journal: new(true)} }},
		{"w", func(c *motor.Config) { c.WriteConcern = &motor.WriteConcern{W: motor.WNodes(-1)} }},
		{"readPreferenceTags", func(c *motor.Config) {
			c.ReadPreference = &motor.ReadPreference{TagSets: []motor.TagSet{{{Name: "dc", Value: "ny"}}}}
		}},
		{"readPreference", func(c *motor.Config) { c.ReadPreference = &motor.ReadPreference{Mode: "fastest"} }},
		{"maxStalenessSeconds", func(c *motor.Config) { c.ReadPreference = &motor.ReadPreference{MaxStaleness: time.Minute} }},
		{"minPoolSize", func(c *motor.Config) { c.MinPoolSize = 200 }},
		{"maxConnecting", func(c *motor.Config) { c.MaxConnecting = 0 }},
		{"heartbeatFrequencyMS", func(c *motor.Config) { c.HeartbeatFrequency = time.Millisecond }},
		{"serverSelectionTimeoutMS", func(c *motor.Config) { c.ServerSelectionTimeout = 0 }},
		{"timeoutMS", func(c *motor.Config) { c.Timeout = new(-time.Second) }},
		{"socketTimeoutMS", func(c *motor.Config) { c.SocketTimeout = -1 }},
		{"zlibCompressionLevel", func(c *motor.Config) { c.ZlibCompressionLevel = 10 }},
		{"compressors", func(c *motor.Config) { c.Compressors = []string{"lz4"} }},
		{"serverMonitoringMode", func(c *motor.Config) { c.ServerMonitoringMode = "push" }},
		{"uuidRepresentation", func(c *motor.Config) { c.UUIDRepresentation = "weird" }},
		{"appName", func(c *motor.Config) { c.AppName = strings.Repeat("a", 129) }},
		{"proxyHost", func(c *motor.Config) { c.Proxy = &motor.ProxyOptions{Port: 1080} }},
		{"proxyUsername", func(c *motor.Config) { c.Proxy = &motor.ProxyOptions{Host: "p", Port: 1080, Username: "u"} }},
		{"", func(c *motor.Config) { c.ServerAPI = &motor.ServerAPI{Version: "2"} }},
	}
	for _, tc := range tests {
		cfg := mustParse(t, "mongodb://localhost")
		tc.change(cfg)
		err := cfg.Validate()
		var ce *motor.ConfigError
		if !errors.As(err, &ce) || ce.Option != tc.option {
			t.Errorf("want an error about %q, got %v", tc.option, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "motor: invalid config: ") {
			t.Errorf("error %q does not say it is about the config", err)
		}
	}
}

// TestInvalidValues: an invalid value is an error naming the option, and a
// lenient parse ignores it with a warning naming the option.
func TestInvalidValues(t *testing.T) {
	tests := map[string]string{
		"maxPoolSize=-1":                      "maxPoolSize",
		"connectTimeoutMS=2147483648":         "connectTimeoutMS",
		"heartbeatFrequencyMS=499":            "heartbeatFrequencyMS",
		"serverSelectionTimeoutMS=0":          "serverSelectionTimeoutMS",
		"retryWrites=1":                       "retryWrites",
		"readPreference=fastest":              "readPreference",
		"readPreferenceTags=dc:ny,dc:x":       "readPreferenceTags",
		"maxStalenessSeconds=0":               "maxStalenessSeconds",
		"w=-1":                                "w",
		"wTimeoutMS=x":                        "wTimeoutMS",
		"zlibCompressionLevel=10":             "zlibCompressionLevel",
		"uuidRepresentation=x":                "uuidRepresentation",
		"serverMonitoringMode=push":           "serverMonitoringMode",
		"appName=" + strings.Repeat("a", 129): "appName",
		"proxyHost=p&proxyPort=0":             "proxyPort",
		"TLS=maybe":                           "tls",
	}
	for query, option := range tests {
		uri := "mongodb://localhost/?" + query
		strict := parseURI(t, uri, false)
		var ce *motor.ConfigError
		if !errors.As(strict.err, &ce) || ce.Option != option || !strings.Contains(strict.err.Error(), option+": invalid value") {
			t.Errorf("%s: err = %v, want an invalid value of %s", query, strict.err, option)
		}
		lenient := parseURI(t, uri, true)
		if lenient.err != nil || len(lenient.warnings) != 1 || !strings.Contains(lenient.warnings[0], option) {
			t.Errorf("%s: lenient: %v, warnings %q", query, lenient.err, lenient.warnings)
		}
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		query string
		warns []string
		check func(*motor.Config) bool
	}{
		{"foo=bar&Foo=baz", []string{`unknown option "foo"`, `unknown option "Foo"`}, nil},
		{"appName=a&APPNAME=b", []string{"appName: option repeated"}, func(c *motor.Config) bool { return c.AppName == "b" }},
		{"maxPoolSize=", []string{"maxPoolSize: empty value ignored"}, func(c *motor.Config) bool { return c.MaxPoolSize == 100 }},
		{"wtimeout=5", []string{"wtimeout: deprecated"}, func(c *motor.Config) bool { return c.WriteConcern.WTimeout == 5*time.Millisecond }},
		{"wtimeout=5&wTimeoutMS=10", []string{"wtimeout: deprecated", "wtimeout: ignored"}, func(c *motor.Config) bool {
			return c.WriteConcern.WTimeout == 10*time.Millisecond
		}},
		{"compressors=zlib,lz4", []string{`unknown compressor "lz4"`}, func(c *motor.Config) bool { return len(c.Compressors) == 1 }},
		{"tls=true&ssl=true&tls=true", nil, nil},
		{"readPreference=secondary&readPreferenceTags=a:1&readPreferenceTags=b:2", nil, nil},
		{"gssapiServiceName=x", []string{"gssapiServiceName: deprecated", "gssapiServiceName: ignored"}, nil},
	}
	for _, tc := range tests {
		res := parseURI(t, "mongodb://localhost/?"+tc.query, false)
		if res.err != nil {
			t.Errorf("%s: %v", tc.query, res.err)
			continue
		}
		if len(res.warnings) != len(tc.warns) {
			t.Errorf("%s: warnings %q, want %d", tc.query, res.warnings, len(tc.warns))
			continue
		}
		for i, w := range tc.warns {
			if !strings.HasPrefix(res.warnings[i], "motor: connection string: ") || !strings.Contains(res.warnings[i], w) {
				t.Errorf("%s: warning %q does not contain %q", tc.query, res.warnings[i], w)
			}
		}
		if tc.check != nil && !tc.check(res.cfg) {
			t.Errorf("%s: unexpected Config %s", tc.query, res.cfg)
		}
	}
}

// TestDefaultWarnSink: without ParseOptions.Warn, warnings go to slog.
func TestDefaultWarnSink(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	if _, err := motor.ParseURI("mongodb://localhost/?bogus=1"); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "bogus") {
		t.Errorf("slog output %q", out)
	}
}

func TestHostErrors(t *testing.T) {
	for _, uri := range []string{
		"mongodb://a,,b", "mongodb://a,", "mongodb://[::1", "mongodb://[::1]x", "mongodb://[zz]", "mongodb://[127.0.0.1]",
		"mongodb://a:0", "mongodb://a:+1", "mongodb://a:", "mongodb://a b", "mongodb://a%zz", "mongodb://%2Ftmp%2Fx",
		"mongodb://%2Ftmp%2Fx.sock:27017", "mongodb://localhost/a b", "mongodb://localhost/a$b", "mongodb://localhost/%zz",
		"mongodb://localhost/?%zz=1", "mongodb://localhost/?w=%zz", "mongodb://localhost/?=1",
		"mongodb+srv://127.0.0.1", "mongodb+srv://[::1]", "mongodb+srv://%2Ftmp%2Fx.sock", "mongodb+srv://a..b",
		"mongodb+srv://test3.test.build.10gen.cc/?directConnection=true",
		"mongodb+srv://test3.test.build.10gen.cc/?srvServiceName=bad_name",
		"mongodb://localhost/?authMechanismProperties=SERVICE_NAME:x",
		"mongodb://localhost/?proxyHost=a&proxyHost=a",
		"MONGO://localhost",
	} {
		if res := parseURI(t, uri, false); res.err == nil {
			t.Errorf("ParseURI(%q) succeeded with %s", uri, res.cfg)
		}
	}
	for uri, hosts := range map[string]string{
		"MONGODB://LocalHost":                     "localhost:27017",
		"mongodb://[FE80::1%25eth0]:1":            "[fe80::1%eth0]:1",
		"mongodb://%61bc:1,ABC":                   "abc:1,abc:27017",
		"mongodb://x/?":                           "x:27017",
		"mongodb://x/?&&w=1&":                     "x:27017",
		"mongodb+srv://TEST3.test.build.10gen.cc": "localhost.test.build.10gen.cc:27017",
	} {
		if res := parseURI(t, uri, false); res.err != nil || strings.Join(res.cfg.Hosts, ",") != hosts {
			t.Errorf("ParseURI(%q) = %v, %v; want hosts %s", uri, res.cfg, res.err, hosts)
		}
	}
}

// TestResolverErrors: DNS errors are wrapped, and the context reaches the
// resolver.
func TestResolverErrors(t *testing.T) {
	dnsErr := &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}
	r := &errResolver{err: dnsErr}
	_, err := motor.ParseURIWith(context.Background(), "mongodb+srv://c.example.com", motor.ParseOptions{Resolver: r})
	if !errors.Is(err, dnsErr) {
		t.Errorf("err = %v, want it to wrap the DNS error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = motor.ParseURIWith(ctx, "mongodb+srv://c.example.com", motor.ParseOptions{Resolver: r})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

type errResolver struct{ err error }

func (r *errResolver) LookupSRV(ctx context.Context, _, _, _ string) (string, []*net.SRV, error) {
	if ctx.Err() != nil {
		return "", nil, ctx.Err()
	}
	return "", nil, r.err
}

func (r *errResolver) LookupTXT(ctx context.Context, _ string) ([]string, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, r.err
}

func TestW(t *testing.T) {
	if n, ok := motor.WNodes(2).Nodes(); !ok || n != 2 {
		t.Error("WNodes(2).Nodes()")
	}
	if tag, ok := motor.WMajority().Tag(); !ok || tag != "majority" {
		t.Error("WMajority().Tag()")
	}
	if !(motor.W{}).IsZero() || !motor.WTag("").IsZero() || motor.WNodes(0).IsZero() {
		t.Error("IsZero")
	}
	if _, ok := motor.WTag("x").Nodes(); ok {
		t.Error("a tag has nodes")
	}
	if s := motor.WNodes(0).String() + motor.WTag("dc").String() + (motor.W{}).String(); s != "0dc" {
		t.Errorf("String: %q", s)
	}
}
