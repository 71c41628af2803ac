package sim

import (
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// Reasons for a connection's goroutine to stop; the connection is closed.
var (
	errConnClosed = errors.New("sim: connection closed")
	errCloseConn  = errors.New("sim: closing the connection")
)

// conn is a client connection to a member, served by one goroutine, with the
// backend connection it forwards to.
type conn struct {
	m    *member
	nc   net.Conn
	id   int32         // connectionId
	done chan struct{} // closed by close

	closeOnce sync.Once
	mu        sync.Mutex // guards be and closed
	be        net.Conn
	closed    bool

	// Owned by the serving goroutine.
	appName     string
	compression []string
	findCursors map[int64]bool // cursors that finds opened (see isolate)
	didHello    bool
	out, body   []byte
}

// request is a command read from the client, valid until its message is
// released, with what the fail point decided for it.
type request struct {
	id         int32 // the requestID the next reply answers
	flags      wire.MsgFlags
	compressed bool
	compressor wire.CompressorID
	msg        wire.Msg
	name       string // the command's name, the body's first key
	ns         string // db.collection, or db.$cmd
	session    sessionInfo

	labels    []string // the fail point's errorLabels, when hasLabels
	hasLabels bool
	wce       bson.Raw // the fail point's writeConcernError, or nil

	// onReply, when set, sees the backend's reply before it is sent (see
	// forwardRecorded).
	onReply func(reply bson.Raw)
	// changeStream marks an aggregate that opens a change stream and a
	// getMore on one: their errors get the ResumableChangeStreamError
	// label where mongod adds it.
	changeStream bool
}

// serve reads and answers requests until the connection closes.
func (cn *conn) serve() {
	defer cn.m.wg.Done()
	defer cn.m.forget(cn)
	defer cn.close()
	for {
		msg, err := wire.ReadMessage(cn.nc, 0)
		if err != nil {
			return
		}
		err = cn.handle(msg)
		msg.Release()
		if err != nil {
			return
		}
	}
}

// handle answers one message. An error closes the connection.
func (cn *conn) handle(msg wire.Message) error {
	p, err := wire.ParseMsg(msg.Bytes)
	if err != nil {
		return err // an OP_QUERY, or bytes that break the protocol
	}
	req := &request{
		id: p.Header.RequestID, flags: p.Flags, msg: p,
		compressed: msg.Compressed, compressor: msg.Compressor,
		session: sessionOf(p.Body),
	}
	var first bson.RawValue
	for k, v := range p.Body.Elements() {
		req.name, first = strings.Clone(k), v
		break
	}
	cn.m.record(req.name, p.Body)
	db := p.Body.Lookup("$db").StringValue()
	if coll, ok := first.StringValueOK(); ok {
		req.ns = db + "." + coll
	} else {
		req.ns = db + ".$cmd"
	}
	if isHello(req.name) && !cn.didHello {
		// The fail point's appName filter applies to the handshake itself.
		if name, ok := p.Body.Lookup("client", "application", "name").StringValueOK(); ok {
			cn.appName = strings.Clone(name)
		}
	}
	if req.name == "configureFailPoint" {
		return cn.configureFailPoint(req, db)
	}
	req.changeStream = cn.isChangeStreamRequest(req)
	if done, err := cn.preCommand(req); done || err != nil {
		return err
	}
	switch {
	case isHello(req.name):
		return cn.serveHello(req)
	case req.name == "endSessions" || req.name == "killAllSessions":
		// The backend has no sessions to end; mongod answers ok, after
		// aborting their transactions.
		cn.endTransactions(req)
		return cn.replyDoc(req, bson.D{{Key: "ok", Value: 1.0}}, 0)
	case req.name == "replSetStepDown" && cn.m.c.kind == kindReplicaSet:
		return cn.replSetStepDown(req, db)
	}
	if done, err := cn.checkRole(req); done || err != nil {
		return err
	}
	if err := cn.emulateWhereSleep(req); err != nil {
		return err
	}
	if done, err := cn.serveChangeStream(req); done || err != nil {
		return err
	}
	if inTransaction(req) {
		return cn.serveTxn(req)
	}
	if req.session.txnNumber {
		cn.newerTxnNumber(req)
	}
	if req.name == "drop" || req.name == "dropDatabase" {
		cn.abortForDrop(req)
	}
	if cn.m.c.clusterTime && writeCommands[req.name] {
		if err := cn.dropAfterClusterTime(req); err != nil {
			return err
		}
	}
	return cn.forwardRecorded(req)
}

// preCommand evaluates the fail point for req: it records the labels and
// the write concern error to use, blocks, closes the connection or fails
// the command as configured. done reports that the command must not run.
func (cn *conn) preCommand(req *request) (done bool, err error) {
	fp, fired := cn.m.evalFailPoint(req.name, cn.appName, req.ns)
	if !fired {
		return false, nil
	}
	if fp.ErrorLabels != nil {
		req.labels, req.hasLabels = fp.ErrorLabels, true
	}
	if fp.WriteConcernError != nil && writeCommands[req.name] {
		req.wce = fp.WriteConcernError
	}
	if fp.BlockConnection && !cn.sleep(fp.BlockTime) {
		return true, errConnClosed
	}
	if fp.CloseConnection {
		return true, errCloseConn
	}
	if fp.ErrorCode != 0 {
		return true, cn.fail(req, fp.ErrorCode, "Failing command via 'failCommand' failpoint")
	}
	return false, nil
}

// fail replies to req with an error of code, with the labels the fail point
// gave or those the server would add, and for a replica set member the
// topologyVersion of a NotPrimaryError.
func (cn *conn) fail(req *request, code int32, msg string) error {
	labels := req.labels
	if !req.hasLabels {
		labels = serverLabels(req.name, req.session, code, 0)
	}
	var tv bson.D
	if cn.m.c.kind == kindReplicaSet {
		s := cn.m.snapshot()
		tv = s.topologyVersion()
	}
	d := errorReply(code, msg, labels, tv)
	if cn.m.c.clusterTime && !isHello(req.name) {
		d = append(d, cn.m.c.tick()...) // as a replica set member's errors
	}
	return cn.replyDoc(req, d, 0)
}

// replyDoc marshals d and sends it as the reply to req.
func (cn *conn) replyDoc(req *request, d bson.D, flags wire.MsgFlags) error {
	var err error
	if cn.body, err = bson.MarshalAppend(cn.body[:0], d); err != nil {
		return err
	}
	return cn.reply(req, cn.body, nil, flags)
}

// reply sends body and seqs as the reply to req, after the member's delay,
// compressed if req was. A request flagged moreToCome gets no reply. With
// MoreToCome in flags the next reply answers this one, as exhaust requires.
func (cn *conn) reply(req *request, body []byte, seqs []wire.Sequence, flags wire.MsgFlags) error {
	if req.flags&wire.MoreToCome != 0 {
		return nil
	}
	if !cn.sleep(cn.m.replyDelay()) {
		return errConnClosed
	}
	id := wire.NextRequestID()
	out, start := wire.BeginMsg(cn.out[:0], id, req.id, flags)
	out = wire.AppendBodySection(out, body)
	for _, s := range seqs {
		out = wire.AppendSequenceSection(out, s)
	}
	out = wire.EndMsg(out, start)
	cn.out = out
	if req.compressed {
		comp, err := wire.NewCompressor(req.compressor.String(), wire.DefaultZlibLevel)
		if err != nil {
			return err
		}
		if out, err = wire.AppendCompressed(nil, out, comp); err != nil {
			return err
		}
	}
	if _, err := cn.nc.Write(out); err != nil {
		return err
	}
	req.id = id
	return nil
}

// sleep waits d, or less if the connection closes; it reports whether the
// whole of d passed.
func (cn *conn) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-cn.done:
		return false
	}
}

// close closes the client and backend connections; the serving goroutine
// then ends. It may be called from any goroutine, more than once.
func (cn *conn) close() {
	cn.closeOnce.Do(func() {
		cn.mu.Lock()
		cn.closed = true
		be := cn.be
		cn.mu.Unlock()
		close(cn.done)
		cn.nc.Close()
		if be != nil {
			be.Close()
		}
	})
}

// backend returns the connection's backend connection, dialing it first.
func (cn *conn) backend() (net.Conn, error) {
	cn.mu.Lock()
	be, closed := cn.be, cn.closed
	cn.mu.Unlock()
	if closed {
		return nil, errConnClosed
	}
	if be != nil {
		return be, nil
	}
	be, err := net.DialTimeout("tcp", cn.m.c.backend, 10*time.Second)
	if err != nil {
		return nil, err
	}
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.closed {
		be.Close()
		return nil, errConnClosed
	}
	cn.be = be
	return be, nil
}
