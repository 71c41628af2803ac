package motor

import (
	"context"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// Collation is a collation: language-specific rules for comparing strings.
// The zero value of each field leaves it to the server.
type Collation struct {
	Locale          string `bson:"locale"`
	CaseLevel       bool   `bson:"caseLevel,omitempty"`
	CaseFirst       string `bson:"caseFirst,omitempty"`
	Strength        int    `bson:"strength,omitempty"`
	NumericOrdering bool   `bson:"numericOrdering,omitempty"`
	Alternate       string `bson:"alternate,omitempty"`
	MaxVariable     string `bson:"maxVariable,omitempty"`
	Normalization   bool   `bson:"normalization,omitempty"`
	Backwards       bool   `bson:"backwards,omitempty"`
}

// writeConcernDoc returns the writeConcern argument for wc, or nil when wc
// leaves everything to the server.
func writeConcernDoc(wc *WriteConcern) bson.D {
	if wc == nil {
		return nil
	}
	var d bson.D
	if n, ok := wc.W.Nodes(); ok {
		d = append(d, bson.E{Key: "w", Value: int32(n)})
	} else if tag, ok := wc.W.Tag(); ok {
		d = append(d, bson.E{Key: "w", Value: tag})
	}
	if wc.Journal != nil {
		d = append(d, bson.E{Key: "j", Value: *wc.Journal})
	}
	if wc.WTimeout > 0 {
		d = append(d, bson.E{Key: "wtimeout", Value: int64(wc.WTimeout / time.Millisecond)})
	}
	return d
}

// acknowledged reports whether writes with wc get a reply (w is not 0).
func acknowledged(wc *WriteConcern) bool { return wc == nil || !wc.W.isUnacknowledged() }

// writeReadConcern is the read concern of the write commands that take
// one, which is empty: they send readConcern only in a causally consistent
// session (afterClusterTime) or a snapshot session.
var writeReadConcern = &op.ReadConcern{}

// marshal encodes a document with the collection's registry.
func (c *Collection[T]) marshal(v any) ([]byte, error) {
	return bson.MarshalOptions{Registry: c.registry}.Marshal(v)
}

// run runs a command of the collection's database.
func (c *Collection[T]) run(ctx context.Context, cmd *op.Command) (op.Result, error) {
	cmd.DB = c.db.name
	return c.db.client.exec.Run(ctx, cmd)
}
