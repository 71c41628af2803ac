package topology

import (
	"context"
	"testing"
	"time"
)

func benchTopology(b *testing.B) *Topology {
	topo := New(Config{Seeds: []string{"a", "b", "c"}, SetName: "rs", HeartbeatInterval: 10 * time.Second,
		LocalThreshold: 15 * time.Millisecond, ServerSelectionTimeout: time.Second}, Options{})
	topo.Open()
	hosts := `"hosts":["a:27017","b:27017","c:27017"],"maxWireVersion":21`
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(b, `{"ok":1,"isWritablePrimary":true,"setName":"rs",`+hosts+`}`), time.Millisecond, time.Now()), false)
	topo.ServerChecked(NewServerDescription("b:27017", helloReply(b, `{"ok":1,"secondary":true,"setName":"rs",`+hosts+`}`), 2*time.Millisecond, time.Now()), false)
	topo.ServerChecked(NewServerDescription("c:27017", helloReply(b, `{"ok":1,"secondary":true,"setName":"rs",`+hosts+`}`), 3*time.Millisecond, time.Now()), false)
	return topo
}

// BenchmarkSelectServer measures the selection of an operation's server
// when one is suitable: the hot path of every operation.
func BenchmarkSelectServer(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    Criteria
	}{
		{"primary", Criteria{}},
		{"write", Criteria{Write: true}},
		{"nearest", Criteria{ReadPref: ReadPref{Mode: Nearest}}},
		{"secondary-tags", Criteria{ReadPref: ReadPref{Mode: Secondary, TagSets: []TagSet{{{Name: "dc", Value: "ny"}}, {}}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			topo := benchTopology(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				sd, err := topo.SelectServer(ctx, bc.c)
				if err != nil {
					b.Fatal(err)
				}
				topo.ReleaseServer(sd.Addr)
			}
		})
	}
}

// BenchmarkApply measures processing one check of a replica set member.
func BenchmarkApply(b *testing.B) {
	topo := benchTopology(b)
	d := topo.Description()
	sd := NewServerDescription("b:27017", helloReply(b, `{"ok":1,"secondary":true,"setName":"rs","hosts":["a:27017","b:27017","c:27017"],"maxWireVersion":21}`), time.Millisecond, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		_ = Apply(d, sd)
	}
}
