package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
)

// DistinctOptions are the options of Collection.Distinct and DistinctAs.
// Several are merged left to right, the set fields of later ones winning.
type DistinctOptions struct {
	// Collation sets the string comparison rules.
	Collation *Collation
	// Comment is attached to the command.
	Comment any
	// Hint names the index to use: its name or its key document (MongoDB
	// 7.1+).
	Hint any
	// MaxTime bounds the command on the server (maxTimeMS); deprecated in
	// favour of ctx deadlines and ignored when Config.Timeout is set.
	MaxTime time.Duration
	// ReadConcern overrides the collection's read concern for this call.
	ReadConcern *ReadConcern
}

// Distinct returns the distinct values of field (a dotted path reaches into
// sub-documents and arrays) among the documents that match filter (bson.D{}
// for all; nil is an error), as raw BSON values, which may be of mixed
// types: test each one's Type, or call its Unmarshal. The values belong to
// the caller. DistinctAs decodes them into a typed slice instead.
//
// The values come back in one reply, which like any document is limited to
// 16 MiB; use an aggregation with $group for larger results.
func (c *Collection[T]) Distinct(ctx context.Context, field string, filter any, opts ...DistinctOptions) ([]bson.RawValue, error) {
	res, err := c.distinct(ctx, field, filter, opts)
	if err != nil {
		return nil, err
	}
	vals, ok := res.Lookup("values").ArrayOK()
	if !ok {
		return nil, fmt.Errorf("motor: distinct: no values array in %v", res)
	}
	out := make([]bson.RawValue, 0, vals.Len())
	for _, v := range vals.Values() {
		out = append(out, v)
	}
	return out, nil
}

// DistinctAs is Collection.Distinct decoding the values into V, with the
// collection's registry: a value that does not fit V is an error.
//
//	cities, err := motor.DistinctAs[string](ctx, users, "address.city", bson.D{})
func DistinctAs[V, T any](ctx context.Context, c *Collection[T], field string, filter any, opts ...DistinctOptions) ([]V, error) {
	res, err := c.distinct(ctx, field, filter, opts)
	if err != nil {
		return nil, err
	}
	var out struct {
		Values []V `bson:"values"`
	}
	if err := (bson.UnmarshalOptions{Registry: c.registry}).Unmarshal(res, &out); err != nil {
		return nil, fmt.Errorf("motor: distinct: decoding the values: %w", err)
	}
	if out.Values == nil {
		out.Values = []V{}
	}
	return out.Values, nil
}

// distinct runs the distinct command and returns its reply.
func (c *Collection[T]) distinct(ctx context.Context, field string, filter any, opts []DistinctOptions) (bson.Raw, error) {
	var o DistinctOptions
	for _, p := range opts {
		setPtr(&o.Collation, p.Collation)
		setAny(&o.Comment, p.Comment)
		setAny(&o.Hint, p.Hint)
		setZero(&o.MaxTime, p.MaxTime)
		setPtr(&o.ReadConcern, p.ReadConcern)
	}
	if field == "" {
		return nil, fmt.Errorf("motor: distinct: empty field name")
	}
	f, err := c.filterDoc("distinct", filter)
	if err != nil {
		return nil, err
	}
	d := bson.D{{Key: "distinct", Value: c.name}, {Key: "key", Value: field}, {Key: "query", Value: f}}
	if o.Collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.Collation})
	}
	d = appendSet(d, "comment", o.Comment)
	d = appendSet(d, "hint", o.Hint)
	d = c.appendMaxTime(d, o.MaxTime)
	res, err := c.runRead(ctx, "distinct", d, readConcernOf(o.ReadConcern, c.rc))
	if err != nil {
		return nil, err
	}
	return res.Reply, nil
}
