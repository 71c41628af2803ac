package unified

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// errorFacts is what an operation's error says the server answered.
type errorFacts struct {
	// fromServer says the error derives from a server's reply.
	fromServer bool
	// codes and codeNames are the server's error codes and code names: of
	// a command error, or of the write errors and write concern errors of
	// a write exception.
	codes     []int32
	codeNames []string
	// response is the server's reply, when the error has one.
	response bson.Raw
	// message is the text errorContains searches.
	message string
	// clientBulk is the exception of a client bulk write, whose write
	// errors and write concern errors only writeErrors and
	// writeConcernErrors assert.
	clientBulk *motor.ClientBulkWriteException
}

// factsOf gathers the facts of err.
func factsOf(err error) errorFacts {
	f := errorFacts{message: err.Error()}
	var cbe *motor.ClientBulkWriteException
	if errors.As(err, &cbe) {
		// Only the top-level error counts for the other assertions.
		f = errorFacts{clientBulk: cbe}
		if cbe.Err != nil {
			inner := factsOf(cbe.Err)
			inner.clientBulk = cbe
			f = inner
		}
		f.fromServer = f.fromServer || len(cbe.WriteErrors) > 0 || len(cbe.WriteConcernErrors) > 0
		return f
	}
	addWCE := func(w motor.WriteConcernError) {
		f.codes = append(f.codes, w.Code)
		f.codeNames = append(f.codeNames, w.CodeName)
	}
	var we *motor.WriteException
	var bwe *motor.BulkWriteException
	switch {
	case errors.As(err, &we):
		f.fromServer, f.response = true, we.Raw
		for _, w := range we.WriteErrors {
			f.codes = append(f.codes, w.Code)
		}
		if we.WriteConcernError != nil {
			addWCE(*we.WriteConcernError)
		}
	case errors.As(err, &bwe):
		for _, w := range bwe.WriteErrors {
			f.codes = append(f.codes, w.Code)
		}
		for _, w := range bwe.WriteConcernErrors {
			addWCE(w)
		}
		f.fromServer = len(f.codes) > 0
		if bwe.Err != nil {
			inner := factsOf(bwe.Err)
			f.fromServer = f.fromServer || inner.fromServer
			f.codes = append(f.codes, inner.codes...)
			f.codeNames = append(f.codeNames, inner.codeNames...)
			f.response = inner.response
		}
	}
	var se *motor.ServerError
	if errors.As(err, &se) {
		f.fromServer = true
		f.codes = append(f.codes, se.Code)
		f.codeNames = append(f.codeNames, se.CodeName)
		if f.response == nil {
			f.response = se.Raw
		}
	}
	return f
}

