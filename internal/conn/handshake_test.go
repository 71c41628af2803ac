package conn

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

func TestHandshakeLegacyHello(t *testing.T) {
	wiretest.LeakCheck(t)
	meta, err := NewMetadata(MetadataOptions{AppName: "inventory", Getenv: func(string) string { return "" }, FileExists: func(string) bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	s := server(t, nil)
	c := dial(t, s.Addr(), &Config{Metadata: meta})

	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want the hello only", len(reqs))
	}
	h := reqs[0]
	if h.Command != "isMaster" || h.Compressed || h.Flags != 0 {
		t.Errorf("hello: command %q compressed %v flags %v", h.Command, h.Compressed, h.Flags)
	}
	if v, _ := h.Body.Lookup("helloOk").BooleanOK(); !v {
		t.Error("helloOk: true missing")
	}
	if h.Body.Lookup("backpressure").StringValue() != "2" {
		t.Errorf("backpressure = %v, want the string \"2\"", h.Body.Lookup("backpressure"))
	}
	if got := h.Body.Lookup("client").Document(); string(got) != string(meta) {
		t.Errorf("client = %v, want %v", got, meta)
	}
	if h.Body.Lookup("$db").StringValue() != "admin" {
		t.Errorf("$db = %v", h.Body.Lookup("$db"))
	}
	for _, absent := range []string{"compression", "loadBalanced", "apiVersion", "saslSupportedMechs", "speculativeAuthenticate"} {
		if h.Body.Lookup(absent).Type != 0 {
			t.Errorf("hello carries %s", absent)
		}
	}

	d := c.Description()
	if !d.HelloOK || d.MaxWireVersion != 21 || d.MinWireVersion != 0 || d.ConnectionID != 42 ||
		d.MaxBSONObjectSize != 16*1024*1024 || d.MaxMessageSize != 48_000_000 || d.MaxWriteBatchSize != 100_000 ||
		!d.HasSessionTimeout || d.SessionTimeoutMinutes != 30 || d.HasServiceID || d.Compressor != "" {
		t.Errorf("Description = %+v", d)
	}
	if d.Hello.Lookup("isWritablePrimary").Type != bson.TypeBoolean || d.RTT <= 0 {
		t.Errorf("Hello %v, RTT %v", d.Hello, d.RTT)
	}
	if c.Address() != s.Addr() || c.Err() != nil || c.Broken() || c.Closed() {
		t.Errorf("new connection: address %q err %v broken %v closed %v", c.Address(), c.Err(), c.Broken(), c.Closed())
	}
}

func TestHandshakeDefaultMetadata(t *testing.T) {
	s := server(t, nil)
	dial(t, s.Addr(), &Config{AppName: "reports"})
	client := s.Requests()[0].Body.Lookup("client").Document()
	if client.Lookup("application", "name").StringValue() != "reports" ||
		client.Lookup("driver", "name").StringValue() != DriverName {
		t.Errorf("client = %v", client)
	}

	_, err := Dial(context.Background(), s.Addr(), &Config{AppName: strings.Repeat("a", 129)})
	if !errors.Is(err, ErrAppName) {
		t.Errorf("long appName: %v", err)
	}
}

func TestHandshakeServerAPI(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name string
		api  ServerAPI
		want bson.D
	}{
		{"version only", ServerAPI{Version: "1"}, bson.D{{Key: "apiVersion", Value: "1"}}},
		{"strict and deprecation errors", ServerAPI{Version: "1", Strict: &yes, DeprecationErrors: &no},
			bson.D{{Key: "apiVersion", Value: "1"}, {Key: "apiStrict", Value: true}, {Key: "apiDeprecationErrors", Value: false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := server(t, nil)
			c := dial(t, s.Addr(), &Config{ServerAPI: &tc.api})
			ping(t, c)
			reqs := s.Requests()
			if reqs[0].Command != "hello" {
				t.Errorf("handshake command %q, want hello", reqs[0].Command)
			}
			if reqs[0].Body.Lookup("helloOk").Type != 0 {
				t.Error("hello carries helloOk")
			}
			for _, req := range reqs {
				var got bson.D
				for k, v := range req.Body.Elements() {
					if strings.HasPrefix(k, "api") {
						var val any
						if err := v.Unmarshal(&val); err != nil {
							t.Fatal(err)
						}
						got = append(got, bson.E{Key: k, Value: val})
					}
				}
				if got.String() != tc.want.String() {
					t.Errorf("%s carries %v, want %v", req.Command, got, tc.want)
				}
			}
		})
	}
}

func TestHandshakeLoadBalanced(t *testing.T) {
	wiretest.LeakCheck(t)
	id := bson.NewObjectID()
	s := server(t, nil, bson.E{Key: "serviceId", Value: id})
	c := dial(t, s.Addr(), &Config{LoadBalanced: true})
	h := s.Requests()[0]
	if h.Command != "hello" || !h.Body.Lookup("loadBalanced").Boolean() {
		t.Errorf("hello %v", h.Body)
	}
	if got, ok := c.ServiceID(); !ok || got != id {
		t.Errorf("ServiceID() = %v, %v; want %v", got, ok, id)
	}

	noID := server(t, nil)
	_, err := Dial(context.Background(), noID.Addr(), &Config{LoadBalanced: true})
	if !errors.Is(err, ErrNoServiceID) || networkError(t, err).Op != "handshake" {
		t.Fatalf("Dial without serviceId: %v", err)
	}
	if !strings.Contains(err.Error(), "Driver attempted to initialize in load balancing mode, but the server does not support this mode.") {
		t.Errorf("message %q lacks the specification's text", err)
	}
}

func TestHandshakeCompressionNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name       string
		configured []string
		server     any // the reply's compression field; nil for none
		want       string
	}{
		{"server picks zlib", []string{"zstd", "zlib", "snappy"}, bson.A{"zlib"}, "zlib"},
		{"first of the client's", []string{"snappy", "zstd"}, bson.A{"zstd", "snappy"}, "snappy"},
		{"server has none", []string{"zstd"}, nil, ""},
		{"no overlap", []string{"zstd"}, bson.A{"snappy"}, ""},
		{"unknown names ignored", []string{"lz4", "zstd"}, bson.A{"lz4", "zstd"}, "zstd"},
		{"client offers none", nil, bson.A{"zstd"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var extra []bson.E
			if tc.server != nil {
				extra = append(extra, bson.E{Key: "compression", Value: tc.server})
			}
			s := server(t, nil, extra...)
			c := dial(t, s.Addr(), &Config{Compressors: tc.configured, ZlibLevel: -1})
			if got := c.Description().Compressor; got != tc.want {
				t.Errorf("Compressor = %q, want %q", got, tc.want)
			}
			ping(t, c)
			reqs := s.Requests()
			hello, p := reqs[0], reqs[1]
			if got := hello.Body.Lookup("compression"); len(tc.configured) > 0 {
				var names []string
				for _, v := range got.Array().Values() {
					names = append(names, v.StringValue())
				}
				if !slices.Equal(names, tc.configured) {
					t.Errorf("hello offers %v, want %v", names, tc.configured)
				}
			} else if got.Type != 0 {
				t.Errorf("hello offers %v with no compressors configured", got)
			}
			if hello.Compressed {
				t.Error("hello was compressed")
			}
			if p.Compressed != (tc.want != "") || (p.Compressed && p.Compressor.String() != tc.want) {
				t.Errorf("ping compressed %v with %v, want %q", p.Compressed, p.Compressor, tc.want)
			}
		})
	}
}

