package sim

import (
	"fmt"
	"math"

	"github.com/motor-go/motor/bson"
)

// TxnWriteFailPointName is the name of the fail point that fails the
// statements of retryable writes on the primary, as the retryable writes
// specification tests use it.
const TxnWriteFailPointName = "onPrimaryTransactionalWrite"

// TxnWriteFailPoint configures a member's onPrimaryTransactionalWrite fail
// point. It is evaluated for each statement of a retryable write that the
// member executes (a statement already executed for the session and
// transaction number is not executed again, so not evaluated). When it
// fires, the statement is committed unless FailBeforeCommitExceptionCode is
// set; then the connection is closed without a reply if CloseConnection is
// set (the default), or the command fails with the code.
type TxnWriteFailPoint struct {
	Mode                          Mode
	CloseConnection               bool
	FailBeforeCommitExceptionCode int32
}

// txnWriteFailPoint is a member's configured TxnWriteFailPoint and its
// counts.
type txnWriteFailPoint struct {
	cfg     TxnWriteFailPoint
	left    int64
	entered int64
}

// parseTxnWriteFailPoint reads {configureFailPoint:
// "onPrimaryTransactionalWrite", mode, data: {closeConnection,
// failBeforeCommitExceptionCode}}.
func parseTxnWriteFailPoint(cmd bson.Raw) (TxnWriteFailPoint, error) {
	fp := TxnWriteFailPoint{CloseConnection: true}
	mode, err := parseMode(cmd.Lookup("mode"))
	if err != nil {
		return fp, err
	}
	fp.Mode = mode
	data := cmd.Lookup("data")
	if data.Type == 0 {
		return fp, nil
	}
	d, ok := data.DocumentOK()
	if !ok {
		return fp, fmt.Errorf("data must be a document")
	}
	if v := d.Lookup("closeConnection"); v.Type != 0 {
		if fp.CloseConnection, ok = v.BooleanOK(); !ok {
			return fp, fmt.Errorf("data.closeConnection must be a boolean")
		}
	}
	if v := d.Lookup("failBeforeCommitExceptionCode"); v.Type != 0 {
		n, ok := integer(v)
		if !ok || n < math.MinInt32 || n > math.MaxInt32 || n == 0 {
			return fp, fmt.Errorf("data.failBeforeCommitExceptionCode must be a non-zero int32")
		}
		fp.FailBeforeCommitExceptionCode = int32(n)
	}
	return fp, nil
}

// trigger evaluates the fail point for one statement, counting down its
// mode. The caller holds the cluster's mu.
func (fp *txnWriteFailPoint) trigger() bool {
	return fp != nil && countDown(&fp.cfg.Mode, &fp.left, &fp.entered)
}

// setTxnWriteFailPoint configures the member's onPrimaryTransactionalWrite
// fail point and returns how many times the previous configuration fired.
func (m *member) setTxnWriteFailPoint(cfg TxnWriteFailPoint) int64 {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	var count int64
	if m.txnFP != nil {
		count = m.txnFP.entered
	}
	m.txnFP = &txnWriteFailPoint{cfg: cfg, left: cfg.Mode.n}
	return count
}

// txnWriteFailPointOn reports whether the member's
// onPrimaryTransactionalWrite fail point may fire.
func (m *member) txnWriteFailPointOn() bool {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	return m.txnFP != nil && m.txnFP.cfg.Mode.kind != modeOff
}

// evalTxnWriteFailPoint evaluates the fail point for one statement and
// returns its configuration if it fires.
func (m *member) evalTxnWriteFailPoint() (TxnWriteFailPoint, bool) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	if !m.txnFP.trigger() {
		return TxnWriteFailPoint{}, false
	}
	return m.txnFP.cfg, true
}
