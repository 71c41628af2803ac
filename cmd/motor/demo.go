package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

// cleanupTimeout bounds the demo's cleanup (dropping its database), which
// runs even when the demo's context has ended.
const cleanupTimeout = 10 * time.Second

// demoCollection is the collection the demo writes to, in a database named
// motor_demo_ and eight random hexadecimal digits, so that it never meets
// existing data.
const demoCollection = "people"

// demo is one run of motor demo.
type demo struct {
	// uri is the server to use; "" starts a test server.
	uri string
	// timeout bounds the demo's operations, from Connect to the drop of its
	// database; starting the test server has bounds of its own.
	timeout time.Duration
	out     io.Writer
	// started, when not nil, is called once the test server answers, before
	// the demo connects to it. Tests use it to interrupt the demo.
	started func(*testenv.Server)

	step int
}

// runDemo implements motor demo.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motor demo", flag.ContinueOnError)
	d := &demo{out: stdout}
	fs.StringVar(&d.uri, "uri", "", "the connection string of the server to use; without it the demo starts a FerretDB test server")
	fs.DurationVar(&d.timeout, "timeout", 30*time.Second, "bound on the demo's operations (not on building and starting the test server)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: motor demo [--uri URI] [--timeout 30s]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if d.timeout <= 0 {
		return usageError{err: fmt.Errorf("--timeout must be positive, not %s", d.timeout)}
	}
	return d.execute(ctx)
}

// execute runs the demo, reports how long it took, and says in the error
// when the demo was interrupted.
func (d *demo) execute(ctx context.Context) error {
	began := time.Now()
	if err := d.run(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		return err
	}
	fmt.Fprintf(d.out, "\ndemo: done in %s\n", roundDuration(time.Since(began)))
	return nil
}

// run starts the test server if there is no URI, runs the quick start, and
// stops the server it started, whatever happened.
func (d *demo) run(ctx context.Context) (err error) {
	uri := d.uri
	if uri == "" {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("not starting the test server: %w", err)
		}
		fmt.Fprintf(d.out, "No --uri: starting a FerretDB %s test server (internal/testenv).\n", testenv.FerretDBVersion)
		fmt.Fprintln(d.out, "The first run builds FerretDB, which takes a few minutes; later runs reuse the build.")
		var srv *testenv.Server
		srv, err = testenv.Start(ctx, testenv.Options{})
		if err != nil {
			return fmt.Errorf("starting the test server: %w", err)
		}
		defer func() {
			serr := srv.Stop()
			if serr != nil {
				err = errors.Join(err, fmt.Errorf("stopping the test server (pid %d): %w", srv.PID, serr))
				return
			}
			fmt.Fprintf(d.out, "\nStopped the test server (pid %d) and removed its data.\n", srv.PID)
		}()
		fmt.Fprintf(d.out, "Started in %s: pid %d, listening at %s\n", roundDuration(srv.StartTime), srv.PID, srv.URI)
		if d.started != nil {
			d.started(srv)
		}
		uri = srv.URI
	} else {
		fmt.Fprintf(d.out, "Using the server of --uri %s\n", redactURI(uri))
	}
	qctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	err = d.quickStart(qctx, uri)
	if err != nil && ctx.Err() == nil && qctx.Err() != nil {
		err = fmt.Errorf("%w (the demo's --timeout of %s ended)", err, d.timeout)
	}
	return err
}

// quickStart connects, describes the server, and writes and reads a few
// documents in a database of its own, which it drops at the end.
func (d *demo) quickStart(ctx context.Context, uri string) (err error) {
	d.stepf("motor.Connect(ctx, %q)", redactURI(uri))
	client, err := motor.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer func() {
		d.stepf("client.Close(ctx)")
		err = errors.Join(err, client.Close(context.WithoutCancel(ctx)))
	}()
	d.detailf("returned at once: the client discovers the servers in the background")

	d.stepf("client.ServerInfo(ctx)  // the buildInfo command")
	info, err := client.ServerInfo(ctx)
	if err != nil {
		return err
	}
	d.detailf("server version %s (gitVersion %s), maxBsonObjectSize %d", info.Version, info.GitVersion, info.MaxBSONObjectSize)

	d.stepf("client.Ping(ctx), three times")
	var rtts []time.Duration
	for range 3 {
		rtt, err := timePing(ctx, client)
		if err != nil {
			return err
		}
		rtts = append(rtts, roundDuration(rtt))
	}
	d.detailf("round trips: %s", joinDurations(rtts))

	d.stepf(`client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}})`)
	hello, err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Raw()
	if err != nil {
		return err
	}
	for _, line := range summarizeHello(hello) {
		d.detailf("%s", line)
	}

	return d.documents(ctx, client)
}