func TestHandshakeSpeculativeAuthFields(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cred      auth.Credential
		wantMechs string // saslSupportedMechs, "" when absent
		wantSpec  string // speculativeAuthenticate's mechanism, "" when absent
	}{
		{"negotiated", auth.Credential{Username: "u", Password: "pw", PasswordSet: true}, "admin.u", auth.SCRAMSHA256},
		{"SCRAM-SHA-1", auth.Credential{Mechanism: auth.SCRAMSHA1, Username: "u", Password: "pw", PasswordSet: true, Source: "db"}, "", auth.SCRAMSHA1},
		{"PLAIN", auth.Credential{Mechanism: auth.PLAIN, Username: "u", Password: "pw", PasswordSet: true}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := auth.New(tc.cred)
			if err != nil {
				t.Fatal(err)
			}
			// The server refuses the conversation: here only the hello's
			// fields matter, and the failure must be reported cleanly.
			s := server(t, func(req wiretest.Request) []wiretest.Reply {
				return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(18)},
					{Key: "codeName", Value: "AuthenticationFailed"}, {Key: "errmsg", Value: "Authentication failed."}}}}
			}, bson.E{Key: "saslSupportedMechs", Value: bson.A{"SCRAM-SHA-256", "SCRAM-SHA-1"}})
			d := &recordingDialer{}
			_, err = Dial(context.Background(), s.Addr(), &Config{Dialer: d, Authenticator: a, Compressors: []string{"zstd"}})
			var ae *auth.Error
			if !errors.As(err, &ae) || !errors.Is(err, mongoerr.ErrAuthenticationFailed) {
				t.Fatalf("Dial: %v (%T), want an auth error for code 18", err, err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q shows the password", err)
			}
			var se *mongoerr.ServerError
			if errors.As(err, &se) && se.Raw != nil {
				t.Errorf("the auth command's reply is kept in the error: %v", se.Raw)
			}
			h := s.Requests()[0].Body
			if got := h.Lookup("saslSupportedMechs").StringValue(); got != tc.wantMechs {
				t.Errorf("saslSupportedMechs = %q, want %q", got, tc.wantMechs)
			}
			if got := h.Lookup("speculativeAuthenticate", "mechanism").StringValue(); got != tc.wantSpec {
				t.Errorf("speculativeAuthenticate mechanism = %q, want %q", got, tc.wantSpec)
			}
			for _, r := range s.Requests()[1:] {
				if r.Compressed {
					t.Errorf("%s was compressed", r.Command)
				}
			}
			if !d.allClosed() {
				t.Error("the failed connection was left open")
			}
		})
	}
}

