// Package event defines the events a Motor client reports to monitors that
// an application registers: the connection pool events of the Connection
// Monitoring and Pooling (CMAP) specification and the server discovery
// events of the SDAM specification; command events will join them here
// with the same shape.
//
// # Shape of a monitor
//
// Every monitor is a struct of optional callbacks, one field per event type,
// and every callback takes its event by value:
//
//	mon := &event.PoolMonitor{
//		ConnectionCheckedOut: func(e event.ConnectionCheckedOutEvent) {
//			log.Printf("conn %d to %s out after %v", e.ConnectionID, e.Address, e.Duration)
//		},
//	}
//
// A nil monitor, or a nil field, costs nothing: the driver builds no event
// for it. Passing events by value means reporting an event allocates
// nothing, so a monitor can stay registered in production.
//
// # Calling rules
//
// The driver calls a callback synchronously, on one of its goroutines
// (usually the one where the event happens), never while holding an
// internal lock. Callbacks run
// concurrently with each other, so they must be safe for concurrent use.
// They must return quickly and must not block on the client that reports
// them (for example by running a database operation and waiting for it):
// a slow callback slows the operation that emitted the event.
//
// Events of one pool are reported in the order the specification
// prescribes for one goroutine's work (a check-out's Started, then
// Created, Ready and CheckedOut, for example). Events caused by different
// goroutines at the same moment may interleave.
//
// # Connection pool events
//
// PoolMonitor receives the eleven CMAP events: the pool's life (created,
// ready, cleared, closed), each connection's life (created, ready, closed
// with a reason), and each check-out and check-in, with durations measured
// on the monotonic clock.
//
// # Server discovery events
//
// ServerMonitor receives the SDAM events: the topology's and each server's
// description changes, and each heartbeat of the server monitors.
package event
