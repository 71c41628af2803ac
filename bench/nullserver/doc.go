// Package nullserver is a MongoDB server on loopback that does no work: it
// answers every command from canned replies, so that a benchmark against it
// measures the client's cost and little else. A real server's own cost (the
// test server's, FerretDB's, is many times a driver's) hides the
// differences between drivers; against this one they show.
//
// # Protocol
//
// The server reads OP_MSG requests, and OP_QUERY for the legacy hello that
// some drivers send first in a handshake (answered with OP_REPLY). It
// replies:
//
//   - hello, isMaster, ismaster: a standalone's reply, isWritablePrimary
//     (ismaster for the legacy names) true, wire versions 0 to 21, the size
//     limits, logicalSessionTimeoutMinutes 30 and the connection's
//     connectionId; helloOk true when the request asks for it. The reply
//     has no topologyVersion, so monitors poll rather than stream. A hello
//     that names a topologyVersion and a maxAwaitTimeMS anyway is answered
//     after maxAwaitTimeMS, or never if the server closes first.
//   - buildInfo, buildinfo: version 7.0.0.
//   - anything else (ping, endSessions, ...): {ok: 1}.
//
// A request flagged moreToCome gets no reply. Compression is not offered,
// so an OP_COMPRESSED, like any other opcode or a malformed message, is a
// protocol error: the server closes that connection and Err reports it.
//
// # Cost
//
// Each connection has one goroutine. Requests are parsed in place in the
// connection's read buffer, and each reply is a whole message encoded the
// first time that connection needs it and then sent again with only its
// requestID and responseTo patched: in steady state serving a request
// allocates nothing and makes one read and one write system call.
//
// # Lifetime
//
// Start listens on 127.0.0.1 on a free port. Close stops accepting, closes
// every connection and waits for all of the server's goroutines to end.
// The bench/cmd/nullserver command runs a server in a process of its own,
// so that a benchmark can measure its client's CPU time alone.
package nullserver
