package unified

import (
	"fmt"
	"strings"

	"github.com/motor-go/motor/bson"
)

// eventKind returns the name and body of an expected event.
func eventKind(exp bson.Raw) (string, bson.Raw) {
	for k, v := range exp.Elements() {
		return k, v.Document()
	}
	return "", nil
}

// matchEvent checks an observed event against an expected one.
func (m *matcher) matchEvent(path string, exp bson.Raw, e *observedEvent) error {
	kind, body := eventKind(exp)
	if e.kind != kind {
		return mismatch(path, "expected a %s, got %s", kind, describeEvent(e))
	}
	for k, v := range body.Elements() {
		p := path + "." + k
		var err error
		switch k {
		case "command":
			err = m.match(p, v, docValue(e.command), true)
		case "reply":
			err = m.match(p, v, docValue(e.reply), true)
		case "commandName":
			err = expectString(p, v, e.commandName)
		case "databaseName":
			err = expectString(p, v, e.databaseName)
		case "reason":
			err = expectString(p, v, e.reason)
		case "hasServiceId":
			err = expectBool(p, v, e.serviceID != nil && !e.serviceID.IsZero())
		case "hasServerConnectionId":
			err = expectBool(p, v, e.serverConnectionID > 0)
		case "interruptInUseConnections":
			err = expectBool(p, v, e.interruptInUse)
		case "awaited":
			err = expectBool(p, v, e.awaited)
		case "previousDescription", "newDescription":
			got := e.previousType
			if k == "newDescription" {
				got = e.newType
			}
			for dk, dv := range v.Document().Elements() {
				if dk != "type" {
					return fmt.Errorf("unified: %s: unsupported description field %q", p, dk)
				}
				err = expectString(p+".type", dv, got)
			}
		default:
			return fmt.Errorf("unified: %s: unsupported event field %q", p, k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func expectString(p string, want bson.RawValue, got string) error {
	if w := want.StringValue(); w != got {
		return mismatch(p, "expected %q, got %q", w, got)
	}
	return nil
}

func expectBool(p string, want bson.RawValue, got bool) error {
	if w := want.Boolean(); w != got {
		return mismatch(p, "expected %v, got %v", w, got)
	}
	return nil
}

// describeEvent names an event for messages.
func describeEvent(e *observedEvent) string {
	switch e.category() {
	case "command":
		return e.kind + "(" + e.commandName + ")"
	}
	if e.newType != "" {
		return e.kind + "(" + e.previousType + "->" + e.newType + ")"
	}
	if e.reason != "" {
		return e.kind + "(" + e.reason + ")"
	}
	return e.kind
}

func describeEvents(evs []*observedEvent) string {
	var b strings.Builder
	for i, e := range evs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(describeEvent(e))
	}
	return "[" + b.String() + "]"
}

// eventsOf returns the events of a category.
func eventsOf(evs []*observedEvent, category string) []*observedEvent {
	var out []*observedEvent
	for _, e := range evs {
		if e.category() == category {
			out = append(out, e)
		}
	}
	return out
}

// checkEvents evaluates the test's expectEvents.
func (tr *testRun) checkEvents() error {
	for i, ee := range tr.test.expectEvents {
		c, err := entityAs[*clientEntity](tr.entities, ee.Lookup("client").StringValue(), "client")
		if err != nil {
			return fmt.Errorf("expectEvents[%d]: %w", i, err)
		}
		category := "command"
		if s, ok := ee.Lookup("eventType").StringValueOK(); ok {
			category = s
		}
		ignoreExtra := ee.Lookup("ignoreExtraEvents").Boolean()
		all, _ := c.log.snapshot()
		got := eventsOf(all, category)
		want := docs(ee.Lookup("events"))
		if len(got) < len(want) || !ignoreExtra && len(got) != len(want) {
			return &ExpectationError{Msg: fmt.Sprintf("expectEvents[%d]: client %q: %d %s event(s) observed, want %d: %s",
				i, c.id, len(got), category, len(want), describeEvents(got))}
		}
		for j, w := range want {
			if err := tr.m.matchEvent(fmt.Sprintf("$expectEvents[%d].events[%d]", i, j), w, got[j]); err != nil {
				return fmt.Errorf("%w (observed: %s)", err, describeEvents(got))
			}
		}
	}
	return nil
}

// countMatching returns how many events match exp (for waitForEvent and
// assertEventCount), and an error for an expectation the runner cannot
// evaluate.
func (m *matcher) countMatching(evs []*observedEvent, exp bson.Raw) (int, error) {
	n := 0
	for _, e := range evs {
		err := m.matchEvent("$event", exp, e)
		if err == nil {
			n++
		} else if !isFailure(err) {
			return 0, err
		}
	}
	return n, nil
}
