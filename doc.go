// Package motor is an asynchronous-first MongoDB driver in pure Go.
//
// # Connecting
//
// Connect takes a connection string and returns a Client at once; servers are
// discovered in the background and the first operation waits for a suitable
// one, bounded by its context and serverSelectionTimeoutMS:
//
//	client, err := motor.Connect(ctx, "mongodb://localhost:27017/?serverSelectionTimeoutMS=5000")
//	if err != nil { ... }
//	defer client.Close(context.Background())
//
//	if err := client.Ping(ctx); err != nil { ... }
//	info, err := client.ServerInfo(ctx) // the buildInfo document
//
//	var hello bson.D
//	err = client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello)
//
// Atlas and other clusters published in DNS use mongodb+srv:
//
//	client, err := motor.Connect(ctx, "mongodb+srv://user:pw@cluster0.example.net/app?retryWrites=true&w=majority")
//
// # Configuration
//
// A Client is configured by a *Config. ParseURI builds one from a connection
// string, mongodb://host1[:port1][,host2...][/database][?options] or
// mongodb+srv://name[/database][?options], resolving the SRV and TXT records
// of a mongodb+srv name with the system resolver; ParseURIWith does the same
// with a context, a Resolver of your own and a sink for warnings.
// ConnectConfig connects with a Config:
//
//	cfg, err := motor.ParseURI("mongodb://db1,db2,db3/?replicaSet=rs0")
//	cfg.AppName = "inventory"
//	cfg.TLSConfig = myTLSConfig // fields set in code win over the URI
//	client, err := motor.ConnectConfig(ctx, cfg)
//
// The merge rule between a connection string and code is: the URI is parsed
// first, into a Config holding every default; fields you set on the Config
// afterwards win. There is no other layer of precedence. Options from a
// mongodb+srv TXT record sit below the URI: an option in both is taken from
// the URI.
//
// Parsing fails early: every error is returned by ParseURI, none is stored for
// later. Unknown options, repeated options and empty values are ignored with a
// warning (logged with log/slog unless ParseOptions.Warn is set). An invalid
// value for a known option is an error naming the option, unless
// ParseOptions.Lenient asks for the connection string specification's rule:
// ignore the value and warn. Errors and warnings never contain the password,
// and Config.String redacts it.
//
// # Contexts
//
// Every call that can wait takes a context first and returns as soon as it is
// done, whether the call is selecting a server, waiting for a pooled
// connection or reading a reply; the error then wraps ctx.Err(), so
// errors.Is(err, context.Canceled) holds. A round trip interrupted mid-read
// closes its connection, and the pool replaces it.
//
// # Sessions
//
// Every operation runs in a session: an implicit one from the Client's
// pool, or the Session a context carries (Client.StartSession, then
// WithSession). Operations in a Session share its lsid and, unless it is a
// snapshot session, are causally consistent: each reads what the earlier
// ones wrote, on any member. A snapshot session reads every collection as
// of one point in time. The Client gossips the greatest $clusterTime it has
// seen on every command.
//
// # Transactions
//
// Session.WithTransaction runs a function in a transaction and commits it,
// retrying on transient errors; StartTransaction, CommitTransaction and
// AbortTransaction are the manual API. The operations given the session's
// context run in the transaction: the transaction's read concern, write
// concern and read preference replace those of the collection, database
// and client. Errors carry the labels LabelTransientTransactionError and
// LabelUnknownTransactionCommitResult (see HasErrorLabel).
//
// # Change streams
//
// Collection.Watch, Database.Watch and Client.Watch open a ChangeStream of
// change events, which users decode into a ChangeEvent[T]. The stream
// resumes by itself once after each resumable error, from its cached resume
// token; ResumeToken returns that token, for a later Watch with
// ChangeStreamOptions.ResumeAfter. Prefer Watch to an Aggregate with a
// $changeStream stage, which does not resume.
//
// # Errors
//
// A reply with ok: 0 is a *ServerError, with the server's code, code name,
// message and error labels. Network failures are *NetworkError values.
// errors.Is matches sentinels such as ErrNoDocuments, ErrDuplicateKey and
// ErrServerSelection, and IsTimeout and HasErrorLabel test the rest.
//
// # Monitoring
//
// Config.PoolMonitor and Config.ServerMonitor receive the connection pool and
// server discovery events of package event.
//
// # Logging
//
// Config.Logger, a *slog.Logger, receives the log messages of the Logging
// specification: the command, topology (server discovery), serverSelection
// and connection components, each message with the specification's text
// ("Command started", "Connection checked out"...), its fields as
// attributes and a "component" attribute. Config.LogLevels sets each
// component's minimum level; a level left unset comes from the environment
// (MONGODB_LOG_COMMAND, MONGODB_LOG_TOPOLOGY, MONGODB_LOG_SERVER_SELECTION,
// MONGODB_LOG_CONNECTION, MONGODB_LOG_ALL), and levels set in code win. With
// no Logger, the environment alone can turn logging on, into JSON on
// MONGODB_LOG_PATH (stdout, stderr or a file; stderr by default). Commands
// and replies are shown as relaxed extended JSON cut at MaxDocumentLength
// bytes (MONGODB_LOG_MAX_DOCUMENT_LENGTH, default 1000). The levels below
// Debug and above Error that slog does not name are LevelTrace,
// LevelNotice, LevelCritical, LevelAlert and LevelEmergency. Logging that
// is off costs no allocation.
package motor
