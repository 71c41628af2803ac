package conn

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/motor-go/motor/bson"
)

// fakeEnv returns a getenv reading from vars.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func noFiles(string) bool { return false }

// The handshake prose test 1, "environment metadata is properly captured",
// plus the other provider combinations of the specification's table. Each
// case also dials, so that the hello carrying the document succeeds.
func TestMetadataEnv(t *testing.T) {
	s := server(t, nil)
	lambda := map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_java8", "AWS_REGION": "us-east-2", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		docker bool
		want   string // client.env as relaxed Extended JSON, "" for absent
	}{
		{"1 valid AWS", lambda, false, `{"name":"aws.lambda","memory_mb":1024,"region":"us-east-2"}`},
		{"2 valid Azure", map[string]string{"FUNCTIONS_WORKER_RUNTIME": "node"}, false, `{"name":"azure.func"}`},
		{"3 valid GCP", map[string]string{"K_SERVICE": "servicename", "FUNCTION_MEMORY_MB": "1024", "FUNCTION_TIMEOUT_SEC": "60", "FUNCTION_REGION": "us-central1"}, false,
			`{"name":"gcp.func","timeout_sec":60,"memory_mb":1024,"region":"us-central1"}`},
		{"4 valid Vercel", map[string]string{"VERCEL": "1", "VERCEL_REGION": "cdg1"}, false, `{"name":"vercel","region":"cdg1"}`},
		{"5 multiple providers", map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_java8", "FUNCTIONS_WORKER_RUNTIME": "node"}, false, ""},
		{"6 long string", map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_java8", "AWS_REGION": strings.Repeat("a", 512)}, false, `{"name":"aws.lambda"}`},
		{"7 wrong types", map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_java8", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "big"}, false, `{"name":"aws.lambda"}`},
		{"8 not AWS_Lambda_", map[string]string{"AWS_EXECUTION_ENV": "EC2"}, false, ""},
		{"9 container and FaaS", with(lambda, "KUBERNETES_SERVICE_HOST", "1"), false,
			`{"name":"aws.lambda","memory_mb":1024,"region":"us-east-2","container":{"orchestrator":"kubernetes"}}`},
		{"AWS by runtime API", map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, false, `{"name":"aws.lambda"}`},
		{"GCP by function name", map[string]string{"FUNCTION_NAME": "f", "FUNCTION_TIMEOUT_SEC": "99999999999"}, false, `{"name":"gcp.func"}`},
		{"Vercel wins over AWS", with(lambda, "VERCEL", "1", "VERCEL_REGION", "cdg1"), false, `{"name":"vercel","region":"cdg1"}`},
		{"Vercel and Azure conflict", map[string]string{"VERCEL": "1", "FUNCTIONS_WORKER_RUNTIME": "node"}, false, ""},
		{"three providers", with(lambda, "VERCEL", "1", "K_SERVICE", "s"), false, ""},
		{"conflict keeps the container", map[string]string{"VERCEL": "1", "FUNCTIONS_WORKER_RUNTIME": "node", "KUBERNETES_SERVICE_HOST": "10.0.0.1"}, true,
			`{"container":{"runtime":"docker","orchestrator":"kubernetes"}}`},
		{"docker only", nil, true, `{"container":{"runtime":"docker"}}`},
		{"empty values are unset", map[string]string{"VERCEL": "", "K_SERVICE": "", "KUBERNETES_SERVICE_HOST": ""}, false, ""},
		{"nothing", nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exists := func(p string) bool { return tc.docker && p == "/.dockerenv" }
			meta, err := NewMetadata(MetadataOptions{Getenv: fakeEnv(tc.vars), FileExists: exists})
			if err != nil {
				t.Fatal(err)
			}
			if len(meta) > MaxMetadataSize {
				t.Errorf("metadata is %d bytes", len(meta))
			}
			got := ""
			if e, ok := meta.Lookup("env").DocumentOK(); ok {
				got = e.String()
			}
			if got != tc.want {
				t.Errorf("env = %s\n want %s", got, tc.want)
			}
			c := dial(t, s.Addr(), &Config{Metadata: meta})
			ping(t, c)
		})
	}
}

func TestMetadataFields(t *testing.T) {
	meta, err := NewMetadata(MetadataOptions{AppName: "app", Getenv: fakeEnv(nil), FileExists: noFiles})
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(meta.Keys(), ","); got != "application,driver,os,platform" {
		t.Errorf("keys %s", got)
	}
	for path, want := range map[string]string{
		"application.name": "app",
		"driver.name":      DriverName,
		"driver.version":   DriverVersion,
		"os.type":          osType(runtime.GOOS),
		"os.name":          runtime.GOOS,
		"os.architecture":  runtime.GOARCH,
		"platform":         runtime.Version() + " " + runtime.Compiler,
	} {
		if got := meta.Lookup(strings.Split(path, ".")...).StringValue(); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}

	// No appName, no application document.
	meta, err = NewMetadata(MetadataOptions{Getenv: fakeEnv(nil), FileExists: noFiles})
	if err != nil || meta.Lookup("application").Type != 0 {
		t.Errorf("without appName: %v, %v", meta, err)
	}

	// The process's own environment.
	meta, err = NewMetadata(MetadataOptions{AppName: strings.Repeat("é", 64)})
	if err != nil || len(meta) > MaxMetadataSize || meta.Validate() != nil {
		t.Errorf("default environment: %v (%d bytes), %v", meta, len(meta), err)
	}
	if _, err := NewMetadata(MetadataOptions{AppName: strings.Repeat("a", 129)}); !errors.Is(err, ErrAppName) {
		t.Errorf("129-byte appName: %v", err)
	}
}

func TestOSType(t *testing.T) {
	for goos, want := range map[string]string{"linux": "Linux", "darwin": "Darwin", "windows": "Windows",
		"freebsd": "BSD", "aix": "Unix", "plan9": "plan9", "": "unknown"} {
		if got := osType(goos); got != want {
			t.Errorf("osType(%q) = %q", goos, got)
		}
	}
}

// The truncation order of the handshake specification: env's fields but
// its name, os's fields but its type, env itself, then the end of platform.
func TestMetadataTruncation(t *testing.T) {
	base := func() metadata {
		n := int32(1024)
		return metadata{app: "app", name: DriverName, version: DriverVersion, osType: "Linux", osName: "linux", osArch: "amd64",
			platform: "go1.26 gc", env: env{name: faasAWS, region: "us-east-2", memoryMB: &n, orchestrator: "kubernetes"}}
	}
	for _, tc := range []struct {
		name   string
		change func(*metadata)
		keep   []string // paths that must remain
		gone   []string // paths that must be left out
	}{
		{"fits", func(*metadata) {}, []string{"env.region", "env.container", "os.name"}, nil},
		{"env fields", func(m *metadata) { m.env.region = strings.Repeat("r", 400) },
			[]string{"env.name", "os.name", "os.architecture", "platform"}, []string{"env.region", "env.memory_mb", "env.container"}},
		{"os fields", func(m *metadata) { m.env.region = strings.Repeat("r", 400); m.osName = strings.Repeat("n", 450) },
			[]string{"env.name", "os.type", "platform"}, []string{"env.region", "os.name", "os.architecture"}},
		{"env", func(m *metadata) { m.env.name = strings.Repeat("e", 400) },
			[]string{"os.type", "platform"}, []string{"env", "os.name"}},
		{"platform", func(m *metadata) { m.platform = "go1.26 " + strings.Repeat("ü", 300) },
			[]string{"os.type", "driver.name", "application.name"}, []string{"env", "os.name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.change(&m)
			doc, err := m.encode()
			if err != nil {
				t.Fatal(err)
			}
			if len(doc) > MaxMetadataSize || doc.Validate() != nil {
				t.Fatalf("%d bytes: %v", len(doc), doc)
			}
			for _, p := range tc.keep {
				if doc.Lookup(strings.Split(p, ".")...).Type == 0 {
					t.Errorf("%s was left out: %v", p, doc)
				}
			}
			for _, p := range tc.gone {
				if doc.Lookup(strings.Split(p, ".")...).Type != 0 {
					t.Errorf("%s was kept", p)
				}
			}
			if tc.name == "platform" {
				p := doc.Lookup("platform").StringValue()
				if !utf8.ValidString(p) || !strings.HasPrefix(p, "go1.26 ") || len(doc) < MaxMetadataSize-1 {
					t.Errorf("platform cut to %q, document %d bytes", p, len(doc))
				}
			}
		})
	}

	m := base()
	m.name = strings.Repeat("d", 600)
	if _, err := m.encode(); !errors.Is(err, ErrMetadataSize) {
		t.Errorf("oversized driver name: %v", err)
	}
}

func TestTruncateUTF8(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abc", 2, "ab"}, {"aé", 2, "a"}, {"é", 0, ""}, {"日本", 4, "日"}} {
		if got := truncateUTF8(tc.s, tc.n); got != tc.want {
			t.Errorf("truncateUTF8(%q, %d) = %q", tc.s, tc.n, got)
		}
	}
}

