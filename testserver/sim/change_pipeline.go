package sim

import (
	"bytes"
	"errors"
	"strings"

	"github.com/motor-go/motor/bson"
)

// The stages after $changeStream that the specification tests use — $match
// on field values with $eq, $ne, $in, $nin and $exists, and $project with
// inclusions, exclusions, field paths ("$ns.db") and literals — are
// evaluated by the simulator, as FerretDB's $project knows neither field
// paths nor computed fields. Any other stage or operator is sent to the
// backend (see applyPipeline).

// errLocalPipeline reports a stage the simulator does not evaluate.
var errLocalPipeline = errors.New("sim: stage not evaluated locally")

// localPipeline runs stages on doc; nil means the event is filtered out.
func localPipeline(stages bson.A, doc bson.Raw) (bson.Raw, error) {
	for _, st := range stages {
		rv, ok := st.(bson.RawValue)
		if !ok {
			return nil, errLocalPipeline
		}
		sd, ok := rv.DocumentOK()
		if !ok {
			return nil, errLocalPipeline
		}
		var name string
		var spec bson.RawValue
		n := 0
		for k, v := range sd.Elements() {
			name, spec = k, v
			n++
		}
		specDoc, ok := spec.DocumentOK()
		if n != 1 || !ok {
			return nil, errLocalPipeline
		}
		switch name {
		case "$match":
			m, err := matches(doc, specDoc)
			if err != nil || !m {
				return nil, err
			}
		case "$project":
			out, err := project(doc, doc, specDoc)
			if err != nil {
				return nil, err
			}
			b, err := bson.Marshal(out)
			if err != nil {
				return nil, err
			}
			doc = b
		default:
			return nil, errLocalPipeline
		}
	}
	return doc, nil
}

// lookupPath returns the value at a dotted path of doc.
func lookupPath(doc bson.Raw, path string) bson.RawValue {
	return doc.Lookup(strings.Split(path, ".")...)
}

// sameValue compares two values, numbers by value.
func sameValue(a, b bson.RawValue) bool {
	if x, ok := a.AsFloat64OK(); ok {
		y, ok := b.AsFloat64OK()
		return ok && x == y
	}
	return a.Type == b.Type && bytes.Equal(a.Value, b.Value)
}

// matches evaluates a $match filter.
func matches(doc, filter bson.Raw) (bool, error) {
	for path, cond := range filter.Elements() {
		if strings.HasPrefix(path, "$") {
			return false, errLocalPipeline
		}
		v := lookupPath(doc, path)
		ops, isDoc := cond.DocumentOK()
		opDoc := false
		if isDoc {
			for k := range ops.Elements() {
				opDoc = strings.HasPrefix(k, "$")
				break
			}
		}
		if !opDoc {
			if v.Type == 0 || !sameValue(v, cond) {
				return false, nil
			}
			continue
		}
		for op, arg := range ops.Elements() {
			var ok bool
			switch op {
			case "$eq":
				ok = v.Type != 0 && sameValue(v, arg)
			case "$ne":
				ok = v.Type == 0 || !sameValue(v, arg)
			case "$in", "$nin":
				arr, isArr := arg.ArrayOK()
				if !isArr {
					return false, errLocalPipeline
				}
				for _, e := range arr.Values() {
					ok = ok || (v.Type != 0 && sameValue(v, e))
				}
				if op == "$nin" {
					ok = !ok
				}
			case "$exists":
				want, isBool := arg.BooleanOK()
				if !isBool {
					return false, errLocalPipeline
				}
				ok = (v.Type != 0) == want
			default:
				return false, errLocalPipeline
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

// flag reports whether a projection value is an inclusion (true) or an
// exclusion (false), or neither.
func flag(v bson.RawValue) (include, ok bool) {
	if b, isBool := v.BooleanOK(); isBool {
		return b, true
	}
	if f, isNum := v.AsFloat64OK(); isNum {
		return f != 0, true
	}
	return false, false
}

// project evaluates a $project spec on cur (a document of root, the event);
// field paths in it are relative to root.
func project(root, cur, spec bson.Raw) (bson.D, error) {
	exclusion := true
	for k, v := range spec.Elements() {
		if inc, ok := flag(v); !ok || inc {
			exclusion = false
		}
		_ = k
	}
	if exclusion {
		out := bson.D{}
		for k, v := range cur.Elements() {
			if spec.Lookup(k).Type == 0 {
				out = append(out, bson.E{Key: k, Value: v})
			}
		}
		return out, nil
	}
	out := bson.D{}
	if id := spec.Lookup("_id"); id.Type == 0 && cur.Lookup("_id").Type != 0 {
		out = append(out, bson.E{Key: "_id", Value: cur.Lookup("_id")})
	}
	for k, v := range spec.Elements() {
		if inc, ok := flag(v); ok {
			if !inc {
				if k != "_id" {
					return nil, errLocalPipeline // mixed inclusion and exclusion
				}
				continue
			}
			if x := lookupPath(cur, k); x.Type != 0 {
				setPath(&out, strings.Split(k, "."), x)
			}
			continue
		}
		val, err := projectValue(root, cur, k, v)
		if err != nil {
			return nil, err
		}
		if val != nil {
			setPath(&out, strings.Split(k, "."), val)
		}
	}
	return out, nil
}

// projectValue evaluates the value of a computed field: a field path, a
// nested projection or a literal; nil leaves the field out.
func projectValue(root, cur bson.Raw, k string, v bson.RawValue) (any, error) {
	if s, ok := v.StringValueOK(); ok && strings.HasPrefix(s, "$") {
		if strings.HasPrefix(s, "$$") {
			return nil, errLocalPipeline
		}
		x := lookupPath(root, s[1:])
		if x.Type == 0 {
			return nil, nil
		}
		return x, nil
	}
	d, ok := v.DocumentOK()
	if !ok {
		return v, nil
	}
	for f := range d.Elements() {
		if strings.HasPrefix(f, "$") {
			return nil, errLocalPipeline // an expression operator
		}
	}
	sub, _ := lookupPath(cur, k).DocumentOK()
	return project(root, sub, d)
}

// setPath sets the field at path of out to v, creating the embedded
// documents on the way.
func setPath(out *bson.D, path []string, v any) {
	for i := range *out {
		if (*out)[i].Key != path[0] {
			continue
		}
		if len(path) == 1 {
			(*out)[i].Value = v
			return
		}
		if sub, ok := (*out)[i].Value.(bson.D); ok {
			setPath(&sub, path[1:], v)
			(*out)[i].Value = sub
			return
		}
		sub := bson.D{}
		setPath(&sub, path[1:], v)
		(*out)[i].Value = sub
		return
	}
	if len(path) == 1 {
		*out = append(*out, bson.E{Key: path[0], Value: v})
		return
	}
	sub := bson.D{}
	setPath(&sub, path[1:], v)
	*out = append(*out, bson.E{Key: path[0], Value: sub})
}
