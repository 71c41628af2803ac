// Package sim simulates MongoDB deployments on loopback for integration
// tests: a replica set, a sharded cluster's mongos routers, or a load
// balancer, each member a 127.0.0.1 listener of its own in front of one real
// server (FerretDB, started by internal/testenv).
//
// # Usage
//
//	srv := testenv.Shared(t, testenv.Options{}) // a FerretDB
//	rs, err := sim.NewReplicaSet(ctx, srv.Addr, sim.Options{})
//	if err != nil { ... }
//	defer rs.Close()
//	uri := rs.SeedURI(0, "heartbeatFrequencyMS=500") // discovery from one seed
//	...
//	rs.StepDown(0)
//	rs.Elect(1)
//	rs.FailCommand(1, sim.FailPoint{Mode: sim.Times(1), FailCommands: []string{"insert"}, ErrorCode: 91})
//
// Sharded clusters come from NewSharded, a standalone server with fail
// points from NewStandalone, and SRV serves a mongodb+srv
// host's records, which a test changes, to a client configured with it as
// its resolver and dialer.
//
// # What a member does
//
// A member answers the handshake itself — hello, isMaster and ismaster —
// with the reply a real mongod or mongos would give in the member's current
// role: isWritablePrimary (or ismaster for the legacy names), secondary,
// arbiterOnly, setName, setVersion, electionId (primary only), hosts,
// arbiters, primary, me, tags, lastWrite, topologyVersion, the wire versions
// and size limits, logicalSessionTimeoutMinutes, connectionId and, for
// mongos, msg "isdbgrid". It implements the awaitable hello (topologyVersion
// plus maxAwaitTimeMS: the reply waits until the member's state changes or
// the time runs out) and its exhaust form (with exhaustAllowed, replies keep
// coming flagged moreToCome, one per change or timeout, until the connection
// closes).
//
// Every other OP_MSG goes to the backend over a backend connection of the
// client connection's own, so that authentication and cursors behave as
// they do on one server. A hello that asks for saslSupportedMechs or
// speculativeAuthenticate is also sent to the backend on that connection,
// and those two fields of its reply are copied into the member's own.
// endSessions and killAllSessions are answered ok by the member, as the
// backend lacks them, and replSetStepDown steps a primary down.
//
// # Roles
//
// A secondary refuses writes with NotWritablePrimary (10107, "not primary")
// and reads that do not allow secondaries with NotPrimaryNoSecondaryOk
// (13435), as mongod does: a read is allowed when its $readPreference has a
// mode other than primary. An arbiter refuses both, reads with
// NotPrimaryOrSecondary (13436). Commands that are neither reads nor writes
// in the lists of proxy.go (ping, buildInfo, getMore, saslStart...) run on
// any member. Such errors carry topologyVersion and, for a retryable write,
// the RetryableWriteError label (in a transaction, TransientTransactionError),
// as the server's do. All members share the
// one backend, so replication is instant: a write on the primary is visible
// at once on every secondary.
//
// # Controls
//
// The methods of Cluster and ReplicaSet change the deployment while clients
// use it, safely from any goroutine: StepDown and Elect move the primary (a
// new electionId, the topologyVersion of every member bumped, awaitable
// hellos woken), Kill closes a member's listener and connections and Restart
// brings it back on the same address with a new processId, Delay slows a
// member's replies, SetTags, SetLag and SetMaxWireVersion change what its
// hello says. Nothing happens on its own: a killed primary stays primary in
// the others' hellos until a test elects another member, except after the
// replSetStepDown command when Options.ElectionDelay asks for an election.
//
// # Fail points
//
// Each member has its own failCommand fail point, configured with
// Cluster.FailCommand or with the configureFailPoint admin command sent to
// the member, with the modes and data fields of the real server (see
// FailPoint). It applies to hello as well, and in an exhaust stream to every
// reply, as mongod re-runs the command for each. Each member also has the
// onPrimaryTransactionalWrite fail point of the retryable writes tests (see
// TxnWriteFailPoint), configured with configureFailPoint.
//
// # Retryable writes
//
// A retryable write (a write with lsid and txnNumber outside a
// transaction) runs once per session and transaction number, as on mongod:
// a retry gets the first execution's reply, and while the
// onPrimaryTransactionalWrite fail point is on, writes run statement by
// statement so that a retry executes only the statements not executed yet
// (see retried_writes.go and statement_writes.go).
//
// # Transactions
//
// The primary of a replica set and every mongos run multi-document
// transactions (commands with autocommit: false), with one table of
// transactions per deployment, keyed by session, as mongod's session
// catalog: startTransaction starts transaction txnNumber (aborting the
// session's unfinished older one), later commands with that number run in
// it, commitTransaction and abortTransaction end it; a repeated commit of a
// committed transaction answers ok again. A command of a transaction that
// does not exist, or was aborted, fails NoSuchTransaction; one of an older
// number TransactionTooOld; commands mongod does not allow in a transaction
// (count, drop...) OperationNotSupportedInTransaction; a writeConcern on a
// command other than the commit or abort, a readConcern after the first
// command, or a read concern level other than local, majority and snapshot
// InvalidOptions. A standalone refuses transactions (IllegalOperation).
// endSessions and killAllSessions abort the sessions' transactions, and so
// does a retryable write with a newer txnNumber. A drop or dropDatabase
// aborts the transactions in progress that wrote there: mongod would make
// it wait for them to end, which for one its client left open is when the
// server's transaction time limit aborts it.
//
// FerretDB has no transactions: each command runs on the backend at once,
// with the transaction fields and readConcern stripped, and leaves an undo
// record (undo.go): the _ids an insert or upsert added, the documents an
// update, delete or findAndModify changed (read before the write with the
// same filter, kept if the write changed them), the collections and
// indexes created. abortTransaction, an implicit abort and any error of a
// command of the transaction (which aborts it, as on mongod) play the
// records back in reverse. A write of a document that another transaction
// in progress wrote, or that one committed since this one started, fails
// WriteConflict and aborts the transaction. Reads approximate snapshot
// isolation (txn_isolation.go): find and its getMores, listCollections and
// listIndexes hide what the transactions in progress wrote (and, in a
// transaction, what those in progress when it started wrote) from other
// readers; aggregate, distinct and count see everything.
//
// A commit answers ok, with a writeConcernError when its write concern
// asks for more members than the set has (UnsatisfiableWriteConcern) or a
// tag set (UnknownReplWriteConcern). Errors get the labels mongod adds
// (TransientTransactionError, RetryableWriteError), and a mongos adds a
// recoveryToken to the replies of a transaction's commands. The fail
// points run before the transaction is looked up, as mongod's failCommand
// does: a failed command, a failed commit or a closed connection leaves
// the transaction as it was, and a retried commit commits it. A mongos
// other than the one that started a transaction (a commit retried after a
// failover) answers a commit ok if it committed, and NoSuchTransaction
// otherwise, rolling the transaction back.
//
// # Change streams
//
// FerretDB has no change streams; the deployment keeps a change event log
// of its own (change_events.go), fed by the writes its members forward
// (change_record.go): insert, update and replace (the documents are read
// by the statements' filters before the write and by _id after it, giving
// the pre- and post-images and the updateDescription, change_diff.go),
// delete, findAndModify, drop, dropDatabase (a drop per collection, then
// dropDatabase), renameCollection, and the expanded events create
// (implicit creations included), createIndexes, dropIndexes and modify.
// A transaction's events are published when it commits, with its lsid and
// txnNumber; an aborted one's never. Each event has the next time of the
// deployment's logical clock and a resume token {_data: hex} that encodes
// it with the event's place in the log. The log records from the first
// $changeStream aggregate the deployment receives, so deployments without
// change streams pay nothing; it keeps the last 100,000 events.
//
// An aggregate whose first stage is $changeStream (on a collection, on a
// database with aggregate: 1, or on admin with allChangesForCluster) opens
// a cursor over the log (change_cursor.go), from now or from resumeAfter,
// startAfter or startAtOperationTime, with the options fullDocument,
// fullDocumentBeforeChange and showExpandedEvents (which adds
// collectionUUID, operationDescription and disambiguatedPaths). A
// standalone refuses it (40573), as mongod. updateLookup reads the current
// document; the post- and pre-images of whenAvailable and required are
// shown for the collections whose changeStreamPreAndPostImages is enabled
// (null, or NoMatchingDocument for required, otherwise), which collMod
// sets: the members answer a collMod with that option or none themselves,
// as the backend has no collMod (change_images.go). The stages after
// $changeStream are evaluated by the member when they are $match with
// simple conditions and $project with inclusions, exclusions, field paths
// and literals (change_pipeline.go), as FerretDB's $project lacks the last
// two; other stages run on the backend, one event at a time, in a
// collection of the simulator's (motor_sim_changes.events). They also run
// there once on no event when the stream opens, so that an unknown stage
// fails the aggregate (40324). A pipeline that changes an event's _id
// fails ChangeStreamFatalError (280).
// getMore returns up to batchSize events, waiting up to maxTimeMS (1s by
// default) for the first (a new event, or the connection closing, ends the
// wait), with a postBatchResumeToken in every batch, as the aggregate's
// first batch has; killCursors ends the cursor. Dropping or renaming a
// watched collection, or dropping a watched database, ends its stream with
// an invalidate event and a closed cursor; resumeAfter an invalidate fails
// InvalidResumeToken (260), startAfter it goes on. A malformed token fails
// FailedToParse, one older than the log ChangeStreamHistoryLost (286), one
// of another deployment ChangeStreamFatalError (280), those two with the
// NonResumableChangeStreamError label. failCommand applies to these
// commands as to any (its errors get no ResumableChangeStreamError label,
// as mongod's do not), and the failGetMoreAfterCursorCheckout fail point
// fails a change stream's getMore with the label on the codes mongod
// labels resumable (change_failpoint.go). renameCollection with
// dropTarget, which the backend lacks, drops the target first, and a
// mongos answers shardCollection itself (creating the collection) with a
// shardCollection event.
//
// # JavaScript
//
// FerretDB has no JavaScript. The one expression the specification tests
// use to keep a connection busy, a find filter or single update query
// {$where: "sleep(N) || true"}, is played by the member (see
// where_sleep.go).
//
// # Wire protocol
//
// Members speak OP_MSG, compressed or not: hello negotiates snappy, zlib and
// zstd, compressed requests are decompressed before they are forwarded (the
// backend sees plain OP_MSG), and the reply to a compressed request is
// compressed with the same compressor. A request flagged moreToCome gets no
// reply; it is forwarded as an acknowledged one whose reply is dropped, so
// that its effect is done before the next request runs. exhaustAllowed on a
// getMore is cleared: the backend answers with one batch, which the
// protocol allows. OP_QUERY is not spoken: the connection is closed.
//
// Not simulated: $clusterTime and operationTime (FerretDB has neither)
// unless Options.ClusterTime asks for a logical clock, the oplog (change
// streams read the simulator's own log), hidden and
// priority-0 members, full snapshot isolation (see Transactions),
// prepared transactions and two-phase commits, the lock waits of writes
// outside a transaction on documents a transaction wrote (they run at
// once), transaction time limits, and any fail point but failCommand,
// onPrimaryTransactionalWrite and failGetMoreAfterCursorCheckout.
//
// # Goroutines
//
// Each member runs one goroutine accepting connections and one per client
// connection; Close, and Kill for one member, close everything and wait for
// them all. Listeners are on 127.0.0.1 only.
package sim

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
)

