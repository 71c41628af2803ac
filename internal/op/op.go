// Package op runs commands: it selects a server for each, checks out a
// connection, adds the fields the driver owns (lsid, txnNumber,
// $readPreference, $clusterTime, readConcern; the connection adds $db and
// the Stable API fields), uses the explicit session of the context (see
// WithSession) or an implicit one, gossips the cluster time and keeps the
// session's operation and snapshot times,
// reports command monitoring events, retries what the retryable reads and
// writes specifications allow, and reports the errors it meets to server
// discovery.
//
// An Executor holds what all operations share (the cluster, the session
// pool, the command monitor); a Command is a small value describing one
// command. Operations build their command documents themselves.
package op

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/logger"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/internal/wire"
)

// Executor runs commands on a cluster.
type Executor struct {
	Cluster  *cluster.Cluster
	Sessions *session.Pool
	Monitor  *event.CommandMonitor
	// Log emits the command log messages, and is passed on to server
	// selection; nil for none.
	Log *logger.Logger
	// RetryReads and RetryWrites are the retryReads and retryWrites options.
	RetryReads, RetryWrites bool
	// ServerAPI is the declared Stable API version, which connections add
	// to every command; monitoring events show it too. Nil for none.
	ServerAPI *conn.ServerAPI
	// Clock keeps the greatest $clusterTime seen, which every command
	// sends; nil gossips none.
	Clock *session.Clock

	mu       sync.Mutex
	explicit map[*session.Client]struct{} // explicit sessions not ended
}

// Retry says how a command may be retried.
type Retry uint8

// The retry kinds.
const (
	NoRetry    Retry = iota
	RetryRead        // retryable read: retried once on a retryable error if RetryReads
	RetryWrite       // retryable write: sent with a txnNumber and retried once if RetryWrites
)

// Command is one command to run.
type Command struct {
	// Name is the command's name, for errors and monitoring.
	Name string
	// DB is the database the command runs against ($db).
	DB string
	// Body is the encoded command document, without the fields the driver
	// adds ($db, lsid, txnNumber, $readPreference, $clusterTime,
	// readConcern).
	Body []byte
	// Sequences are sent as document sequences after the body, such as an
	// insert's documents.
	Sequences []wire.Sequence
	// Write says the command writes: it needs a primary (or a mongos or
	// standalone), whatever the read preference.
	Write bool
	// ReadPref is the read preference of a read.
	ReadPref topology.ReadPref
	// Retry is how the command may be retried.
	Retry Retry
	// Address pins the command to one server, as a cursor's getMore is.
	Address string
	// Pinned runs the command on that connection: a cursor's getMore and
	// killCursors under a load balancer, in an explicit session.
	Pinned *Pinned
	// Session is the server session to send as lsid: a cursor's. When
	// nil, the explicit session of the context (see WithSession) is used,
	// or else an implicit session is checked out for the command, if the
	// deployment supports sessions, and checked back in after, unless
	// KeepSession is set.
	Session *session.Server
	// ReadConcern is the read concern of a command that takes one (a read
	// such as find, or a write such as insert); nil for a command that
	// takes none. The executor sends it as readConcern, adding
	// afterClusterTime in a causally consistent session (or replacing it
	// with the snapshot level in a snapshot session); Body must not hold
	// a readConcern of its own.
	ReadConcern *ReadConcern
	// KeepSession returns the implicit session in the Result instead of
	// checking it in: a cursor keeps its session until it is exhausted.
	// An explicit session is never returned: the application ends it.
	KeepSession bool
	// NoSession sends no lsid: unacknowledged writes must not use implicit
	// sessions.
	NoSession bool
	// Prepare, when set, is called once per Run, after the first try has
	// checked out a connection and before Body and Sequences are read, with
	// what that connection's server said of its limits. It sets Body and
	// Sequences (a write split into batches builds its batch here), and
	// may change Retry (a batch holding a multi-document write is not a
	// retryable write), or returns an error, and then nothing is sent. A
	// retry sends what the first try's Prepare built.
	Prepare func(cmd *Command, l Limits) error
	// Unacknowledged sends the command flagged moreToCome, as a write with
	// w: 0 is sent, and waits for no reply: the Result's Reply is {ok: 1}.
	// Such a command carries no implicit session and is never retried.
	Unacknowledged bool

	// txnEnd marks commitTransaction and abortTransaction, which the
	// executor builds itself.
	txnEnd bool
}

