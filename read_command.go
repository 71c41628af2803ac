package motor

import (
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// This file holds what the read operations (find, aggregate, distinct,
// count) share to build their commands.

// filterDoc encodes a read's filter, which must be a document; nil is
// refused (ErrNilFilter) and nothing is sent.
func (c *Collection[T]) filterDoc(cmd string, filter any) (bson.Raw, error) {
	if filter == nil {
		return nil, fmt.Errorf("motor: %s: %w", cmd, ErrNilFilter)
	}
	b, err := c.marshal(filter)
	if err != nil {
		return nil, fmt.Errorf("motor: %s: filter: %w", cmd, err)
	}
	return b, nil
}

// appendMaxTime appends maxTimeMS for d, unless d is 0 or the client has a
// Timeout, which overrides the deprecated per-operation limits.
func (c *Collection[T]) appendMaxTime(doc bson.D, d time.Duration) bson.D {
	return c.db.client.appendMaxTime(doc, d)
}

func (cl *Client) appendMaxTime(doc bson.D, d time.Duration) bson.D {
	if d <= 0 || cl.cfg.Timeout != nil {
		return doc
	}
	return append(doc, bson.E{Key: "maxTimeMS", Value: max(d.Milliseconds(), 1)})
}

// checkMaxAwait refuses a MaxAwaitTime not below the client's Timeout, as
// the client-side operations timeout specification requires.
func (c *Collection[T]) checkMaxAwait(d time.Duration) error {
	return c.db.client.checkMaxAwait(d)
}

func (cl *Client) checkMaxAwait(d time.Duration) error {
	if t := cl.cfg.Timeout; d > 0 && t != nil && *t > 0 && d >= *t {
		return fmt.Errorf("motor: MaxAwaitTime %v must be below the client's Timeout %v", d, *t)
	}
	return nil
}

// readConcernOf returns the read concern of a read: rc, or the inherited
// def when rc is nil. The executor sends it, merged with what the session
// adds (afterClusterTime, or the snapshot level).
func readConcernOf(rc, def *ReadConcern) *op.ReadConcern {
	if rc != nil {
		return &op.ReadConcern{Level: rc.Level, Explicit: true}
	}
	if rc == nil {
		rc = def
	}
	if rc == nil {
		return &op.ReadConcern{}
	}
	return &op.ReadConcern{Level: rc.Level}
}

// appendSet appends key: v unless v is nil.
func appendSet(doc bson.D, key string, v any) bson.D {
	if v == nil {
		return doc
	}
	return append(doc, bson.E{Key: key, Value: v})
}

// appendTrue appends key: true when set.
func appendTrue(doc bson.D, key string, set bool) bson.D {
	if !set {
		return doc
	}
	return append(doc, bson.E{Key: key, Value: true})
}

// setAny, setZero and setPtr merge one option field: a set src (not nil,
// not zero) replaces dst.
func setAny(dst *any, src any) {
	if src != nil {
		*dst = src
	}
}

func setZero[V comparable](dst *V, src V) {
	var zero V
	if src != zero {
		*dst = src
	}
}

func setPtr[V any](dst **V, src *V) {
	if src != nil {
		*dst = src
	}
}
