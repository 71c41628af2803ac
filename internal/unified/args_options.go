package unified

import (
	"fmt"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Accessors for the options that operations share, converted to the types
// of Motor's option structs. An absent option gives the zero value (nil
// for any), so the option struct's default applies.

// anyValue returns the argument as a BSON value to send as is (a comment, a
// hint), or nil when absent.
func (a *args) anyValue(key string) any {
	v := a.value(key)
	if v.Type == 0 {
		return nil
	}
	return v
}

// doc returns a document argument as bson.Raw, or nil (untyped) when
// absent: for sort, projection, let and other document options.
func (a *args) doc(key string) (any, error) {
	d, ok, err := a.document(key, false)
	if err != nil || !ok {
		return nil, err
	}
	return d, nil
}

// filter returns the required filter argument.
func (a *args) filter() (bson.Raw, error) {
	d, _, err := a.document("filter", true)
	return d, err
}

// optBool returns a boolean argument as a pointer, nil when absent.
func (a *args) optBool(key string) (*bool, error) {
	b, ok, err := a.boolean(key)
	if err != nil || !ok {
		return nil, err
	}
	return &b, nil
}

// flag returns a boolean argument, false when absent.
func (a *args) flag(key string) (bool, error) {
	b, _, err := a.boolean(key)
	return b, err
}

// millis returns an argument in milliseconds (maxTimeMS) as a duration.
func (a *args) millis(key string) (time.Duration, error) {
	n, _, err := a.integer(key, false)
	return time.Duration(n) * time.Millisecond, err
}

// int32Arg returns an integer argument that fits an int32 (batchSize).
func (a *args) int32Arg(key string) (int32, error) {
	n, _, err := a.integer(key, false)
	if err == nil && (n < -1<<31 || n > 1<<31-1) {
		err = a.wrongType(key, "a 32-bit integer", a.value(key))
	}
	return int32(n), err
}

// collation returns the collation argument, nil when absent. A collation
// field Motor's Collation does not have is an error.
func (a *args) collation() (*motor.Collation, error) {
	d, ok, err := a.document("collation", false)
	if err != nil || !ok {
		return nil, err
	}
	var c motor.Collation
	if err := bson.Unmarshal(d, &c); err != nil {
		return nil, fmt.Errorf("unified: %s: collation: %w", a.op, err)
	}
	back, err := bson.Marshal(&c)
	if err != nil {
		return nil, err
	}
	if !exactEqual(docValue(d), docValue(back)) {
		return nil, fmt.Errorf("unified: %s: collation %s has fields motor.Collation does not carry", a.op, d)
	}
	return &c, nil
}

// readConcern returns the readConcern argument, nil when absent.
func (a *args) readConcern() (*motor.ReadConcern, error) {
	d, ok, err := a.document("readConcern", false)
	if err != nil || !ok {
		return nil, err
	}
	return readConcernOf(d)
}

// writeConcern returns the writeConcern argument, nil when absent.
func (a *args) writeConcern() (*motor.WriteConcern, error) {
	d, ok, err := a.document("writeConcern", false)
	if err != nil || !ok {
		return nil, err
	}
	return writeConcernOf(d)
}

// noTimeoutMS rejects the timeoutMS argument of the Client Side Operations
// Timeout specification: Motor bounds operations with their context and
// Config.Timeout, and has no per-operation timeoutMS.
func (a *args) noTimeoutMS() error {
	if v := a.value("timeoutMS"); v.Type != 0 {
		return fmt.Errorf("unified: %s: timeoutMS: Motor has no per-operation timeoutMS", a.op)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
