package sim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// configure sends configureFailPoint through c and returns the reply.
func configure(t *testing.T, c *client, mode any, data bson.D) bson.Raw {
	t.Helper()
	cmd := doc("configureFailPoint", "failCommand", "mode", mode)
	if data != nil {
		cmd = append(cmd, bson.E{Key: "data", Value: data})
	}
	return c.run(append(cmd, bson.E{Key: "$db", Value: "admin"}))
}

// find runs a find on c, allowed on secondaries.
func find(c *client, db string) bson.Raw {
	return c.run(doc("find", "c", "$db", db, "$readPreference", doc("mode", "primaryPreferred")))
}

// TestFailCommandModes checks times, skip, alwaysOn and off, and the count
// configureFailPoint returns.
func TestFailCommandModes(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	data := doc("failCommands", bson.A{"find"}, "errorCode", 91)

	r := configure(t, c, doc("times", 2), data)
	mustOK(t, "configureFailPoint", r)
	if n, _ := r.Lookup("count").AsInt64OK(); n != 0 {
		t.Errorf("count = %d", n)
	}
	mustCode(t, "find 1", find(c, db), 91)
	mustOK(t, "ping between", c.run(doc("ping", 1, "$db", "admin"))) // not listed: not counted
	mustCode(t, "find 2", find(c, db), 91)
	mustOK(t, "find 3", find(c, db))
	r = configure(t, c, "off", nil)
	if n, _ := r.Lookup("count").AsInt64OK(); n != 2 {
		t.Errorf("count after {times: 2} = %d: %s", n, r)
	}

	configure(t, c, doc("skip", 1), data)
	mustOK(t, "skipped find", find(c, db))
	for i := range 3 {
		mustCode(t, "find after skip "+string(rune('0'+i)), find(c, db), 91)
	}
	configure(t, c, "alwaysOn", data)
	for range 3 {
		mustCode(t, "alwaysOn find", find(c, db), 91)
	}
	r = configure(t, c, "off", nil)
	if n, _ := r.Lookup("count").AsInt64OK(); n != 3 {
		t.Errorf("count after alwaysOn = %d", n)
	}
	mustOK(t, "find when off", find(c, db))
	r = find(c, db)
	if r.Lookup("errmsg").Type != 0 {
		t.Errorf("find: %s", r)
	}

	// The fail point is the member's own.
	configure(t, c, "alwaysOn", data)
	mustOK(t, "find on another member", find(dial(t, rs.Addr(1)), db))
	mustCode(t, "find on the configured member", find(dial(t, rs.Addr(0)), db), 91)
	configure(t, c, "off", nil)
}

// TestFailCommandErrors checks the error reply: code, codeName, errmsg,
// the labels the server adds, errorLabels overriding them, and
// topologyVersion for a NotPrimaryError.
func TestFailCommandErrors(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	insert := doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db)
	retryable := append(doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db),
		doc("lsid", doc("id", bson.NewObjectID()), "txnNumber", int64(7))...)
	inTxn := append(doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db),
		doc("lsid", doc("id", bson.NewObjectID()), "txnNumber", int64(8), "autocommit", false)...)
	for _, tc := range []struct {
		name   string
		data   bson.D
		cmd    bson.D
		labels []string
		tv     bool
	}{
		{"plain", doc("errorCode", 189), insert, nil, true},
		{"retryable write", doc("errorCode", 189), retryable, []string{"RetryableWriteError"}, true},
		{"retryable write, non-retryable code", doc("errorCode", 11000), retryable, nil, false},
		{"transaction", doc("errorCode", 112), inTxn, []string{"TransientTransactionError"}, false},
		{"labels override", doc("errorCode", 189, "errorLabels", bson.A{"Custom", "Other"}), retryable, []string{"Custom", "Other"}, true},
		{"empty labels suppress", doc("errorCode", 10107, "errorLabels", bson.A{}), retryable, nil, true},
		{"unknown code", doc("errorCode", 4242), insert, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := append(doc("failCommands", bson.A{"insert"}), tc.data...)
			mustOK(t, "configure", configure(t, c, doc("times", 1), data))
			code := tc.data[0].Value.(int)
			r := c.run(tc.cmd)
			mustCode(t, tc.name, r, int32(code))
			if got := labels(r); !slices.Equal(got, tc.labels) {
				t.Errorf("labels = %v, want %v", got, tc.labels)
			}
			if r.Lookup("errmsg").StringValue() != "Failing command via 'failCommand' failpoint" {
				t.Errorf("errmsg in %s", r)
			}
			if want := codeName(int32(code)); r.Lookup("codeName").StringValue() != want {
				t.Errorf("codeName %q, want %q", r.Lookup("codeName").StringValue(), want)
			}
			if _, ok := r.Lookup("topologyVersion").DocumentOK(); ok != tc.tv {
				t.Errorf("topologyVersion present = %v: %s", ok, r)
			}
		})
	}
	if codeName(4242) != "Location4242" || codeName(10107) != "NotWritablePrimary" {
		t.Error("codeName")
	}
}

