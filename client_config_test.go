package motor

import (
	"context"
	"net"
	"testing"

	"github.com/motor-go/motor/internal/cluster"
)

// oneHostResolver answers every SRV query with one host of the queried
// domain, and every TXT query with nothing.
type oneHostResolver struct{}

func (oneHostResolver) LookupSRV(_ context.Context, _, _, name string) (string, []*net.SRV, error) {
	return "", []*net.SRV{{Target: "host1." + name + ".", Port: 27017}}, nil
}

func (oneHostResolver) LookupTXT(context.Context, string) ([]string, error) { return nil, nil }

// TestInternalConfigMonitoring checks that serverMonitoringMode and the
// mongodb+srv settings, resolver included, reach the cluster.
func TestInternalConfigMonitoring(t *testing.T) {
	res := oneHostResolver{}
	for _, tc := range []struct {
		uri     string
		mode    cluster.MonitoringMode
		srvHost string
		service string
	}{
		{"mongodb://a", cluster.MonitorAuto, "", ""},
		{"mongodb://a/?serverMonitoringMode=stream", cluster.MonitorStream, "", ""},
		{"mongodb://a/?serverMonitoringMode=poll", cluster.MonitorPoll, "", ""},
		{"mongodb+srv://c0.example.net/?serverMonitoringMode=poll", cluster.MonitorPoll, "c0.example.net", "mongodb"},
		{"mongodb+srv://c0.example.net/?srvServiceName=custom", cluster.MonitorAuto, "c0.example.net", "custom"},
	} {
		cfg, err := ParseURIWith(context.Background(), tc.uri, ParseOptions{Resolver: res})
		if err != nil {
			t.Fatalf("%s: %v", tc.uri, err)
		}
		ic, err := newInternalConfig(cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.uri, err)
		}
		cc := ic.cluster
		if cc.Monitoring != tc.mode {
			t.Errorf("%s: monitoring %v, want %v", tc.uri, cc.Monitoring, tc.mode)
		}
		switch {
		case tc.srvHost == "" && cc.SRV != nil:
			t.Errorf("%s: SRV rescans configured: %+v", tc.uri, cc.SRV)
		case tc.srvHost != "" && (cc.SRV == nil || cc.SRV.Host != tc.srvHost || cc.SRV.Service != tc.service || cc.SRV.Resolver != res):
			t.Errorf("%s: SRV %+v, want host %s, service %s and the parse resolver", tc.uri, cc.SRV, tc.srvHost, tc.service)
		}
	}
	// A Config built in code for an SRV host rescans with the default
	// resolver.
	cfg, err := ParseURIWith(context.Background(), "mongodb+srv://c0.example.net/", ParseOptions{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	cfg.srvResolver = nil
	ic, err := newInternalConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ic.cluster.SRV == nil || ic.cluster.SRV.Resolver != net.DefaultResolver {
		t.Errorf("SRV %+v, want net.DefaultResolver", ic.cluster.SRV)
	}
}