func TestHandshakeX509Speculative(t *testing.T) {
	a, err := auth.New(auth.Credential{Mechanism: auth.X509})
	if err != nil {
		t.Fatal(err)
	}
	s := server(t, nil, bson.E{Key: "speculativeAuthenticate", Value: bson.D{{Key: "dbname", Value: "$external"}, {Key: "user", Value: "CN=client"}}})
	c := dial(t, s.Addr(), &Config{Authenticator: a})
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Errorf("commands %v: the speculative authentication should have been the whole conversation", s.Commands())
	}
	if reqs[0].Body.Lookup("speculativeAuthenticate", "mechanism").StringValue() != auth.X509 {
		t.Errorf("hello %v", reqs[0].Body)
	}
	if c.Description().Hello.Lookup("speculativeAuthenticate").Type != 0 {
		t.Error("Description.Hello keeps speculativeAuthenticate")
	}
	if c.Description().Hello.Lookup("maxWireVersion").Int32() != 21 {
		t.Errorf("Description.Hello lost fields: %v", c.Description().Hello)
	}
}

// The handshake prose test 2: an unknown mechanism in saslSupportedMechs is
// no error.
func TestHandshakeArbitraryMechanism(t *testing.T) {
	s := server(t, nil, bson.E{Key: "saslSupportedMechs", Value: bson.A{"SCRAM-SHA-256", "ArBiTrArY!"}})
	c := dial(t, s.Addr(), nil)
	if got := c.Description().SASLSupportedMechs; !slices.Equal(got, []string{"SCRAM-SHA-256", "ArBiTrArY!"}) {
		t.Errorf("SASLSupportedMechs = %v", got)
	}
}

func TestHandshakeServerRefuses(t *testing.T) {
	s := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(59)}, {Key: "errmsg", Value: "no such command"}}}}
	})
	_, err := Dial(context.Background(), s.Addr(), nil)
	ne := networkError(t, err)
	var se *mongoerr.ServerError
	if ne.Op != "handshake" || !errors.As(err, &se) || se.Code != 59 || se.Command != "isMaster" {
		t.Errorf("Dial: %v", err)
	}
}

func TestHandshakeConnectionDropped(t *testing.T) {
	s := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Close: true}}
	})
	_, err := Dial(context.Background(), s.Addr(), nil)
	if ne := networkError(t, err); ne.Op != "handshake" {
		t.Errorf("Op = %q", ne.Op)
	}
}

func TestHandshakeMalformedReply(t *testing.T) {
	// A body whose document is well framed but whose element is not.
	bad := []byte{12, 0, 0, 0, 0x02, 'o', 'k', 0, 9, 0, 0, 0}
	s := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.Raw(bad)}}
	})
	d := &recordingDialer{}
	_, err := Dial(context.Background(), s.Addr(), &Config{Dialer: d})
	if ne := networkError(t, err); ne.Op != "handshake" {
		t.Errorf("Dial: %v", err)
	}
	if !d.allClosed() {
		t.Error("the failed connection was left open")
	}
}

