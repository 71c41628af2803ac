package motor

import (
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/topology"
)

// Collection is a handle to a collection whose documents are of type T: a
// struct of your own, bson.D, bson.M or bson.Raw. Reads decode into T and
// writes take T. It is cheap to create and safe for concurrent use.
//
//	users := motor.CollectionOf[User](client.Database("app"), "users")
//
// Database.Collection returns the untyped form, a *Collection[bson.D].
//
// A collection inherits its read preference, read concern, write concern
// and BSON registry from its database, which inherits them from the
// Client; the With methods return a copy with one of them changed.
type Collection[T any] struct {
	db       *Database
	name     string
	readPref topology.ReadPref
	rc       *ReadConcern
	wc       *WriteConcern
	registry *bson.Registry
}

// CollectionOf returns a handle to the collection name of db, whose
// documents are of type T. It does no I/O.
func CollectionOf[T any](db *Database, name string) *Collection[T] {
	return &Collection[T]{db: db, name: name, readPref: db.readPref, rc: db.rc, wc: db.wc, registry: db.registry}
}

// Collection returns a handle to the collection name, with documents as
// bson.D. Use CollectionOf for a typed collection.
func (db *Database) Collection(name string) *Collection[bson.D] {
	return CollectionOf[bson.D](db, name)
}

// Name returns the collection's name.
func (c *Collection[T]) Name() string { return c.name }

// Database returns the database the collection belongs to.
func (c *Collection[T]) Database() *Database { return c.db }

// FullName returns the namespace: "database.collection".
func (c *Collection[T]) FullName() string { return c.db.name + "." + c.name }

// WithReadPreference returns a copy of c whose reads use rp.
func (c *Collection[T]) WithReadPreference(rp ReadPreference) (*Collection[T], error) {
	trp, err := toTopologyReadPref(&rp)
	if err != nil {
		return nil, err
	}
	cp := *c
	cp.readPref = trp
	return &cp, nil
}

// WithReadConcern returns a copy of c whose reads use rc; nil means the
// server's default.
func (c *Collection[T]) WithReadConcern(rc *ReadConcern) *Collection[T] {
	cp := *c
	cp.rc = rc
	return &cp
}

// WithWriteConcern returns a copy of c whose writes use wc; nil means the
// server's default.
func (c *Collection[T]) WithWriteConcern(wc *WriteConcern) *Collection[T] {
	cp := *c
	cp.wc = wc
	return &cp
}

// WithRegistry returns a copy of c that encodes and decodes documents with
// the codecs of reg.
func (c *Collection[T]) WithRegistry(reg *bson.Registry) *Collection[T] {
	cp := *c
	cp.registry = reg
	return &cp
}
