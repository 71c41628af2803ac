package sim

import (
	"slices"
	"strconv"

	"github.com/motor-go/motor/bson"
)

// Server error codes the simulator returns itself.
const (
	codeInternalError               = 1
	codeBadValue                    = 2
	codeUnauthorized                = 13
	codeInvalidOptions              = 72
	codeLoadBalancerSupportMismatch = 354
	codeNotWritablePrimary          = 10107
	codeNotPrimaryNoSecondaryOk     = 13435
	codeNotPrimaryOrSecondary       = 13436
	codeAwaitWithoutMaxAwait        = 51760 // topologyVersion without maxAwaitTimeMS
	codeMaxAwaitWithoutAwait        = 31368 // maxAwaitTimeMS without topologyVersion
	codeNegativeMaxAwait            = 31373
)

// codeNames holds the names of the codes that the simulator returns or that
// tests commonly give the fail point; others are named LocationNNN, as the
// server names codes it does not list.
var codeNames = map[int32]string{
	1:     "InternalError",
	2:     "BadValue",
	6:     "HostUnreachable",
	7:     "HostNotFound",
	11:    "UserNotFound",
	13:    "Unauthorized",
	18:    "AuthenticationFailed",
	20:    "IllegalOperation",
	24:    "LockTimeout",
	26:    "NamespaceNotFound",
	43:    "CursorNotFound",
	46:    "LockBusy",
	48:    "NamespaceExists",
	50:    "MaxTimeMSExpired",
	59:    "CommandNotFound",
	64:    "WriteConcernFailed",
	63:    "StaleShardVersion",
	72:    "InvalidOptions",
	79:    "UnknownReplWriteConcern",
	89:    "NetworkTimeout",
	91:    "ShutdownInProgress",
	100:   "UnsatisfiableWriteConcern",
	112:   "WriteConflict",
	117:   "ConflictingOperationInProgress",
	133:   "FailedToSatisfyReadPreference",
	150:   "StaleEpoch",
	134:   "ReadConcernMajorityNotAvailableYet",
	136:   "CappedPositionLost",
	189:   "PrimarySteppedDown",
	234:   "RetryChangeStream",
	237:   "CursorKilled",
	239:   "SnapshotTooOld",
	225:   "TransactionTooOld",
	246:   "SnapshotUnavailable",
	249:   "StaleDbVersion",
	251:   "NoSuchTransaction",
	256:   "TransactionCommitted",
	262:   "ExceededTimeLimit",
	263:   "OperationNotSupportedInTransaction",
	267:   "PreparedTransactionInProgress",
	279:   "ClientDisconnect",
	280:   "ChangeStreamFatalError",
	286:   "ChangeStreamHistoryLost",
	354:   "LoadBalancerSupportMismatch",
	391:   "ReauthenticationRequired",
	462:   "IngressRequestRateLimitExceeded",
	8000:  "AtlasError",
	9001:  "SocketException",
	10107: "NotWritablePrimary",
	11000: "DuplicateKey",
	11600: "InterruptedAtShutdown",
	11601: "Interrupted",
	11602: "InterruptedDueToReplStateChange",
	13388: "StaleConfig",
	13435: "NotPrimaryNoSecondaryOk",
	13436: "NotPrimaryOrSecondary",
}

func codeName(code int32) string {
	if n, ok := codeNames[code]; ok {
		return n
	}
	return "Location" + strconv.FormatInt(int64(code), 10)
}

// retryableCodes are the codes that earn a retryable write the
// RetryableWriteError label (the retryable writes specification's list).
var retryableCodes = []int32{6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}

// transientCodes are the codes that earn a command inside a transaction the
// TransientTransactionError label whatever the command (mongod's
// isTransientTransactionError: WriteConflict, LockTimeout,
// PreparedTransactionInProgress, the snapshot errors and those that need
// a retargeting).
var transientCodes = []int32{24, 63, 112, 150, 239, 246, 249, 267, 13388}

// notPrimaryCodes are the codes of the server's NotPrimaryError category:
// their error replies carry the member's topologyVersion.
var notPrimaryCodes = []int32{189, 10107, 11602, 13435, 13436}

// sessionInfo is what the labels of an error depend on in the command.
type sessionInfo struct {
	txnNumber  bool // the command carries txnNumber
	autocommit bool // the command carries autocommit (it is in a transaction)
}

func sessionOf(body bson.Raw) sessionInfo {
	return sessionInfo{
		txnNumber:  body.Lookup("txnNumber").Type != 0,
		autocommit: body.Lookup("autocommit").Type != 0,
	}
}

// serverLabels returns the labels mongod adds to an error with code, or to
// a reply with a write concern error of code wcCode (0 for none), for the
// command name, as its ErrorLabelBuilder does: TransientTransactionError
// for a command in a transaction failing with a transient code, or, but
// for commitTransaction and abortTransaction, a retryable one or
// NoSuchTransaction (for those two, NoSuchTransaction without a write
// concern error); otherwise RetryableWriteError for a retryable write, a
// commitTransaction or an abortTransaction failing, or with a write
// concern error, with a retryable code.
func serverLabels(name string, s sessionInfo, code, wcCode int32) []string {
	commitOrAbort := isCommitOrAbort(name)
	if code != 0 && s.txnNumber && s.autocommit {
		transient := slices.Contains(transientCodes, code)
		if commitOrAbort {
			transient = transient || (code == codeNoSuchTransaction && wcCode == 0)
		} else {
			transient = transient || slices.Contains(retryableCodes, code) || code == codeNoSuchTransaction
		}
		if transient {
			return []string{"TransientTransactionError"}
		}
	}
	if s.txnNumber && (!s.autocommit || commitOrAbort) &&
		((code != 0 && slices.Contains(retryableCodes, code)) || (wcCode != 0 && slices.Contains(retryableCodes, wcCode))) {
		return []string{"RetryableWriteError"}
	}
	return nil
}

// errorReply builds an error reply: ok 0, errmsg, code, codeName, the labels
// and, for a NotPrimaryError, the topologyVersion tv (when not nil).
func errorReply(code int32, msg string, labels []string, tv bson.D) bson.D {
	d := bson.D{
		{Key: "ok", Value: 0.0},
		{Key: "errmsg", Value: msg},
		{Key: "code", Value: code},
		{Key: "codeName", Value: codeName(code)},
	}
	if len(labels) > 0 {
		d = append(d, bson.E{Key: "errorLabels", Value: labels})
	}
	if tv != nil && slices.Contains(notPrimaryCodes, code) {
		d = append(d, bson.E{Key: "topologyVersion", Value: tv})
	}
	return d
}

// appendFields returns doc with the elements of fields added at its end,
// replacing any of the same names; a field whose value is nil is removed.
// doc is not modified.
func appendFields(doc bson.Raw, fields bson.D) (bson.Raw, error) {
	var add bson.D
	for _, f := range fields {
		if f.Value != nil {
			add = append(add, f)
		}
	}
	extra, err := bson.Marshal(add)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 4, len(doc)+len(extra))
	for k, v := range doc.Elements() {
		replaced := false
		for _, f := range fields {
			if f.Key == k {
				replaced = true
				break
			}
		}
		if !replaced {
			out = appendElement(out, k, v)
		}
	}
	out = append(out, extra[4:]...) // the new elements and the terminator
	n := len(out)
	out[0], out[1], out[2], out[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return out, nil
}

// appendElement appends the element k: v in its encoded form.
func appendElement(dst []byte, k string, v bson.RawValue) []byte {
	dst = append(dst, byte(v.Type))
	dst = append(dst, k...)
	dst = append(dst, 0)
	return append(dst, v.Value...)
}
