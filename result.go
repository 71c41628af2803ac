package motor

import "github.com/motor-go/motor/bson"

// SingleResult is the outcome of an operation that returns one document,
// such as RunCommand. Its error, if any, is reported by every method, so a
// call can be chained: db.RunCommand(ctx, cmd).Decode(&out).
type SingleResult struct {
	raw bson.Raw
	err error
	reg *bson.Registry
}

// Err returns the operation's error, or nil.
func (r *SingleResult) Err() error { return r.err }

// Raw returns the document as it came from the server. The bytes belong to
// the result and stay valid.
func (r *SingleResult) Raw() (bson.Raw, error) {
	if r.err != nil {
		return nil, r.err
	}
	return r.raw, nil
}

// Decode unmarshals the document into v, a pointer to a struct, a map, a
// bson.D or any other type bson.Unmarshal accepts.
func (r *SingleResult) Decode(v any) error {
	if r.err != nil {
		return r.err
	}
	return bson.UnmarshalOptions{Registry: r.reg}.Unmarshal(r.raw, v)
}
