package unified

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
)

// entityMap holds a test's entities by name. It is safe for concurrent use
// by the test's threads.
type entityMap struct {
	mu    sync.Mutex
	m     map[string]any
	order []string
}

func newEntityMap() *entityMap { return &entityMap{m: map[string]any{}} }

// add stores v as name; a name already in use is an error.
func (em *entityMap) add(name string, v any) error {
	em.mu.Lock()
	defer em.mu.Unlock()
	if _, ok := em.m[name]; ok {
		return fmt.Errorf("unified: entity %q already exists", name)
	}
	em.m[name] = v
	em.order = append(em.order, name)
	return nil
}

// get returns the entity name, or an error if there is none.
func (em *entityMap) get(name string) (any, error) {
	em.mu.Lock()
	defer em.mu.Unlock()
	v, ok := em.m[name]
	if !ok {
		return nil, fmt.Errorf("unified: entity %q is not defined", name)
	}
	return v, nil
}

// all returns the entities in the order they were added.
func (em *entityMap) all() []any {
	em.mu.Lock()
	defer em.mu.Unlock()
	out := make([]any, 0, len(em.order))
	for _, n := range em.order {
		out = append(out, em.m[n])
	}
	return out
}

// entityAs returns the entity name, which must be of type T (kind names the
// type in the error).
func entityAs[T any](em *entityMap, name, kind string) (T, error) {
	var zero T
	v, err := em.get(name)
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("unified: entity %q is a %s, not a %s", name, kindOf(v), kind)
	}
	return t, nil
}

// kindOf names the type of an entity.
func kindOf(v any) string {
	switch v.(type) {
	case *clientEntity:
		return "client"
	case *databaseEntity:
		return "database"
	case *collectionEntity:
		return "collection"
	case *threadEntity:
		return "thread"
	case *topologyEntity:
		return "topology description"
	case *docList:
		return "BSON array"
	case *counter:
		return "BSON number"
	case bson.RawValue:
		return "BSON value"
	}
	if k, ok := v.(interface{ kind() string }); ok {
		return k.kind()
	}
	return fmt.Sprintf("%T", v)
}

// bsonValue implements entityValues: the BSON value of an entity that is
// one (a saved result, an event or error list, a count).
func (em *entityMap) bsonValue(name string) (bson.RawValue, error) {
	v, err := em.get(name)
	if err != nil {
		return absent, err
	}
	switch e := v.(type) {
	case bson.RawValue:
		return e, nil
	case *docList:
		return e.value(), nil
	case *counter:
		return e.value(), nil
	}
	return absent, fmt.Errorf("unified: entity %q is a %s, not a BSON value", name, kindOf(v))
}

// sessionLsid implements entityValues: the lsid of a session entity.
func (em *entityMap) sessionLsid(name string) (bson.Raw, error) {
	v, err := em.get(name)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(*sessionEntity); ok {
		return s.lsid, nil
	}
	return nil, fmt.Errorf("unified: entity %q is a %s, not a session", name, kindOf(v))
}

// databaseEntity is a database of a client entity.
type databaseEntity struct {
	client *clientEntity
	db     *motor.Database
}

// collectionEntity is a collection of a database entity, untyped: its
// documents are bson.Raw.
type collectionEntity struct {
	db   *databaseEntity
	coll *motor.Collection[bson.Raw]
}

// topologyEntity is a TopologyDescription saved by
// recordTopologyDescription.
type topologyEntity struct {
	desc event.TopologyDescription
}

// docList is a growing BSON array entity: the events of
// storeEventsAsEntities, or the errors and failures a loop stores.
type docList struct {
	mu   sync.Mutex
	docs []bson.Raw
}

func (l *docList) append(d bson.Raw) {
	l.mu.Lock()
	l.docs = append(l.docs, d)
	l.mu.Unlock()
}

func (l *docList) value() bson.RawValue {
	l.mu.Lock()
	defer l.mu.Unlock()
	return arrayValue(l.docs)
}

// counter is a number entity that a loop updates.
type counter struct {
	mu sync.Mutex
	n  int64
}

func (c *counter) add(n int64) {
	c.mu.Lock()
	c.n += n
	c.mu.Unlock()
}

func (c *counter) value() bson.RawValue {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64Value(c.n)
}

// arrayValue encodes documents as a BSON array value.
func arrayValue(docs []bson.Raw) bson.RawValue {
	b := make([]byte, 4, 5+len(docs)*16)
	for i, d := range docs {
		b = append(b, byte(bson.TypeDocument))
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, 0)
		b = append(b, d...)
	}
	b = append(b, 0)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return bson.RawValue{Type: bson.TypeArray, Value: b}
}

// int64Value encodes n as a BSON int64 value.
func int64Value(n int64) bson.RawValue {
	return bson.RawValue{Type: bson.TypeInt64, Value: binary.LittleEndian.AppendUint64(nil, uint64(n))}
}