// documents inserts a few documents with the insert command, reads some back
// with find, and drops the database.
func (d *demo) documents(ctx context.Context, client *motor.Client) (err error) {
	db := client.Database("motor_demo_" + randomHex(4))
	fmt.Fprintf(d.out, "\nThe driver has no collection methods yet (insert and find come with the CRUD API):\n"+
		"the demo sends the insert and find commands through RunCommand, as the server receives them,\n"+
		"to the database %s, which it drops at the end.\n", db.Name())

	insert := bson.D{
		{Key: "insert", Value: demoCollection},
		{Key: "documents", Value: bson.A{
			bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "name", Value: "Ada Lovelace"}, {Key: "born", Value: 1815}, {Key: "field", Value: "mathematics"}},
			bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "name", Value: "Grace Hopper"}, {Key: "born", Value: 1906}, {Key: "field", Value: "compilers"}},
			bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "name", Value: "Alan Turing"}, {Key: "born", Value: 1912}, {Key: "field", Value: "computability"}},
		}},
	}
	reply, err := d.command(ctx, db, insert)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.drop(ctx, db)) }()
	if we := reply.Lookup("writeErrors"); !we.IsZero() {
		return fmt.Errorf("insert: write errors: %s", we)
	}

	find := bson.D{
		{Key: "find", Value: demoCollection},
		{Key: "filter", Value: bson.D{{Key: "born", Value: bson.D{{Key: "$lt", Value: 1910}}}}},
		{Key: "sort", Value: bson.D{{Key: "born", Value: 1}}},
	}
	reply, err = d.command(ctx, db, find)
	if err != nil {
		return err
	}
	cursor, ok := reply.Lookup("cursor").DocumentOK()
	if !ok {
		return fmt.Errorf("find: the reply has no cursor document: %s", reply)
	}
	if id := cursor.Lookup("id").Int64(); id != 0 {
		// Three documents fit in the first batch; a server that keeps the
		// cursor open anyway gets it closed.
		kill := bson.D{{Key: "killCursors", Value: demoCollection}, {Key: "cursors", Value: bson.A{id}}}
		if _, err := d.command(ctx, db, kill); err != nil {
			return err
		}
	}
	return nil
}

// command prints cmd, runs it on db, and prints the reply. Lists of
// documents, in the command or in the reply, are printed one per line.
func (d *demo) command(ctx context.Context, db *motor.Database, cmd bson.D) (bson.Raw, error) {
	d.stepf("%s: client.Database(%q).RunCommand(ctx, cmd)", cmd[0].Key, db.Name())
	raw, err := bson.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	d.printDocument("command", raw)
	reply, err := db.RunCommand(ctx, cmd).Raw()
	if err != nil {
		return nil, err
	}
	d.printDocument("reply", reply)
	return reply, nil
}

// drop drops the demo's database, with a context of its own so that it runs
// after the demo's context ended too.
func (d *demo) drop(ctx context.Context, db *motor.Database) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if _, err := d.command(ctx, db, bson.D{{Key: "dropDatabase", Value: 1}}); err != nil {
		return fmt.Errorf("dropping the demo database %s: %w", db.Name(), err)
	}
	return nil
}

// stepf prints the heading of the next step.
func (d *demo) stepf(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "\n[%d] %s\n", d.step, fmt.Sprintf(format, args...))
}

// detailf prints a line under the current step.
func (d *demo) detailf(format string, args ...any) {
	fmt.Fprintf(d.out, "    %s\n", fmt.Sprintf(format, args...))
}

// printDocument prints doc as relaxed Extended JSON after label, then the
// documents of its list, if it has one, one per line.
func (d *demo) printDocument(label string, doc bson.Raw) {
	short, docs := abbreviate(doc)
	d.detailf("%s: %s", label, short)
	for _, doc := range docs {
		d.detailf("  %s", doc)
	}
}

// abbreviate returns doc as relaxed Extended JSON, with its list of
// documents, if any, replaced by "<N documents>", and the documents of that
// list. The list is a command's "documents" or a reply's "cursor.firstBatch".
func abbreviate(doc bson.Raw) (string, []bson.Raw) {
	var docs []bson.Raw
	placeholder := func(a bson.RawArray) string {
		for _, v := range a.Values() {
			docs = append(docs, v.Document())
		}
		if len(docs) == 1 {
			return "<1 document>"
		}
		return fmt.Sprintf("<%d documents>", len(docs))
	}
	var short bson.D
	for k, v := range doc.Elements() {
		switch a, isArray := v.ArrayOK(); {
		case k == "documents" && isArray:
			short = append(short, bson.E{Key: k, Value: placeholder(a)})
		case k == "cursor" && !v.Document().Lookup("firstBatch").IsZero():
			var c bson.D
			for ck, cv := range v.Document().Elements() {
				if ck == "firstBatch" {
					c = append(c, bson.E{Key: ck, Value: placeholder(cv.Array())})
				} else {
					c = append(c, bson.E{Key: ck, Value: cv})
				}
			}
			short = append(short, bson.E{Key: k, Value: c})
		default:
			short = append(short, bson.E{Key: k, Value: v})
		}
	}
	b, err := bson.Marshal(short)
	if err != nil {
		return doc.String(), nil
	}
	return bson.Raw(b).String(), docs
}

// randomHex returns 2n random hexadecimal digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
