package unified

import (
	"errors"
	"fmt"
	"strings"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// serverError returns the server's error that err carries, if any: a reply
// with ok: 0.
func serverError(err error) (*motor.ServerError, bool) {
	var se *motor.ServerError
	if errors.As(err, &se) {
		return se, true
	}
	return nil, false
}

// isClientError reports whether err originates in the client rather than in
// a server's reply: a validation error, a network error, a timeout.
func isClientError(err error) bool {
	_, fromServer := serverError(err)
	return !fromServer
}

// checkError evaluates an expectedError against the operation's error.
func (tr *testRun) checkError(ee bson.Raw, res opResult) error {
	err := res.err
	fail := func(format string, args ...any) error {
		return &ExpectationError{Msg: "expectError: " + fmt.Sprintf(format, args...), Err: err}
	}
	se, fromServer := serverError(err)
	for k, v := range ee.Elements() {
		switch k {
		case "isError":
			// An error was raised: checked by the caller.
		case "isClientError":
			if want := v.Boolean(); isClientError(err) != want {
				return fail("isClientError is %v, want %v", !want, want)
			}
		case "isTimeoutError":
			if want := v.Boolean(); motor.IsTimeout(err) != want {
				return fail("isTimeoutError is %v, want %v", !want, want)
			}
		case "errorContains":
			if s := v.StringValue(); !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(s)) {
				return fail("the message does not contain %q", s)
			}
		case "errorCode":
			want, _ := v.AsInt64OK()
			if !fromServer {
				return fail("want the server's error code %d, the error is not the server's", want)
			}
			if int64(se.Code) != want {
				return fail("code %d, want %d", se.Code, want)
			}
		case "errorCodeName":
			if !fromServer {
				return fail("want the server's code name %s, the error is not the server's", v.StringValue())
			}
			if !strings.EqualFold(se.CodeName, v.StringValue()) {
				return fail("code name %q, want %q", se.CodeName, v.StringValue())
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
			if !fromServer {
				return fail("want a server response, the error is not the server's")
			}
			if merr := tr.m.match("$errorResponse", v, docValue(se.Raw), true); merr != nil {
				return merr
			}
		case "expectResult":
			// A result reported with the error, as the partial result of a
			// bulk write; res.value is absent when the error carries none.
			if merr := tr.m.match("$expectError.expectResult", v, res.value, true); merr != nil {
				return merr
			}
		case "writeErrors", "writeConcernErrors":
			return fmt.Errorf("unified: expectError.%s: the client-level bulk write is not implemented yet", k)
		default:
			return fmt.Errorf("unified: expectError: unsupported assertion %q", k)
		}
	}
	return nil
}