// TestFailCommandConnection checks closeConnection and blockConnection.
func TestFailCommandConnection(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	admin := dial(t, rs.Addr(0))

	configure(t, admin, doc("times", 1), doc("failCommands", bson.A{"find"}, "closeConnection", true))
	c := dial(t, rs.Addr(0))
	if _, err := c.roundTrip(doc("find", "c", "$db", db)); !isNetErr(err) {
		t.Errorf("find with closeConnection: %v", err)
	}
	mustOK(t, "find on a new connection", find(dial(t, rs.Addr(0)), db))

	configure(t, admin, doc("times", 1), doc("failCommands", bson.A{"ping"}, "blockConnection", true, "blockTimeMS", 600))
	start := time.Now()
	mustOK(t, "blocked ping", admin.run(doc("ping", 1, "$db", "admin")))
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("blocked ping took %v", d)
	}
	start = time.Now()
	mustOK(t, "second ping", admin.run(doc("ping", 1, "$db", "admin")))
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("ping after the fail point took %v", d)
	}

	// Blocking, then failing.
	configure(t, admin, doc("times", 1), doc("failCommands", bson.A{"find"}, "blockConnection", true, "blockTimeMS", 200, "errorCode", 50))
	start = time.Now()
	mustCode(t, "blocked find", find(admin, db), 50)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("blocked find took %v", d)
	}

	// A blocked command does not hold up Kill.
	configure(t, admin, "alwaysOn", doc("failCommands", bson.A{"find"}, "blockConnection", true, "blockTimeMS", 60_000))
	blocked := dial(t, rs.Addr(0))
	if _, err := blocked.send(0, doc("find", "c", "$db", db)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	start = time.Now()
	if err := rs.Kill(0); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Kill waited %v for a blocked command", d)
	}
	if _, err := blocked.read(ioTimeout); !isNetErr(err) {
		t.Errorf("blocked find after Kill: %v", err)
	}
}

// TestFailCommandWriteConcernError checks that writeConcernError is added
// to writes that run, and neither touches nor counts other commands.
func TestFailCommandWriteConcernError(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	wce := doc("code", 91, "errmsg", "Replication is being shut down")
	configure(t, c, doc("times", 1), doc("failCommands", bson.A{"insert", "find"}, "writeConcernError", wce))

	r := find(c, db)
	mustOK(t, "find", r)
	if r.Lookup("writeConcernError").Type != 0 {
		t.Errorf("find got a writeConcernError: %s", r)
	}
	r = c.run(append(doc("insert", "c", "documents", bson.A{doc("_id", 1)}, "$db", db),
		doc("lsid", doc("id", bson.NewObjectID()), "txnNumber", int64(1))...))
	mustOK(t, "insert", r)
	if r.Lookup("n").Int32() != 1 || r.Lookup("writeConcernError", "code").Int32() != 91 ||
		r.Lookup("writeConcernError", "errmsg").StringValue() != "Replication is being shut down" {
		t.Errorf("insert: %s", r)
	}
	if got := labels(r); !slices.Equal(got, []string{"RetryableWriteError"}) {
		t.Errorf("labels = %v", got)
	}
	r = c.run(doc("insert", "c", "documents", bson.A{doc("_id", 2)}, "$db", db))
	if r.Lookup("writeConcernError").Type != 0 {
		t.Errorf("second insert after {times: 1}: %s", r)
	}
	r = find(c, db)
	if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != 2 {
		t.Errorf("the writes did not run: %s", r)
	}

	configure(t, c, doc("times", 1), doc("failCommands", bson.A{"delete"}, "writeConcernError", wce, "errorLabels", bson.A{"X"}))
	r = c.run(doc("delete", "c", "deletes", bson.A{doc("q", doc(), "limit", 0)}, "$db", db))
	if got := labels(r); !slices.Equal(got, []string{"X"}) || r.Lookup("n").Int32() != 2 {
		t.Errorf("delete: %s", r)
	}
}