// Limits are the sizes and wire version a server announced in the hello
// reply of a connection's handshake.
type Limits struct {
	MaxWireVersion    int32
	MaxBSONObjectSize int // maxBsonObjectSize
	MaxMessageSize    int // maxMessageSizeBytes
	MaxWriteBatchSize int // maxWriteBatchSize
}

// Result is the outcome of a command.
type Result struct {
	// Reply is the server's reply, a copy that the caller owns.
	Reply bson.Raw
	// Address is the server that ran the command.
	Address string
	// Session is the implicit session used, when the command asked to
	// keep it; the caller ends it with EndSession.
	Session *session.Server
	// Pinned is, under a load balancer, the connection of the cursor a
	// command in an explicit session opened (KeepSession); the cursor
	// passes it as Command.Pinned and gives it back with ReleasePin.
	Pinned *Pinned
}

// Run runs cmd and returns its result. A reply with ok: 0 is returned as a
// *mongoerr.ServerError.
func (x *Executor) Run(ctx context.Context, cmd *Command) (Result, error) {
	// ctx holds the application's Session, whose cleanup (when nothing
	// references it any more) ends the server session: keep it reachable
	// until the command is done with that server session.
	defer runtime.KeepAlive(ctx)
	a := attempt{x: x, cmd: cmd, sess: cmd.Session, opID: nextOperationID()}
	if cmd.Session == nil {
		a.explicit = SessionFrom(ctx)
	}
	if a.explicit != nil {
		if err := a.checkExplicit(); err != nil {
			return Result{}, err
		}
		if err := a.beginTxn(); err != nil {
			return Result{}, err
		}
	}
	defer a.release()
	res, err := a.tries(ctx)
	if a.inTxn {
		err = a.txnError(err)
	}
	return res, err
}

// tries makes the first try and, when the command and its error allow it,
// the one retry.
func (a *attempt) tries(ctx context.Context) (Result, error) {
	res, err := a.run(ctx, nil)
	if err != nil {
		err = a.labelRetryable(err)
	}
	switch {
	case err == nil && !a.retryableReply(res.Reply):
		return res, nil
	case err != nil && !a.retryable(err):
		return res, err
	}
	// One retry, on a newly selected server, avoiding the one that failed
	// when there is another (a mongos).
	res2, err2 := a.run(ctx, []string{a.addr})
	if err2 != nil {
		err2 = a.labelRetryable(err2)
		if a.keepFirstError(err2) {
			return res, err
		}
	}
	return res2, err2
}

// EndSession returns a session kept by a command to the pool, checking in
// the connection pinned to it, if any.
func (x *Executor) EndSession(s *session.Server) {
	x.Unpin(s)
	if s != nil && x.Sessions != nil {
		timeout := x.sessionTimeout()
		if timeout == 0 && x.Cluster.Topology().Description().Kind == topology.LoadBalanced {
			timeout = lbDefaultSessionTimeout
		}
		x.Sessions.CheckIn(s, timeout, time.Now())
	}
}

// lbDefaultSessionTimeout is the session timeout assumed when checking a
// session in under a load balancer, whose servers no monitor checks: the
// server default of logicalSessionTimeoutMinutes.
const lbDefaultSessionTimeout = 30 * time.Minute

// sessionTimeout returns the deployment's logicalSessionTimeoutMinutes, or
// 0 when it does not support sessions.
func (x *Executor) sessionTimeout() time.Duration {
	d := x.Cluster.Topology().Description()
	if !d.SessionTimeoutMinutes.Valid {
		return 0
	}
	return time.Duration(d.SessionTimeoutMinutes.V) * time.Minute
}

// AppendFields returns a copy of the document doc with the elements of extra
// added at its end.
func AppendFields(doc []byte, extra bson.D) ([]byte, error) {
	if len(doc) < 5 {
		return nil, fmt.Errorf("op: command document of %d bytes is too short", len(doc))
	}
	out := make([]byte, 0, len(doc)+64)
	out = append(out, doc[:len(doc)-1]...)
	tail, err := bson.Marshal(extra)
	if err != nil {
		return nil, err
	}
	out = append(out, tail[4:]...) // the elements and the terminator
	n := len(out)
	out[0], out[1], out[2], out[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return out, nil
}
