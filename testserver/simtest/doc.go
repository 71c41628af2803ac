// Package simtest holds the driver's topology integration tests: a Motor
// client against the simulated deployments of package sim (replica sets
// and mongos routers in front of FerretDB), exercising server discovery,
// monitoring, server selection, failover and SRV polling end to end.
//
// The package has no code of its own outside its tests; it lives in the
// testserver module because the root module must not depend on FerretDB.
// Run it with
//
//	go test -race ./testserver/simtest
//
// from the repository root: the first run builds FerretDB (see
// internal/testenv).
package simtest