// TestFailCommandFilters checks appName (handshake included) and
// namespace, and that configureFailPoint is never failed.
func TestFailCommandFilters(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	admin := dial(t, rs.Addr(0))
	configure(t, admin, "alwaysOn", doc("failCommands", bson.A{"find", "configureFailPoint"}, "errorCode", 2, "appName", "victim"))
	victim, bystander := dial(t, rs.Addr(0)), dial(t, rs.Addr(0))
	victim.hello("client", doc("application", doc("name", "victim")))
	bystander.hello("client", doc("application", doc("name", "bystander")))
	mustCode(t, "victim's find", find(victim, db), 2)
	mustOK(t, "bystander's find", find(bystander, db))
	mustOK(t, "configureFailPoint", configure(t, victim, "off", nil))

	// The handshake that names the application is itself subject to it.
	configure(t, admin, doc("times", 2), doc("failCommands", bson.A{"hello", "isMaster"}, "closeConnection", true, "appName", "monitor"))
	for range 2 {
		c := dial(t, rs.Addr(0))
		_, err := c.roundTrip(doc("hello", 1, "$db", "admin", "client", doc("application", doc("name", "monitor"))))
		if !isNetErr(err) {
			t.Errorf("handshake: %v", err)
		}
	}
	mustOK(t, "third handshake", dial(t, rs.Addr(0)).run(doc("isMaster", 1, "$db", "admin", "client", doc("application", doc("name", "monitor")))))

	configure(t, admin, "alwaysOn", doc("failCommands", bson.A{"find"}, "errorCode", 2, "namespace", db+".other"))
	mustOK(t, "find on c", find(admin, db))
	mustCode(t, "find on other", admin.run(doc("find", "other", "$db", db)), 2)
	configure(t, admin, "off", nil)

	// Aliases match as in mongod.
	configure(t, admin, doc("times", 1), doc("failCommands", bson.A{"ismaster"}, "errorCode", 2))
	mustCode(t, "isMaster", admin.run(doc("isMaster", 1, "$db", "admin")), 2)
}

// TestConfigureFailPointErrors checks the command's refusals and the
// programmatic form.
func TestConfigureFailPointErrors(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(1))
	mustCode(t, "not admin", c.run(doc("configureFailPoint", "failCommand", "mode", "off", "$db", "test")), codeUnauthorized)
	r := c.run(doc("configureFailPoint", "somethingElse", "mode", "alwaysOn", "$db", "admin"))
	mustCode(t, "unknown fail point", r, codeBadValue)
	if !strings.Contains(r.Lookup("errmsg").StringValue(), "somethingElse") {
		t.Errorf("errmsg: %s", r)
	}
	mustCode(t, "bad mode", configure(t, c, "sometimes", nil), codeBadValue)

	n, err := rs.FailCommand(1, FailPoint{Mode: Times(1), FailCommands: []string{"ping"}, ErrorCode: 8000})
	if err != nil || n != 0 {
		t.Fatalf("FailCommand = %d, %v", n, err)
	}
	mustCode(t, "ping", c.run(doc("ping", 1, "$db", "admin")), 8000)
	if n, _ := rs.FailCommand(1, FailPoint{}); n != 1 {
		t.Errorf("count = %d", n)
	}
	if _, err := rs.FailCommand(1, FailPoint{Mode: AlwaysOn, WriteConcernError: bson.Raw{1, 2}}); err == nil {
		t.Error("FailCommand accepted a malformed writeConcernError")
	}
	if _, err := rs.FailCommand(9, FailPoint{}); err == nil {
		t.Error("FailCommand accepted member 9")
	}
	if err := rs.FailCommandAll(FailPoint{Mode: AlwaysOn, FailCommands: []string{"ping"}, ErrorCode: 2}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustCode(t, "ping", dial(t, rs.Addr(i)).run(doc("ping", 1, "$db", "admin")), 2)
	}
}

