package sim

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/motor-go/motor/bson"
)

// An update event's updateDescription is the difference between the
// documents before and after the update, as mongod's oplog delta gives it:
// fields set (updatedFields), fields removed (removedFields) and arrays
// shortened (truncatedArrays), by dotted path. An update with operators on
// top-level fields only replaces those fields whole; one with dotted paths
// or a pipeline changes embedded documents and arrays in place, so the
// difference goes down into them. With showExpandedEvents the event also
// has disambiguatedPaths: each path with a numeric component, as the list
// of its components, array indexes as integers.

// deepUpdate reports whether the update u (an operator document or a
// pipeline) changes embedded fields in place.
func deepUpdate(u bson.RawValue) bool {
	if u.Type == bson.TypeArray {
		return true
	}
	d, ok := u.DocumentOK()
	if !ok {
		return false
	}
	for k, v := range d.Elements() {
		if !strings.HasPrefix(k, "$") {
			return false // a replacement
		}
		if ops, ok := v.DocumentOK(); ok {
			for f := range ops.Elements() {
				if strings.Contains(f, ".") {
					return true
				}
			}
		}
	}
	return false
}

// pathPart is one component of a path: a field name or an array index.
type pathPart struct {
	name  string
	index int
	isIdx bool
}

// updateDiff accumulates a difference.
type updateDiff struct {
	updated   bson.D
	removed   bson.A
	truncated bson.A
	disamb    bson.D
}

// updateDescription returns the updateDescription of an update from pre
// to post, and its disambiguatedPaths.
func updateDescription(pre, post bson.Raw, deep bool) (bson.D, bson.D) {
	diff := &updateDiff{updated: bson.D{}, removed: bson.A{}, truncated: bson.A{}, disamb: bson.D{}}
	diff.docs(nil, pre, post, deep)
	return bson.D{{Key: "updatedFields", Value: diff.updated}, {Key: "removedFields", Value: diff.removed},
		{Key: "truncatedArrays", Value: diff.truncated}}, diff.disamb
}

// key returns the dotted path of parts, noting it in disambiguatedPaths
// when a component is numeric.
func (u *updateDiff) key(parts []pathPart) string {
	names := make([]string, len(parts))
	ambiguous := false
	comps := make(bson.A, len(parts))
	for i, p := range parts {
		if p.isIdx {
			names[i], comps[i], ambiguous = strconv.Itoa(p.index), int32(p.index), true
			continue
		}
		names[i], comps[i] = p.name, p.name
		if _, err := strconv.Atoi(p.name); err == nil {
			ambiguous = true
		}
	}
	k := strings.Join(names, ".")
	if ambiguous {
		u.disamb = append(u.disamb, bson.E{Key: k, Value: comps})
	}
	return k
}

// with returns parts and p, in a new slice.
func with(parts []pathPart, p pathPart) []pathPart {
	return append(parts[:len(parts):len(parts)], p)
}

// docs diffs two documents at path.
func (u *updateDiff) docs(path []pathPart, pre, post bson.Raw, deep bool) {
	old := map[string]bson.RawValue{}
	for k, v := range pre.Elements() {
		old[k] = v
	}
	for k, v := range post.Elements() {
		o, ok := old[k]
		delete(old, k)
		if ok && o.Type == v.Type && bytes.Equal(o.Value, v.Value) {
			continue
		}
		u.value(with(path, pathPart{name: k}), o, v, ok, deep)
	}
	for k := range pre.Elements() {
		if _, ok := old[k]; ok {
			u.removed = append(u.removed, u.key(with(path, pathPart{name: k})))
		}
	}
}

// value diffs a changed value at path: it goes down into two documents or
// two arrays of a deep update, and is set whole otherwise.
func (u *updateDiff) value(path []pathPart, o, v bson.RawValue, existed, deep bool) {
	switch {
	case deep && existed && o.Type == bson.TypeDocument && v.Type == bson.TypeDocument:
		u.docs(path, o.Document(), v.Document(), deep)
	case deep && existed && o.Type == bson.TypeArray && v.Type == bson.TypeArray:
		u.arrays(path, o.Array(), v.Array(), deep)
	default:
		u.updated = append(u.updated, bson.E{Key: u.key(path), Value: v})
	}
}

// arrays diffs two arrays at path, element by element.
func (u *updateDiff) arrays(path []pathPart, pre, post bson.RawArray, deep bool) {
	var olds, news []bson.RawValue
	for _, v := range pre.Values() {
		olds = append(olds, v)
	}
	for _, v := range post.Values() {
		news = append(news, v)
	}
	if len(news) < len(olds) {
		u.truncated = append(u.truncated, bson.D{{Key: "field", Value: u.key(path)}, {Key: "newSize", Value: int32(len(news))}})
	}
	for i, v := range news {
		p := with(path, pathPart{index: i, isIdx: true})
		if i >= len(olds) {
			u.updated = append(u.updated, bson.E{Key: u.key(p), Value: v})
			continue
		}
		if o := olds[i]; o.Type != v.Type || !bytes.Equal(o.Value, v.Value) {
			u.value(p, o, v, true, deep)
		}
	}
}
