package event_test

import (
	"log"
	"sync/atomic"

	"github.com/motor-go/motor/event"
)

// A monitor that counts check-outs and logs the connections the pool closes
// because of errors. Only the callbacks of interest are set.
func ExamplePoolMonitor() {
	var checkedOut atomic.Int64
	mon := &event.PoolMonitor{
		ConnectionCheckedOut: func(e event.ConnectionCheckedOutEvent) {
			checkedOut.Add(1)
		},
		ConnectionClosed: func(e event.ConnectionClosedEvent) {
			if e.Reason == event.ReasonError {
				log.Printf("connection %d to %s closed: %v", e.ConnectionID, e.Address, e.Error)
			}
		},
	}
	_ = mon // given to the client when it is created
}