// TestFailCommandExhaustHello checks that the fail point applies to each
// reply of an exhaust stream, as mongod runs hello again for each.
func TestFailCommandExhaustHello(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(1))
	pid, counter := tv(t, c.hello("client", doc("application", doc("name", "streamer"))))
	if _, err := c.send(wire.ExhaustAllowed, doc("hello", 1, "$db", "admin",
		"topologyVersion", doc("processId", pid, "counter", counter), "maxAwaitTimeMS", 100)); err != nil {
		t.Fatal(err)
	}
	r, err := c.read(ioTimeout)
	if err != nil || r.flags&wire.MoreToCome == 0 {
		t.Fatalf("first streamed reply: %v, flags %v", err, r.flags)
	}
	if _, err := rs.FailCommand(1, FailPoint{Mode: Times(1), FailCommands: []string{"hello"}, ErrorCode: 91, AppName: "streamer"}); err != nil {
		t.Fatal(err)
	}
	// Replies keep coming until the fail point ends the stream with an
	// error, which has no moreToCome.
	for range 10 {
		r, err = c.read(ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if r.flags&wire.MoreToCome == 0 {
			break
		}
	}
	mustCode(t, "streamed hello", r.body, 91)
	// The connection goes on serving requests.
	mustOK(t, "ping after the stream", c.run(doc("ping", 1, "$db", "admin")))
	if _, err := c.read(200 * time.Millisecond); err == nil || isNetErr(err) {
		t.Errorf("a reply came after the stream ended: %v", err)
	}
}

