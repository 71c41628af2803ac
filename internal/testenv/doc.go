// Package testenv starts the servers that Motor's tests run against: FerretDB
// v1.24.2 with its SQLite backend, built from the testserver module, in a
// temporary directory on a free loopback port.
//
// # Variants
//
// [Options] selects a plain standalone server, SCRAM authentication (an
// administrator with SCRAM-SHA-1 and SCRAM-SHA-256 credentials, a
// SCRAM-SHA-1-only user and a SCRAM-SHA-256-only user), TLS with a CA and
// certificates generated at start (optionally requiring a client
// certificate), and a one-member replica set.
//
// # The binary
//
// [Binary] builds FerretDB's cmd/ferretdb once per content of
// testserver/go.mod and go.sum and Go toolchain, into a cache shared by all
// the test binaries of a go test run, under a file lock. The embeddable
// FerretDB package cannot turn authentication on, and the command panics at
// start unless its build embeds build/version/version.txt, so the build
// vendors the module and writes that file; see Binary.
//
// # In tests
//
// [URI] returns MOTOR_TEST_URI when it is set (a real MongoDB) and otherwise
// the address of a FerretDB server shared by the test binary; [Shared]
// returns that server itself. A package that uses them calls [Main] from its
// TestMain, which stops the servers by their process ids after the tests.
// [Start] and [Server.Stop] manage a server of one's own.
//
// # Limits
//
// testenv depends on the standard library only and runs on Unix systems. It
// speaks just enough of the wire protocol (OP_MSG and a subset of BSON) and
// of SCRAM to check that a server answers and to create its users; the
// driver's own layers are what the tests exercise.
package testenv
