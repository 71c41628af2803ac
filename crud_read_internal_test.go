package motor

import (
	"context"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/topology"
)

func TestWriteStageReadPref(t *testing.T) {
	secondary := topology.ReadPref{Mode: topology.Secondary}
	server := func(kind topology.ServerType, wire int32) topology.ServerDescription {
		return topology.ServerDescription{Kind: kind, MaxWireVersion: wire}
	}
	cases := []struct {
		name    string
		desc    topology.Description
		rp      topology.ReadPref
		primary bool
	}{
		{"primary stays primary", topology.Description{Kind: topology.ReplicaSetWithPrimary, Servers: []topology.ServerDescription{server(topology.RSPrimary, 21)}}, topology.ReadPref{}, true},
		{"all 5.0+", topology.Description{Kind: topology.ReplicaSetWithPrimary, Servers: []topology.ServerDescription{server(topology.RSPrimary, 21), server(topology.RSSecondary, 13)}}, secondary, false},
		{"one 4.4 secondary", topology.Description{Kind: topology.ReplicaSetWithPrimary, Servers: []topology.ServerDescription{server(topology.RSPrimary, 21), server(topology.RSSecondary, 12)}}, secondary, true},
		{"one 4.4 mongos", topology.Description{Kind: topology.Sharded, Servers: []topology.ServerDescription{server(topology.Mongos, 9), server(topology.Mongos, 21)}}, secondary, true},
		{"unknown servers do not count", topology.Description{Kind: topology.ReplicaSetNoPrimary, Servers: []topology.ServerDescription{server(topology.ServerUnknown, 0), server(topology.PossiblePrimary, 0), server(topology.RSSecondary, 17)}}, secondary, false},
		{"no available server", topology.Description{Kind: topology.TopologyUnknown, Servers: []topology.ServerDescription{server(topology.ServerUnknown, 0)}}, secondary, false},
		{"load balanced", topology.Description{Kind: topology.LoadBalanced, Servers: []topology.ServerDescription{server(topology.LoadBalancer, 0)}}, secondary, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := writeStageReadPref(tc.desc, tc.rp)
			if (got.Mode == topology.Primary) != tc.primary {
				t.Errorf("mode %v, want primary %v", got.Mode, tc.primary)
			}
			if !tc.primary && got.Mode != tc.rp.Mode {
				t.Errorf("mode %v, want %v", got.Mode, tc.rp.Mode)
			}
		})
	}
}

func TestEncodePipelineFindsWriteStages(t *testing.T) {
	cases := []struct {
		pipeline any
		write    bool
	}{
		{bson.A{}, false},
		{[]bson.D{{{Key: "$match", Value: bson.D{}}}}, false},
		{bson.A{bson.D{{Key: "$out", Value: "x"}}}, true},
		{bson.A{bson.D{{Key: "$match", Value: bson.D{}}}, bson.D{{Key: "$merge", Value: "x"}}}, true},
		{bson.A{bson.D{{Key: "$out", Value: "x"}}, bson.D{{Key: "$match", Value: bson.D{}}}}, false}, // not last: the server refuses it
		{[]bson.M{{"$out": "x"}}, true},
	}
	for _, tc := range cases {
		_, write, err := encodePipeline(nil, tc.pipeline)
		if err != nil || write != tc.write {
			t.Errorf("%v: write %v, %v", tc.pipeline, write, err)
		}
	}
}

func TestFutureFirstForgetsItsWaiters(t *testing.T) {
	c := &Client{}
	gate := make(chan struct{})
	fs := make([]*Future[int], 3)
	for i := range fs {
		fs[i] = Async(context.Background(), c, func(ctx context.Context) (int, error) {
			if i == 0 {
				return 0, nil
			}
			<-gate
			return i, nil
		})
	}
	<-fs[0].Done()
	for range 5 {
		if i, _, _ := First(context.Background(), fs[1], fs[2], fs[0]); i != 2 {
			t.Fatalf("First = %d", i)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	First(ctx, fs[1], fs[2])
	for _, f := range fs {
		f.mu.Lock()
		n := len(f.waiters)
		f.mu.Unlock()
		if n != 0 {
			t.Errorf("%d waiters left", n)
		}
	}
	close(gate)
	WaitAll(context.Background(), fs...)
	c.open.wg.Wait()
}

// FuzzParseCursorReply feeds arbitrary replies to the cursor reply parser,
// which must return an error or documents that lie within the reply.
func FuzzParseCursorReply(f *testing.F) {
	seed := func(v any) {
		b, err := bson.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
		f.Add(b, false)
	}
	seed(bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(3)}, {Key: "ns", Value: "a.b"}, {Key: "firstBatch", Value: bson.A{bson.D{{Key: "x", Value: 1}}}}}}, {Key: "ok", Value: 1.0}})
	seed(bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int32(0)}, {Key: "nextBatch", Value: bson.A{1, "x"}}}}})
	seed(bson.D{{Key: "cursor", Value: "nope"}})
	seed(bson.D{{Key: "ok", Value: 0.0}})
	f.Fuzz(func(t *testing.T, reply []byte, first bool) {
		batch := "nextBatch"
		if first {
			batch = "firstBatch"
		}
		r, err := parseCursorReply(bson.Raw(reply), batch)
		if err != nil {
			return
		}
		for _, d := range r.docs {
			if len(d) < 5 || len(d) > len(reply) {
				t.Fatalf("document of %d bytes from a reply of %d", len(d), len(reply))
			}
		}
		splitNS(r.ns)
	})
}