// checkError evaluates an expectedError against the operation's error.
func (tr *testRun) checkError(ee bson.Raw, res opResult) error {
	err := res.err
	fail := func(format string, args ...any) error {
		return &ExpectationError{Msg: "expectError: " + fmt.Sprintf(format, args...), Err: err}
	}
	f := factsOf(err)
	for k, v := range ee.Elements() {
		switch k {
		case "isError":
			// An error was raised: checked by the caller.
		case "isClientError":
			if want := v.Boolean(); f.fromServer == want {
				return fail("isClientError is %v, want %v", !f.fromServer, want)
			}
		case "isTimeoutError":
			if want := v.Boolean(); motor.IsTimeout(err) != want {
				return fail("isTimeoutError is %v, want %v", !want, want)
			}
		case "errorContains":
			if s := v.StringValue(); !strings.Contains(strings.ToLower(f.message), strings.ToLower(s)) {
				return fail("the message does not contain %q", s)
			}
		case "errorCode":
			want, _ := v.AsInt64OK()
			if !slices.Contains(f.codes, int32(want)) {
				return fail("no server error code %d (codes: %v)", want, f.codes)
			}
		case "errorCodeName":
			if !slices.ContainsFunc(f.codeNames, func(n string) bool { return strings.EqualFold(n, v.StringValue()) }) {
				return fail("no server code name %q (code names: %q)", v.StringValue(), f.codeNames)
			}
		case "errorLabelsContain":
			for _, l := range v.Array().Values() {
				if !motor.HasErrorLabel(err, l.StringValue()) {
					return fail("no error label %q", l.StringValue())
				}
			}
		case "errorLabelsOmit":
			for _, l := range v.Array().Values() {
				if motor.HasErrorLabel(err, l.StringValue()) {
					return fail("unexpected error label %q", l.StringValue())
				}
			}
		case "errorResponse":
			if f.response == nil {
				return fail("want a server response, the error carries none")
			}
			if merr := tr.m.match("$errorResponse", v, docValue(f.response), true); merr != nil {
				return merr
			}
		case "expectResult":
			// The result reported with the error (the partial result of a
			// bulk write); absent when the error carries none.
			if merr := tr.m.match("$expectError.expectResult", v, res.value, true); merr != nil {
				return merr
			}
		case "writeErrors":
			if err := tr.checkWriteErrors(f.clientBulk, v.Document()); err != nil {
				return err
			}
		case "writeConcernErrors":
			if err := tr.checkWriteConcernErrors(f.clientBulk, v.Array()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unified: expectError: unsupported assertion %q", k)
		}
	}
	return nil
}

func writeErrorDoc(w motor.WriteError) bson.D {
	d := bson.D{{Key: "code", Value: w.Code}, {Key: "message", Value: w.Message}}
	if w.Details != nil {
		d = append(d, bson.E{Key: "details", Value: w.Details})
	}
	return d
}

// checkWriteErrors asserts the write errors of a client bulk write: one for
// each index expected, none other, each matched as a root-level document.
func (tr *testRun) checkWriteErrors(cbe *motor.ClientBulkWriteException, want bson.Raw) error {
	if cbe == nil {
		return &ExpectationError{Msg: "expectError.writeErrors: the error is not a client bulk write exception"}
	}
	n := 0
	for k, v := range want.Elements() {
		n++
		i, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("unified: expectError.writeErrors: key %q is not an index", k)
		}
		w, ok := cbe.WriteErrors[i]
		if !ok {
			return &ExpectationError{Msg: fmt.Sprintf("expectError.writeErrors: no write error at index %d", i), Err: cbe}
		}
		got, err := resultDoc(writeErrorDoc(w))
		if err != nil {
			return err
		}
		if err := tr.m.match("$writeErrors."+k, v, got, true); err != nil {
			return err
		}
	}
	if n != len(cbe.WriteErrors) {
		return &ExpectationError{Msg: fmt.Sprintf("expectError.writeErrors: %d write error(s), want %d", len(cbe.WriteErrors), n), Err: cbe}
	}
	return nil
}

// checkWriteConcernErrors asserts the write concern errors of a client bulk
// write, in order, each matched as a root-level document.
func (tr *testRun) checkWriteConcernErrors(cbe *motor.ClientBulkWriteException, want bson.RawArray) error {
	if cbe == nil {
		return &ExpectationError{Msg: "expectError.writeConcernErrors: the error is not a client bulk write exception"}
	}
	if want.Len() != len(cbe.WriteConcernErrors) {
		return &ExpectationError{Msg: fmt.Sprintf("expectError.writeConcernErrors: %d error(s), want %d", len(cbe.WriteConcernErrors), want.Len()), Err: cbe}
	}
	for i, v := range want.Values() {
		w := cbe.WriteConcernErrors[i]
		d := bson.D{{Key: "code", Value: w.Code}, {Key: "codeName", Value: w.CodeName}, {Key: "message", Value: w.Message}}
		if w.Details != nil {
			d = append(d, bson.E{Key: "details", Value: w.Details})
		}
		got, err := resultDoc(d)
		if err != nil {
			return err
		}
		if err := tr.m.match(fmt.Sprintf("$writeConcernErrors[%d]", i), v, got, true); err != nil {
			return err
		}
	}
	return nil
}