// The client metadata update prose tests, at the level of the document:
// wrapping libraries' DriverInfo is appended after a "|", never replaces,
// and a duplicate (empty fields counting as unset) adds nothing.
func TestMetadataDriverInfo(t *testing.T) {
	lib := DriverInfo{Name: "library", Version: "1.2", Platform: "Library Platform"}
	base, err := NewMetadata(MetadataOptions{Getenv: fakeEnv(nil), FileExists: noFiles})
	if err != nil {
		t.Fatal(err)
	}
	basePlatform := base.Lookup("platform").StringValue()
	type fields struct{ name, version, platform string }
	get := func(infos ...DriverInfo) fields {
		t.Helper()
		m, err := NewMetadata(MetadataOptions{DriverInfo: infos, Getenv: fakeEnv(nil), FileExists: noFiles})
		if err != nil {
			t.Fatal(err)
		}
		// Strip the driver's own part, as the prose tests do.
		strip := func(s, own string) string { return strings.TrimPrefix(strings.TrimPrefix(s, own), "|") }
		return fields{strip(m.Lookup("driver", "name").StringValue(), DriverName),
			strip(m.Lookup("driver", "version").StringValue(), DriverVersion),
			strip(m.Lookup("platform").StringValue(), basePlatform)}
	}
	for _, tc := range []struct {
		name  string
		infos []DriverInfo
		want  fields
	}{
		{"none", nil, fields{}},
		{"library", []DriverInfo{lib}, fields{"library", "1.2", "Library Platform"}},
		{"update 1", []DriverInfo{lib, {"framework", "2.0", "Framework Platform"}}, fields{"library|framework", "1.2|2.0", "Library Platform|Framework Platform"}},
		{"update 2", []DriverInfo{lib, {"framework", "2.0", ""}}, fields{"library|framework", "1.2|2.0", "Library Platform"}},
		{"update 3", []DriverInfo{lib, {"framework", "", "Framework Platform"}}, fields{"library|framework", "1.2", "Library Platform|Framework Platform"}},
		{"update 4", []DriverInfo{lib, {"framework", "", ""}}, fields{"library|framework", "1.2", "Library Platform"}},
		{"duplicate 1", []DriverInfo{lib, lib}, fields{"library", "1.2", "Library Platform"}},
		{"duplicate 2", []DriverInfo{lib, {"framework", "1.2", "Library Platform"}}, fields{"library|framework", "1.2|1.2", "Library Platform|Library Platform"}},
		{"duplicate 4", []DriverInfo{lib, {"library", "1.2", "Framework Platform"}}, fields{"library|library", "1.2|1.2", "Library Platform|Framework Platform"}},
		{"test 4 and 6", []DriverInfo{lib, {"framework", "2.0", "Framework Platform"}, lib}, fields{"library|framework", "1.2|2.0", "Library Platform|Framework Platform"}},
		{"test 7 case 2", []DriverInfo{{"library", "", "Library Platform"}, {"library", "", "Library Platform"}}, fields{"library", "", "Library Platform"}},
		{"test 7 case 3", []DriverInfo{{"library", "1.2", ""}, {"library", "1.2", ""}}, fields{"library", "1.2", ""}},
		{"empty info", []DriverInfo{{}}, fields{}},
	} {
		if got := get(tc.infos...); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if _, err := NewMetadata(MetadataOptions{DriverInfo: []DriverInfo{{Name: "a|b"}}}); !errors.Is(err, ErrDriverInfo) {
		t.Errorf("delimiter in a name: %v", err)
	}
}

// The handshake prose test 9: every hello carries backpressure: "2", as a
// string, whatever the configuration.
func TestHelloBackpressure(t *testing.T) {
	s := server(t, nil, bson.E{Key: "serviceId", Value: bson.NewObjectID()})
	for _, cfg := range []*Config{{}, {LoadBalanced: true}, {ServerAPI: &ServerAPI{Version: "1"}}, {Compressors: []string{"zstd"}}} {
		c, err := Dial(context.Background(), s.Addr(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	for _, req := range s.Requests() {
		if v := req.Body.Lookup("backpressure"); v.Type != bson.TypeString || v.StringValue() != "2" {
			t.Errorf("%s carries backpressure %v", req.Command, v)
		}
	}
	if len(s.Requests()) != 4 {
		t.Errorf("%d handshakes", len(s.Requests()))
	}
}
