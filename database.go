package motor

import (
	"context"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/topology"
)

// Database is a handle to one database of a Client. It is cheap to create
// and safe for concurrent use.
type Database struct {
	client   *Client
	name     string
	readPref topology.ReadPref
	rc       *ReadConcern
	wc       *WriteConcern
	registry *bson.Registry
}

// Name returns the database's name.
func (db *Database) Name() string { return db.name }

// Client returns the Client the database belongs to.
func (db *Database) Client() *Client { return db.client }

// WithReadPreference returns a copy of db whose reads use rp.
func (db *Database) WithReadPreference(rp ReadPreference) (*Database, error) {
	trp, err := toTopologyReadPref(&rp)
	if err != nil {
		return nil, err
	}
	cp := *db
	cp.readPref = trp
	return &cp, nil
}

// WithReadConcern returns a copy of db whose reads use rc; nil means the
// server's default.
func (db *Database) WithReadConcern(rc *ReadConcern) *Database {
	cp := *db
	cp.rc = rc
	return &cp
}

// WithWriteConcern returns a copy of db whose writes use wc; nil means the
// server's default.
func (db *Database) WithWriteConcern(wc *WriteConcern) *Database {
	cp := *db
	cp.wc = wc
	return &cp
}

// WithRegistry returns a copy of db whose collections encode and decode
// documents with the codecs of reg.
func (db *Database) WithRegistry(reg *bson.Registry) *Database {
	cp := *db
	cp.registry = reg
	return &cp
}

// RunCommand runs a database command, given as an ordered document (a
// bson.D, a bson.Raw, or a struct whose field order is the command's), and
// returns the reply. The command runs on a server chosen by the database's
// read preference; it is not retried. A reply with ok: 0 is an error, a
// *ServerError:
//
//	var out bson.M
//	err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&out)
func (db *Database) RunCommand(ctx context.Context, cmd any) *SingleResult {
	body, err := bson.MarshalOptions{Registry: db.registry}.Marshal(cmd)
	if err != nil {
		return &SingleResult{err: fmt.Errorf("motor: RunCommand: %w", err)}
	}
	name := ""
	for k := range bson.Raw(body).Elements() {
		name = string(k)
		break
	}
	if name == "" {
		return &SingleResult{err: fmt.Errorf("motor: RunCommand: empty command document")}
	}
	res, err := db.client.exec.Run(ctx, &op.Command{Name: name, DB: db.name, Body: body, ReadPref: db.readPref})
	return &SingleResult{raw: res.Reply, err: err, reg: db.registry}
}