// Defaults of the hello replies.
const (
	DefaultMaxWireVersion = 21 // MongoDB 7.0
	DefaultSetName        = "rs0"
	DefaultMembers        = 3

	maxBSONObjectSize            = 16 * 1024 * 1024
	maxMessageSizeBytes          = 48_000_000
	maxWriteBatchSize            = 100_000
	logicalSessionTimeoutMinutes = 30
)

// ErrClosed is returned by the controls of a closed cluster.
var ErrClosed = errors.New("sim: cluster closed")

// Options configures a replica set. The zero value is a three-member set
// named rs0 whose member 0 is primary.
type Options struct {
	// Name is the replica set's name; "" means DefaultSetName.
	Name string
	// Members is the number of data-bearing members; 0 means
	// DefaultMembers.
	Members int
	// Arbiters is the number of arbiters, numbered after the data members.
	Arbiters int
	// Tags holds each member's tags, by member index; a missing or nil entry
	// means none.
	Tags []map[string]string
	// MaxWireVersion is what every member reports at start; 0 means
	// DefaultMaxWireVersion.
	MaxWireVersion int32
	// ElectionDelay, when positive, makes the set elect a new primary that
	// long after a replSetStepDown command: the next data member, in index
	// order, that is alive. With 0 the set has no primary until Elect.
	ElectionDelay time.Duration
	// OnCommand, when set, is called with every command a member receives,
	// before the member acts on it, from the connection's goroutine: it
	// must return quickly. body is valid only during the call.
	OnCommand func(member int, name string, body bson.Raw)
	// ClusterTime makes the members add $clusterTime and operationTime to
	// the replies of the commands they forward, as a replica set does: the
	// time of a logical clock of the set that ticks on every forwarded
	// command, with a dummy signature (keyId 0). Off, replies have
	// neither, as FerretDB's. With it, the readConcern.afterClusterTime
	// that a causally consistent session puts on a write is taken off
	// before the backend, which rejects readConcern on writes, gets it.
	ClusterTime bool
}

