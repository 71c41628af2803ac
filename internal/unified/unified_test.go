package unified

import "testing"

// TestUnified runs the unified test suites of the specifications against
// the test servers (or MOTOR_TEST_URI) and logs the counts per suite:
//
//	go test ./internal/unified -run 'TestUnified$' -v
//
// docs/spec-compliance.md records the counts and what each list holds.
func TestUnified(t *testing.T) {
	runSuites(t, AllSuites(t), FerretDBSkips)
}
