package motor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/topology"
)

// This file holds what the index and collection management commands share.

// adminCommand is a schema command (create, drop, createIndexes...) about
// to run.
type adminCommand struct {
	name     string // the command's name, for errors and monitoring
	db       string
	doc      bson.D // the command document, without writeConcern
	reg      *bson.Registry
	wc       *WriteConcern
	maxTime  time.Duration
	comment  any
	readOnly bool // a listing: runs on the primary as a retryable read
	// minWire, when set, is the wire version the server must have for
	// the command to be sent; needs names what requires it.
	minWire int32
	needs   string
}

// run encodes the command with its registry, adds maxTimeMS, comment and
// writeConcern, and runs it on a primary. It returns the reply.
func (a *adminCommand) run(ctx context.Context, c *Client) (bson.Raw, error) {
	a.wc = txnWriteConcern(ctx, a.wc)
	body, err := a.encode()
	if err != nil {
		return nil, err
	}
	res, err := c.exec.Run(ctx, a.op(body))
	return res.Reply, err
}

// encode returns the command document with its optional fields.
func (a *adminCommand) encode() ([]byte, error) {
	doc := a.doc
	if a.maxTime > 0 {
		doc = append(doc, bson.E{Key: "maxTimeMS", Value: a.maxTime.Milliseconds()})
	}
	if a.comment != nil {
		doc = append(doc, bson.E{Key: "comment", Value: a.comment})
	}
	if !a.readOnly {
		if wc := writeConcernDoc(a.wc); wc != nil {
			doc = append(doc, bson.E{Key: "writeConcern", Value: wc})
		}
	}
	body, err := bson.MarshalOptions{Registry: a.reg}.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("motor: %s: %w", a.name, err)
	}
	return body, nil
}

// op returns the command for the executor. Listings run on the primary
// (the enumeration specifications require it outside a direct connection)
// and are retryable reads; schema changes are writes, not retried.
func (a *adminCommand) op(body []byte) *op.Command {
	cmd := &op.Command{Name: a.name, DB: a.db, Body: body}
	switch a.name {
	case "create", "createIndexes", "drop", "dropDatabase", "dropIndexes":
		// The schema commands that take a read concern (for
		// afterClusterTime in a causally consistent session).
		cmd.ReadConcern = writeReadConcern
	}
	if a.minWire > 0 {
		cmd.Prepare = func(_ *op.Command, l op.Limits) error {
			if l.MaxWireVersion < a.minWire {
				return fmt.Errorf("motor: %s: %s needs a server of wire version %d or later; this one has %d", a.name, a.needs, a.minWire, l.MaxWireVersion)
			}
			return nil
		}
	}
	if a.readOnly {
		cmd.ReadPref = topology.ReadPref{Mode: topology.Primary}
		cmd.Retry = op.RetryRead
	} else {
		cmd.Write = true
		cmd.NoSession = !acknowledged(a.wc)
	}
	return cmd
}

// adminError is a client-side error of a management helper: bad input,
// caught before anything is sent.
func adminError(op, format string, args ...any) error {
	return fmt.Errorf("motor: %s: %s", op, fmt.Sprintf(format, args...))
}

// checkAdminName checks a database or collection name the driver puts in a
// command: the server refuses the empty name, and a NUL byte cannot be
// encoded at all.
func checkAdminName(op, what, name string) error {
	if name == "" {
		return adminError(op, "empty %s name", what)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return adminError(op, "%s name %q contains a NUL byte", what, name)
	}
	return nil
}

// encodeListFilter encodes the filter of the listing cmd with reg. nil is
// refused (ErrNilFilter), as for every filter of the driver: bson.D{}
// selects everything.
func encodeListFilter(cmd string, reg *bson.Registry, filter any) (bson.Raw, error) {
	if filter == nil {
		return nil, fmt.Errorf("motor: %s: %w", cmd, ErrNilFilter)
	}
	b, err := bson.MarshalOptions{Registry: reg}.Marshal(filter)
	if err != nil {
		return nil, fmt.Errorf("motor: filter: %w", err)
	}
	return b, nil
}

// filterOnlyNames reports whether a filter uses no field but name, so that
// nameOnly can be sent with it: the server applies nameOnly before the
// filter, and a filter on other fields would then match nothing.
func filterOnlyNames(filter bson.Raw) bool {
	for k := range filter.Elements() {
		if k != "name" {
			return false
		}
	}
	return true
}

// setOpt copies src into *dst when src is not its type's zero value: the
// rule by which several option structs merge, later set fields winning.
// Comparing an interface against its zero (nil) never panics.
func setOpt[V comparable](dst *V, src V) {
	var zero V
	if src != zero {
		*dst = src
	}
}