func TestDialConnectTimeout(t *testing.T) {
	wiretest.LeakCheck(t)
	s := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: helloReply()}}
	})
	start := time.Now()
	_, err := Dial(context.Background(), s.Addr(), &Config{ConnectTimeout: 100 * time.Millisecond})
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Dial took %v with a 100ms connect timeout", elapsed)
	}
	ne := networkError(t, err)
	if ne.Op != "handshake" || !errors.Is(err, context.DeadlineExceeded) || !ne.Timeout() || !mongoerr.IsTimeout(err) {
		t.Errorf("Dial: %v (op %q, timeout %v)", err, ne.Op, ne.Timeout())
	}
}

func TestDialCancel(t *testing.T) {
	wiretest.LeakCheck(t)
	s := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: helloReply()}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Dial(ctx, s.Addr(), nil)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Dial took %v after a cancel at 50ms", elapsed)
	}
	ne := networkError(t, err)
	if !errors.Is(err, context.Canceled) || ne.Timeout() {
		t.Errorf("Dial: %v, timeout %v", err, ne.Timeout())
	}

	// A context done before Dial starts.
	_, err = Dial(ctx, s.Addr(), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with a cancelled context: %v", err)
	}
}

func TestDialRefused(t *testing.T) {
	s := wiretest.NewServer(t, nil)
	addr := s.Addr()
	s.Close()
	_, err := Dial(context.Background(), addr, &Config{ConnectTimeout: 5 * time.Second})
	if ne := networkError(t, err); ne.Op != "dial" || ne.Address != addr {
		t.Errorf("Dial: %v", err)
	}
}

func TestDialCustomDialer(t *testing.T) {
	s := server(t, nil)
	d := &recordingDialer{}
	c := dial(t, s.Addr(), &Config{Dialer: d})
	if len(d.conns) != 1 || d.network != "tcp" || d.allClosed() {
		t.Fatalf("dialer opened %d connections for %q", len(d.conns), d.network)
	}
	c.Close()
	if !d.allClosed() {
		t.Error("Close left the socket open")
	}
}

func TestMaxMessageSizeFromHello(t *testing.T) {
	s := server(t, nil, bson.E{Key: "maxMessageSizeBytes", Value: int32(1000)})
	c := dial(t, s.Addr(), nil)
	big := marshal(t, bson.D{{Key: "insert", Value: "c"}, {Key: "pad", Value: strings.Repeat("x", 1000)}})
	_, err := c.RoundTrip(context.Background(), &Command{DB: "db", Body: big})
	if !errors.Is(err, ErrMessageTooLarge) || c.Err() != nil {
		t.Fatalf("RoundTrip of a big message: %v; connection err %v", err, c.Err())
	}
	ping(t, c)
	if got := s.Commands(); len(got) != 2 {
		t.Errorf("server saw %v: the big message should not have been sent", got)
	}
}

func TestParseDescriptionDefaultsAndTypes(t *testing.T) {
	d := parseDescription(marshal(t, bson.D{
		{Key: "maxWireVersion", Value: int64(17)},
		{Key: "maxBsonObjectSize", Value: "big"},
		{Key: "maxMessageSizeBytes", Value: int32(-1)},
		{Key: "logicalSessionTimeoutMinutes", Value: bson.Null{}},
		{Key: "connectionId", Value: 7.0},
		{Key: "serviceId", Value: "not an ObjectId"},
		{Key: "saslSupportedMechs", Value: bson.A{"PLAIN", int32(3)}},
	}))
	if d.MaxWireVersion != 17 || d.MaxBSONObjectSize != DefaultMaxBSONObjectSize ||
		d.MaxMessageSize != wire.DefaultMaxMessageSize || d.MaxWriteBatchSize != DefaultMaxWriteBatchSize ||
		d.HasSessionTimeout || d.ConnectionID != 7 || d.HasServiceID || !slices.Equal(d.SASLSupportedMechs, []string{"PLAIN"}) {
		t.Errorf("parseDescription = %+v", d)
	}
	if d := parseDescription(marshal(t, bson.D{})); d.SASLSupportedMechs != nil {
		t.Errorf("absent saslSupportedMechs gives %v", d.SASLSupportedMechs)
	}
}