// ShardedOptions configures a sharded cluster's routers.
type ShardedOptions struct {
	// Routers is the number of mongos; 0 means 1.
	Routers int
	// LoadBalanced makes each router act as a mongos reached through its
	// load balancer port: the first hello of a connection must carry
	// loadBalanced: true, and its reply has the router's serviceId (see
	// NewShardedWith). Cluster.URI then adds loadBalanced=true. Without it,
	// routers ignore loadBalanced, as a mongos without a load balancer does.
	LoadBalanced bool
	// MaxWireVersion is what every router reports at start; 0 means
	// DefaultMaxWireVersion.
	MaxWireVersion int32
	// OnCommand is as Options.OnCommand.
	OnCommand func(member int, name string, body bson.Raw)
	// ClusterTime is as Options.ClusterTime, with one clock for all the
	// routers, as a sharded cluster's.
	ClusterTime bool
}

// StandaloneOptions configure NewStandalone.
type StandaloneOptions struct {
	// MaxWireVersion is what the server reports at start; 0 means
	// DefaultMaxWireVersion.
	MaxWireVersion int32
	// OnCommand is as Options.OnCommand.
	OnCommand func(member int, name string, body bson.Raw)
}

// URI returns a connection string listing hosts as its seeds, followed by
// params ("replicaSet=rs0", "heartbeatFrequencyMS=500"...) joined with &.
func URI(hosts []string, params ...string) string {
	var b strings.Builder
	b.WriteString("mongodb://")
	b.WriteString(strings.Join(hosts, ","))
	b.WriteString("/")
	if len(params) > 0 {
		b.WriteString("?")
		b.WriteString(strings.Join(params, "&"))
	}
	return b.String()
}

// memberError reports a member index that does not exist or a control that
// does not apply to it.
func memberError(i int, format string, args ...any) error {
	return fmt.Errorf("sim: member %d: %s", i, fmt.Sprintf(format, args...))
}

// queryEscape escapes a value for a connection string's options.
func queryEscape(s string) string { return url.QueryEscape(s) }
