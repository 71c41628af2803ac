package op

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/mongoerr"
)

// attempt is the state of one command across its tries.
type attempt struct {
	x        *Executor
	cmd      *Command
	sess     *session.Server
	implicit bool // sess was checked out for this command
	// explicit is the application's session of the context, whose
	// server session sess is once the first try has taken it.
	explicit *session.Client
	txn      bool // a txnNumber was assigned
	addr     string
	write    bool // the retry kind in force for the first try
	prepared bool // cmd.Prepare has run
	// lbSessionTimeout is the session timeout a load balanced connection's
	// handshake gave, 0 otherwise.
	lbSessionTimeout time.Duration
	// maxWire is the selected server's maxWireVersion.
	maxWire int32
	// canRetryWrite: the command is a retryable write and the selected
	// server supports retryable writes, even if the try failed before a
	// txnNumber was assigned (a pool cleared during the check-out).
	canRetryWrite bool
	// opID is the operation's ID in monitoring events and log messages.
	opID int64
	// inTxn: the command runs in the explicit session's transaction;
	// first: it is the transaction's first command.
	inTxn, first bool
	// txnNumber is the transaction's txnNumber.
	txnNumber int64
}

// run makes one try, on a server other than those in avoid if possible.
func (a *attempt) run(ctx context.Context, avoid []string) (Result, error) {
	cmd := a.cmd
	if cmd.Pinned != nil {
		return a.runPinned(ctx, cmd.Pinned)
	}
	if a.sess != nil && a.sess.Pinned != nil {
		return a.runPinned(ctx, a.sess.Pinned.(*Pinned))
	}
	if p := a.txnPinned(); p != nil {
		return a.runPinned(ctx, p)
	}
	var srv *cluster.Server
	var sd topology.ServerDescription
	var err error
	if addr := cmp.Or(cmd.Address, a.txnAddress()); addr != "" {
		srv, sd, err = a.x.Cluster.Pinned(addr)
	} else {
		srv, sd, err = a.x.Cluster.Select(ctx, topology.Criteria{
			Write: cmd.Write, ReadPref: cmd.ReadPref, Deprioritized: avoid,
			Operation: cmd.Name, OperationID: a.opID,
		})
		if err == nil {
			defer srv.Done()
		}
	}
	if err != nil {
		return Result{}, err
	}
	a.addr = sd.Addr
	a.maxWire = sd.MaxWireVersion
	if a.inTxn && !cmd.txnEnd && sd.Kind == topology.Mongos {
		a.explicit.PinTxn(sd.Addr, nil)
	}
	if a.snapshotRead() && sd.MaxWireVersion < snapshotWireVersion {
		return Result{Address: sd.Addr}, fmt.Errorf("%s: %w", cmd.Name, ErrSnapshotWireVersion)
	}
	a.canRetryWrite = cmd.Retry == RetryWrite && a.x.RetryWrites && sd.Kind != topology.Standalone &&
		(a.x.sessionTimeout() > 0 || sd.Kind == topology.LoadBalancer)
	pc, err := srv.CheckOut(ctx)
	if err != nil {
		return Result{Address: sd.Addr}, err
	}
	if sd.Kind == topology.LoadBalancer {
		// No monitor checks a load balancer: the session timeout comes
		// from the connection's handshake.
		if d := pc.Conn().Description(); d.HasSessionTimeout {
			a.lbSessionTimeout = time.Duration(d.SessionTimeoutMinutes) * time.Minute
		}
	}
	if cmd.Prepare != nil && !a.prepared {
		if err := cmd.Prepare(cmd, limitsOf(pc.Conn().Description())); err != nil {
			srv.CheckIn(pc)
			return Result{Address: sd.Addr}, err
		}
		a.prepared = true
	}
	body, err := a.body(&sd)
	if err != nil {
		srv.CheckIn(pc)
		return Result{Address: sd.Addr}, err
	}
	reply, err := a.roundTrip(ctx, pc, body)
	a.observe(reply, err)
	if err != nil {
		srv.HandleError(pc, err)
	}
	if a.sess != nil {
		a.touch(err)
	}
	res := Result{Reply: reply, Address: sd.Addr}
	if a.inTxn && !cmd.txnEnd && sd.Kind == topology.LoadBalancer && !mongoerr.IsNetworkError(err) {
		// Load balanced mode: the transaction's commands share this
		// connection, which goes back to the pool when it is unpinned.
		if a.explicit.PinTxn("", &Pinned{srv: srv, pc: pc}) {
			return res, err
		}
	}
	if err == nil && a.implicit && cmd.KeepSession {
		res.Session, a.sess, a.implicit = a.sess, nil, false
		if sd.Kind == topology.LoadBalancer && cursorOpen(reply) {
			// Load balanced mode: the cursor's getMores and killCursors
			// must reach the same mongos, so they use this connection.
			res.Session.Pinned = &Pinned{srv: srv, pc: pc}
			return res, nil
		}
	}
	if err == nil && a.explicit != nil && cmd.KeepSession && sd.Kind == topology.LoadBalancer && cursorOpen(reply) {
		// The same for a cursor of an explicit session, whose other
		// commands do not use the connection: it is pinned to the
		// cursor, which passes it as Command.Pinned.
		res.Pinned = &Pinned{srv: srv, pc: pc}
		return res, nil
	}
	srv.CheckIn(pc)
	return res, err
}

