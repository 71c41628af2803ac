package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/testserver/sim"
)

// A replica set in front of a server already running (in tests, testenv's
// FerretDB): a client seeded with one member discovers the others, then
// the test fails over and injects an error. This example needs a server, so
// it is compiled, not run.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := sim.NewReplicaSet(ctx, "127.0.0.1:27017", sim.Options{
		Members: 3,
		Tags:    []map[string]string{{"dc": "east"}, {"dc": "west"}, {"dc": "west"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rs.Close()
	fmt.Println(rs.SeedURI(0, "heartbeatFrequencyMS=500"))

	// ... start a client on that URI, then:
	rs.StepDown(0)
	rs.Elect(1)
	rs.FailCommand(1, sim.FailPoint{
		Mode:         sim.Times(1),
		FailCommands: []string{"insert"},
		ErrorCode:    91,
		ErrorLabels:  []string{"RetryableWriteError"},
	})
	fmt.Println(rs.Received(1, "insert"))
}

// The mongos list behind a mongodb+srv host changes while a client polls
// it: the SRV value is both the client's resolver and its dialer.
func ExampleSRV() {
	ctx := context.Background()
	routers, err := sim.NewSharded(ctx, "127.0.0.1:27017", 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer routers.Close()
	records := sim.NewSRV("cluster.sim.test", routers.Addr(0), routers.Addr(1))
	fmt.Println(records.URI("srvMaxHosts=0"))
	// ... configure a client with records as its Resolver and Dialer, then:
	records.Set(routers.Addr(1), routers.Addr(2))
}
