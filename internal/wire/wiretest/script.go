package wiretest

import (
	"errors"
	"fmt"
	"sync"
)

// Step is one expected request of a Script and the replies to give it.
type Step struct {
	Command string  // the expected command name; "" accepts any
	Replies []Reply // what to do in answer
}

// Expect returns a Step expecting command and answering with replies.
func Expect(command string, replies ...Reply) Step {
	return Step{Command: command, Replies: replies}
}

// Script is a Handler that expects requests, on any connection, in the
// order of its steps. A request that does not match the next step, or
// comes after the last, gets no reply and its connection is closed.
type Script struct {
	mu    sync.Mutex
	steps []Step
	next  int
	errs  []error
}

// NewScript returns a script of the given steps.
func NewScript(steps ...Step) *Script {
	return &Script{steps: steps}
}

// Handle is the script's Handler.
func (s *Script) Handle(req Request) []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= len(s.steps) {
		s.errs = append(s.errs, fmt.Errorf("wiretest: unexpected %q after the script's %d steps", req.Command, len(s.steps)))
		return []Reply{{Close: true}}
	}
	step := s.steps[s.next]
	if step.Command != "" && step.Command != req.Command {
		s.errs = append(s.errs, fmt.Errorf("wiretest: step %d: got %q, want %q", s.next, req.Command, step.Command))
		return []Reply{{Close: true}}
	}
	s.next++
	return step.Replies
}

// Done reports whether every step has been reached.
func (s *Script) Done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next == len(s.steps)
}

// Err reports the requests that did not match, and the steps never reached.
func (s *Script) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := append([]error(nil), s.errs...)
	if s.next < len(s.steps) {
		errs = append(errs, fmt.Errorf("wiretest: %d of %d steps not reached, next %q",
			len(s.steps)-s.next, len(s.steps), s.steps[s.next].Command))
	}
	return errors.Join(errs...)
}