// body returns the command document with lsid, txnNumber and
// $readPreference as the server and the command need them.
func (a *attempt) body(sd *topology.ServerDescription) ([]byte, error) {
	cmd := a.cmd
	var extra bson.D
	timeout := a.x.sessionTimeout()
	if a.lbSessionTimeout > 0 {
		timeout = a.lbSessionTimeout
	}
	switch {
	case a.sess == nil && a.explicit != nil:
		s, err := a.explicitServer(timeout)
		if err != nil {
			return nil, err
		}
		a.sess = s
	case a.sess == nil && !cmd.NoSession && !cmd.Unacknowledged && a.x.Sessions != nil && timeout > 0:
		a.sess = a.x.Sessions.CheckOut(timeout, time.Now())
		a.implicit = true
	}
	if a.sess != nil {
		extra = append(extra, bson.E{Key: "lsid", Value: a.sess.ID})
		if a.inTxn {
			extra = append(extra, a.txnFields()...)
		} else if a.retryWrites(sd) {
			if !a.txn {
				a.sess.TxnNumber++
				a.txn = true
			}
			extra = append(extra, bson.E{Key: "txnNumber", Value: a.sess.TxnNumber})
		}
	}
	if rc := a.readConcern(); rc != nil && !a.inTxn {
		extra = append(extra, bson.E{Key: "readConcern", Value: rc})
	}
	if ct := a.clusterTime(); ct != nil {
		extra = append(extra, bson.E{Key: "$clusterTime", Value: ct})
	}
	if !cmd.Write && cmd.Address == "" {
		kind := a.x.Cluster.Topology().Description().Kind
		rp, err := topology.ReadPrefDocument(cmd.ReadPref, kind, sd.Kind)
		if err != nil {
			return nil, err
		}
		if rp != nil {
			extra = append(extra, bson.E{Key: "$readPreference", Value: rp})
		}
	}
	doc := cmd.Body
	if a.inTxn && !cmd.txnEnd {
		// Only commit and abort carry the transaction's write concern;
		// one inherited from a collection or database is not sent.
		doc = withoutField(doc, "writeConcern")
	}
	if len(extra) == 0 {
		return doc, nil
	}
	return AppendFields(doc, extra)
}

// retryWrites reports whether the command is a retryable write on this
// server: retryWrites is on, and the server supports sessions and is not a
// standalone.
func (a *attempt) retryWrites(sd *topology.ServerDescription) bool {
	return a.cmd.Retry == RetryWrite && a.x.RetryWrites && a.sess != nil && sd.Kind != topology.Standalone
}

// retryable reports whether err allows the one retry.
func (a *attempt) retryable(err error) bool {
	switch {
	case a.inTxn:
		return false // commit and abort retry themselves; the rest not at all
	case a.cmd.Retry == RetryRead && a.x.RetryReads:
		return retryableRead(err)
	case a.cmd.Retry == RetryWrite && (a.txn || (a.canRetryWrite && errors.Is(err, pool.ErrPoolCleared))):
		return retryableWrite(err, a.maxWire)
	}
	return false
}

// labelRetryable adds the RetryableWriteError label that the driver owes
// the errors it finds retryable itself (network errors and pool clears),
// so that the error returned after a failed retry carries it too.
func (a *attempt) labelRetryable(err error) error {
	if a.cmd.Retry != RetryWrite || !(a.txn || a.canRetryWrite) || a.inTxn {
		return err
	}
	if !(mongoerr.IsNetworkError(err) || errors.Is(err, pool.ErrPoolCleared)) || mongoerr.HasLabel(err, retryableWriteLabel) {
		return err
	}
	var ne *mongoerr.NetworkError
	if errors.As(err, &ne) {
		ne.Labels = append(ne.Labels, retryableWriteLabel)
		return err
	}
	return &labelledError{err: err, labels: []string{retryableWriteLabel}}
}

const retryableWriteLabel = "RetryableWriteError"

// labelledError is an error with error labels the driver added.
type labelledError struct {
	err    error
	labels []string
}

func (e *labelledError) Error() string { return e.err.Error() }
func (e *labelledError) Unwrap() error { return e.err }

// HasLabel reports whether the driver added the label.
func (e *labelledError) HasLabel(label string) bool {
	return slices.Contains(e.labels, label) || mongoerr.HasLabel(e.err, label)
}