// TestParseFailPoint checks the parser on the forms the server accepts and
// on malformed commands.
func TestParseFailPoint(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  bson.D
		want FailPoint
		err  string
	}{
		{"off", doc("configureFailPoint", "failCommand", "mode", "off"), FailPoint{}, ""},
		{"times", doc("configureFailPoint", "failCommand", "mode", doc("times", int64(3)),
			"data", doc("failCommands", bson.A{"find", "insert"}, "errorCode", 2.0, "closeConnection", false,
				"blockConnection", true, "blockTimeMS", int32(10), "appName", "a", "namespace", "d.c",
				"failInternalCommands", true, "errorLabels", bson.A{}, "extra", "ignored")),
			FailPoint{Mode: Times(3), FailCommands: []string{"find", "insert"}, ErrorCode: 2, BlockConnection: true,
				BlockTime: 10 * time.Millisecond, AppName: "a", Namespace: "d.c", FailInternalCommands: true, ErrorLabels: []string{}}, ""},
		{"skip", doc("configureFailPoint", "failCommand", "mode", doc("skip", 2)), FailPoint{Mode: Skip(2)}, ""},
		{"skip 0", doc("configureFailPoint", "failCommand", "mode", doc("skip", 0)), FailPoint{Mode: AlwaysOn}, ""},
		{"times 0", doc("configureFailPoint", "failCommand", "mode", doc("times", 0)), FailPoint{Mode: Off}, ""},
		{"other fail point", doc("configureFailPoint", "onPrimaryTransactionalWrite", "mode", "off"), FailPoint{}, "unknown fail point"},
		{"name not a string", doc("configureFailPoint", 1, "mode", "off"), FailPoint{}, "must be a string"},
		{"bad mode string", doc("configureFailPoint", "failCommand", "mode", "never"), FailPoint{}, "unknown mode"},
		{"bad mode type", doc("configureFailPoint", "failCommand", "mode", 1), FailPoint{}, "string or a document"},
		{"probability", doc("configureFailPoint", "failCommand", "mode", doc("activationProbability", 0.5)), FailPoint{}, "non-negative"},
		{"two modes", doc("configureFailPoint", "failCommand", "mode", doc("times", 1, "skip", 1)), FailPoint{}, "exactly one"},
		{"empty mode", doc("configureFailPoint", "failCommand", "mode", doc()), FailPoint{}, "exactly one"},
		{"negative times", doc("configureFailPoint", "failCommand", "mode", doc("times", -1)), FailPoint{}, "non-negative"},
		{"data not a document", doc("configureFailPoint", "failCommand", "mode", "off", "data", 1), FailPoint{}, "data must"},
		{"bad failCommands", doc("configureFailPoint", "failCommand", "mode", "off", "data", doc("failCommands", bson.A{1})), FailPoint{}, "strings"},
		{"bad errorLabels", doc("configureFailPoint", "failCommand", "mode", "off", "data", doc("errorLabels", bson.A{true})), FailPoint{}, "strings"},
		{"bad type", doc("configureFailPoint", "failCommand", "mode", "off", "data", doc("closeConnection", 1)), FailPoint{}, "wrong type"},
		{"fractional code", doc("configureFailPoint", "failCommand", "mode", "off", "data", doc("errorCode", 1.5)), FailPoint{}, "wrong type"},
		{"huge code", doc("configureFailPoint", "failCommand", "mode", "off", "data", doc("errorCode", int64(1)<<40)), FailPoint{}, "out of range"},
		{"negative block", doc("configureFailPoint", "failCommand", "mode", "off", "data", doc("blockTimeMS", -5)), FailPoint{}, "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bson.Marshal(tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFailPoint(b)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want.String() || !slices.Equal(got.ErrorLabels, tc.want.ErrorLabels) ||
				(got.ErrorLabels == nil) != (tc.want.ErrorLabels == nil) || got.Namespace != tc.want.Namespace ||
				got.BlockConnection != tc.want.BlockConnection || got.FailInternalCommands != tc.want.FailInternalCommands {
				t.Errorf("got %v %+v\nwant %v %+v", got, got, tc.want, tc.want)
			}
		})
	}
	if _, err := ParseFailPoint(bson.Raw{5, 0, 0, 0, 1}); err == nil {
		t.Error("ParseFailPoint accepted malformed bytes")
	}
	if _, err := ParseFailPoint(nil); err == nil {
		t.Error("ParseFailPoint(nil) succeeded")
	}
	for _, m := range []Mode{Off, AlwaysOn, Times(2), Skip(3)} {
		if m.String() == "" {
			t.Errorf("%#v has no name", m)
		}
	}
}

// FuzzParseFailPoint checks that no command makes the parser panic, and
// that what it accepts it accepts again the same.
func FuzzParseFailPoint(f *testing.F) {
	for _, d := range []bson.D{
		doc("configureFailPoint", "failCommand", "mode", "alwaysOn", "data", doc("failCommands", bson.A{"find"}, "errorCode", 2)),
		doc("configureFailPoint", "failCommand", "mode", doc("times", 1), "data", doc("writeConcernError", doc("code", 91), "errorLabels", bson.A{"x"})),
		doc("configureFailPoint", "failCommand", "mode", doc("skip", 1), "data", doc("blockConnection", true, "blockTimeMS", 5, "appName", "a")),
	} {
		b, err := bson.Marshal(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fp, err := ParseFailPoint(b)
		if err != nil {
			return
		}
		again, err := ParseFailPoint(b)
		if err != nil || again.String() != fp.String() {
			t.Fatalf("second parse: %v, %v", again, err)
		}
	})
}
