// Package topology is the driver's model of the deployment: Server Discovery
// and Monitoring (SDAM), server selection and max staleness, as the MongoDB
// specifications of those names define them.
//
// # Pure logic
//
// Everything that decides is a function of values. [Apply] turns a
// [Description] and one new [ServerDescription] (the outcome of a check) into
// the next Description; [HandleError] does the same for an error that an
// application connection met; [ApplySRV] for a new SRV host list. [Select]
// returns the servers suitable for an operation within the latency window,
// and [Choose] picks one of them, the less busy of two random ones. None of
// them does I/O, starts a goroutine or reads a clock: the time of a check is
// an argument of [NewServerDescription], and randomness is a parameter of
// Choose. The specification test files drive these functions directly.
//
// # State
//
// [Topology] holds the current Description behind a mutex for the rest of
// the driver. Each change replaces the Description (which is immutable once
// built) and closes the channel that [Topology.Changed] returned, so that
// waiters in [Topology.SelectServer] wake up; it also publishes the SDAM
// events of package event and calls the [Hooks] that clear, ready or check
// connection pools and monitors, under the same lock, as the specification
// requires. Topology starts no goroutine either: monitors belong to the
// layer that owns the connections, and they report into a Topology.
//
// # Read preferences
//
// [ReadPref] is this package's model of a read preference. The public motor
// package converts its own type into it; [ReadPrefDocument] builds the
// $readPreference argument sent to mongos, load balancers and direct
// connections, hedge included.
package topology
