package sim

import (
	"regexp"
	"strconv"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// The specification tests keep a connection busy with a find filter or an
// update query that is the JavaScript expression {$where: "sleep(N) ||
// true"}: the server sleeps N milliseconds per document and matches every
// one. FerretDB has no $where, so the simulator plays that one expression
// itself: it waits N milliseconds (cut short when the client closes the
// connection, as a server's operation is when its connection goes) and
// forwards the command with an empty filter instead. Any other $where
// reaches FerretDB, which refuses it.
var whereSleep = regexp.MustCompile(`^sleep\(([0-9]{1,6})\) \|\| true$`)

// maxWhereSleep bounds the emulated sleep.
const maxWhereSleep = time.Minute

// emulateWhereSleep applies a sleeping $where of a find's filter, or of the
// query of an update's single statement, to req: it waits, then replaces
// the filter by {}. It returns errConnClosed if the connection closed
// during the wait.
func (cn *conn) emulateWhereSleep(req *request) error {
	var d time.Duration
	switch req.name {
	case "find":
		filter, _ := req.msg.Body.Lookup("filter").DocumentOK()
		var ok bool
		if d, ok = sleepOf(filter); !ok {
			return nil
		}
		body, err := replaceField(req.msg.Body, "filter", bson.D{})
		if err != nil {
			return err
		}
		req.msg.Body = body
	case "update":
		if len(req.msg.Sequences) != 1 || req.msg.Sequences[0].Identifier != "updates" {
			return nil
		}
		var stmt bson.Raw
		n := 0
		for doc := range req.msg.Sequences[0].Documents() {
			stmt, n = doc, n+1
		}
		q, _ := stmt.Lookup("q").DocumentOK()
		var ok bool
		if d, ok = sleepOf(q); !ok || n != 1 {
			return nil
		}
		doc, err := replaceField(stmt, "q", bson.D{})
		if err != nil {
			return err
		}
		req.msg.Sequences = []wire.Sequence{{Identifier: "updates", Docs: doc}}
	default:
		return nil
	}
	if !cn.sleep(d) {
		return errConnClosed
	}
	return nil
}

// sleepOf returns the sleep of a filter that is only a sleeping $where.
func sleepOf(filter bson.Raw) (time.Duration, bool) {
	var expr string
	n := 0
	for k, v := range filter.Elements() {
		n++
		if k == "$where" {
			expr, _ = v.StringValueOK()
		}
	}
	m := whereSleep.FindStringSubmatch(expr)
	if n != 1 || m == nil {
		return 0, false
	}
	ms, _ := strconv.Atoi(m[1])
	return min(time.Duration(ms)*time.Millisecond, maxWhereSleep), true
}

// replaceField returns a copy of doc with the value of key replaced by v.
func replaceField(doc bson.Raw, key string, v any) (bson.Raw, error) {
	var d bson.D
	for k, old := range doc.Elements() {
		if k == key {
			d = append(d, bson.E{Key: k, Value: v})
			continue
		}
		d = append(d, bson.E{Key: k, Value: old})
	}
	return bson.Marshal(d)
}