// retryableReply reports whether a reply with ok: 1 still asks for the
// retry of a retryable write: the server labelled it RetryableWriteError,
// as it does for a retryable write concern error, or (servers before 4.4)
// its writeConcernError has one of the retryable codes.
func (a *attempt) retryableReply(reply bson.Raw) bool {
	if a.cmd.Retry != RetryWrite || !a.txn || a.inTxn {
		return false
	}
	for _, l := range reply.Lookup("errorLabels").Array().Values() {
		if l.StringValue() == "RetryableWriteError" {
			return true
		}
	}
	wce, ok := reply.Lookup("writeConcernError").DocumentOK()
	if !ok {
		return false
	}
	code, ok := wce.Lookup("code").AsInt64OK()
	return ok && slices.Contains(retryableCodes, int32(code))
}

// limitsOf returns what a handshake said of the server's limits.
func limitsOf(d conn.Description) Limits {
	return Limits{
		MaxWireVersion:    d.MaxWireVersion,
		MaxBSONObjectSize: int(d.MaxBSONObjectSize),
		MaxMessageSize:    d.MaxMessageSize,
		MaxWriteBatchSize: int(d.MaxWriteBatchSize),
	}
}

// keepFirstError reports whether the retry's error says nothing more than
// the first one: the retry could not even find a server or connection.
func (a *attempt) keepFirstError(err error) bool {
	return errors.Is(err, mongoerr.ErrServerSelection) || errors.Is(err, pool.ErrPoolCleared)
}

// release checks an implicit session back in.
func (a *attempt) release() {
	if a.implicit && a.sess != nil {
		a.x.EndSession(a.sess)
	}
}

// retryableCodes are the server error codes that make a write retryable on
// servers before 4.4, which do not label errors; retryableReadCodes those
// that make a read retryable.
var (
	retryableCodes     = []int32{11600, 11602, 10107, 13435, 13436, 189, 91, 7, 6, 89, 9001, 262}
	retryableReadCodes = append(slices.Clone(retryableCodes), 134) // ReadConcernMajorityNotAvailableYet
)

// labelsWireVersion is the wire version (MongoDB 4.4) from which servers
// label retryable write errors themselves.
const labelsWireVersion = 9

// driverRetryable reports the errors that are retryable whatever the
// server: a network error or a cleared pool, unless the context ended.
func driverRetryable(err error) bool {
	if mongoerr.IsNetworkError(err) || errors.Is(err, pool.ErrPoolCleared) {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return false
}

func retryableRead(err error) bool {
	if driverRetryable(err) {
		return true
	}
	var se *mongoerr.ServerError
	return errors.As(err, &se) && slices.Contains(retryableReadCodes, se.Code)
}

// retryableWrite reports whether a write's error allows the retry: the
// RetryableWriteError label (which servers from 4.4 add, and the driver
// adds to network errors and pool clears), or one of the retryable codes
// from servers older than 4.4.
func retryableWrite(err error, maxWire int32) bool {
	if mongoerr.HasLabel(err, retryableWriteLabel) || driverRetryable(err) {
		return true
	}
	var se *mongoerr.ServerError
	return maxWire < labelsWireVersion && errors.As(err, &se) && slices.Contains(retryableCodes, se.Code)
}

// roundTrip sends body on pc, reporting command monitoring events, and
// returns a copy of the reply.
func (a *attempt) roundTrip(ctx context.Context, pc *cluster.Conn, body []byte) (bson.Raw, error) {
	c := pc.Conn()
	mon := a.x.Monitor != nil || a.logging()
	cmd := &conn.Command{DB: a.cmd.DB, Body: body, Sequences: a.cmd.Sequences}
	var start time.Time
	if mon {
		cmd.RequestID = nextRequestID()
		a.started(pc, cmd)
		start = time.Now()
	}
	if a.cmd.Unacknowledged {
		// No reply will come; monitoring reports {ok: 1}, as the command
		// monitoring specification asks for unacknowledged writes.
		if err := c.Send(ctx, cmd); err != nil {
			if mon {
				a.failed(pc, cmd, time.Since(start), err)
			}
			return nil, err
		}
		out := bson.Raw{13, 0, 0, 0, 16, 'o', 'k', 0, 1, 0, 0, 0, 0}
		if mon {
			a.succeeded(pc, cmd, time.Since(start), out)
		}
		return out, nil
	}
	if a.first {
		a.explicit.TxnSent()
	}
	r, err := c.RoundTrip(ctx, cmd)
	if err != nil {
		if mon {
			a.failed(pc, cmd, time.Since(start), err)
		}
		return nil, err
	}
	out := append(bson.Raw(nil), r.Body...)
	r.Release()
	if mon {
		a.succeeded(pc, cmd, time.Since(start), out)
	}
	return out, nil
}
