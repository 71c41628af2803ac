package unified

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/spectest"
)

// This file drives suites of unified test files with a Runner and counts
// the results per suite: the harness of TestUnified, which the simulator
// tests of the testserver module run too (RunSuites).

// Suite is a directory of unified test files to run, with the lists of
// what is not run and what fails (AllSuites gives those of TestUnified).
type Suite struct {
	// dir is the directory below the specification tests directory.
	dir string
	// notYet lists the files ("file.json") and tests ("file.json:test
	// description") not run because the driver lacks what they need, with
	// what that is. They are reported as not run; they are not skipped
	// tests, and the skip list may not name them.
	notYet map[string]string
	// expectFailure runs valid-fail: every test must fail, with an error
	// that contains the text given for its file or test.
	expectFailure map[string]string
	// knownFailures are the tests ("file.json:test description") that fail
	// because of a driver bug, with the error they fail with. They run, and
	// count as failed; a known failure that passes, or fails otherwise,
	// fails the run, so that the list stays true.
	knownFailures map[string]knownFailure
}

// knownFailure is a test that fails because of a driver bug.
type knownFailure struct {
	// bug says what the driver does wrong.
	bug string
	// says is a text of the error the test fails with.
	says string
}

// tally counts the results of a suite.
type tally struct {
	name                         string
	passed, failed, known        int
	skipReqs, skipFile, skipList int
	notYet                       int
	notYetWhy                    map[string]int
}

func (c *tally) skipped() int { return c.skipReqs + c.skipFile + c.skipList }

// RunSuites runs the suites as subtests of t against the targets, with the
// skip list skips, and logs a table of counts. When only is set, the tests
// it rejects are not run and not counted (and the files that hold them are
// left out of the check for stale skip list entries).
func RunSuites(t *testing.T, targets []*Target, suites []Suite, skips []Skip, only func(*Test) bool) {
	root := spectest.Dir(t)
	r := &Runner{Targets: targets, Skips: NewSkipList(root, skips)}
	for _, tg := range r.Targets {
		t.Logf("target %s", tg)
	}
	var tallies []*tally
	for _, s := range suites {
		c := &tally{name: s.dir, notYetWhy: map[string]int{}}
		tallies = append(tallies, c)
		t.Run(s.dir, func(t *testing.T) { runSuite(t, r, s, c, only) })
	}
	t.Log("\n" + formatTallies(tallies))
}

// report, set by MOTOR_UNIFIED_REPORT=path, receives one line per test:
// suite, file, test, outcome and reason or error, separated by tabs.
var report = func() func(fields ...string) {
	path := os.Getenv("MOTOR_UNIFIED_REPORT")
	if path == "" {
		return func(...string) {}
	}
	return func(fields ...string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return
		}
		defer f.Close()
		for i, s := range fields {
			fields[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
		}
		fmt.Fprintln(f, strings.Join(fields, "\t"))
	}
}()

// runAll, set by MOTOR_UNIFIED_ALL=1, runs the files and tests of the
// notYet lists too: to see what passes as the driver grows.
var runAll = os.Getenv("MOTOR_UNIFIED_ALL") == "1"

// UsesFailPoints reports whether the test configures a fail point (the
// failPoint or targetedFailPoint operation): a filter for RunSuites.
func UsesFailPoints(t *Test) bool { return t.uses(featureOps[FailPoints]...) }

func runSuite(t *testing.T, r *Runner, s Suite, c *tally, only func(*Test) bool) {
	if runAll {
		s.notYet = nil
	}
	var complete []string
	for _, path := range spectest.Files(t, spectest.Dir(t, filepath.FromSlash(s.dir))) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			if why, ok := s.notYet[name]; ok {
				f, err := Load(path)
				n := 1
				if err == nil {
					n = 0
					for _, test := range f.Tests {
						if only == nil || only(test) {
							n++
						}
					}
				}
				c.notYet += n
				c.notYetWhy[why] += n
				t.Skipf("not run: the driver lacks %s", why)
			}
			f, err := Load(path)
			if err != nil {
				if want, ok := s.expectFailure[name]; ok {
					checkExpectedFailure(t, c, err, want)
					return
				}
				c.failed++
				t.Fatal(err)
			}
			ran := 0
			for _, test := range f.Tests {
				if only != nil && !only(test) {
					continue
				}
				t.Run(test.Description, func(t *testing.T) {
					key := name + ":" + test.Description
					if why, ok := s.notYet[key]; ok {
						ran++
						c.notYet++
						c.notYetWhy[why]++
						t.Skipf("not run: the driver lacks %s", why)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					res := r.Run(ctx, test)
					if res.Target != nil {
						// The skip list was consulted: its entries for this
						// test are checked for use.
						ran++
					}
					detail := res.Reason
					if res.Err != nil {
						detail = res.Err.Error()
					}
					report(s.dir, name, test.Description, res.Outcome.String(), detail)
					switch res.Outcome {
					case Skipped:
						switch {
						case strings.HasPrefix(res.Reason, "skipReason"):
							c.skipFile++
						case strings.HasPrefix(res.Reason, "skip list"):
							c.skipList++
						default:
							c.skipReqs++
						}
						t.Skip(res.Reason)
					case Failed:
						if kf, ok := s.knownFailures[key]; ok {
							c.failed++
							if !strings.Contains(res.Err.Error(), kf.says) {
								t.Errorf("known failure (%s) failed otherwise than listed (%q): %v", kf.bug, kf.says, res.Err)
								return
							}
							c.known++
							t.Logf("known driver bug: %s: %v", kf.bug, res.Err)
							return
						}
						if want, ok := expectedFailure(s, name, key); ok {
							checkExpectedFailure(t, c, res.Err, want)
							return
						}
						c.failed++
						t.Errorf("on %s: %v", res.Target.Name, res.Err)
					case Passed:
						if kf, ok := s.knownFailures[key]; ok {
							c.failed++
							t.Errorf("listed as failing (%s) but passes: remove it from knownFailures", kf.bug)
							return
						}
						if _, ok := expectedFailure(s, name, key); ok {
							c.failed++
							t.Errorf("on %s: the test passed; it must fail", res.Target.Name)
							return
						}
						c.passed++
					}
				})
			}
			if ran == len(f.Tests) {
				// Every test of the file reached a target (or is not run):
				// an entry of the file the skip list never used skips
				// nothing.
				complete = append(complete, r.Skips.RelPath(f))
			}
		})
	}
	for _, s := range r.Skips.Unused(complete) {
		t.Errorf("skip list entry skips nothing: %v", s)
	}
}

// expectedFailure returns the text the failure of a valid-fail test must
// contain.
func expectedFailure(s Suite, file, key string) (string, bool) {
	if s.expectFailure == nil {
		return "", false
	}
	if w, ok := s.expectFailure[key]; ok {
		return w, true
	}
	w, ok := s.expectFailure[file]
	if !ok {
		w = "\x00no reason listed for this file"
	}
	return w, true
}

// checkExpectedFailure counts a failure that valid-fail expects as passed,
// if it failed for the reason expected.
func checkExpectedFailure(t *testing.T, c *tally, err error, want string) {
	if !strings.Contains(err.Error(), want) {
		c.failed++
		t.Errorf("failed as it must, but not for the reason expected (%q): %v", want, err)
		return
	}
	c.passed++
	t.Logf("failed as expected: %v", err)
}

func formatTallies(ts []*tally) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-45s %7s %8s %7s %8s\n", "suite", "passed", "skipped", "failed", "not run")
	var sum tally
	for _, c := range ts {
		fmt.Fprintf(&b, "%-45s %7d %8d %7d %8d\n", c.name, c.passed, c.skipped(), c.failed, c.notYet)
		sum.passed += c.passed
		sum.skipReqs += c.skipped()
		sum.failed += c.failed
		sum.known += c.known
		sum.notYet += c.notYet
	}
	fmt.Fprintf(&b, "%-45s %7d %8d %7d %8d\n", "total", sum.passed, sum.skipReqs, sum.failed, sum.notYet)
	fmt.Fprintf(&b, "\nfailed: %d of them are known driver bugs (listed in the tests)\n", sum.known)
	b.WriteString("skipped: runOnRequirements / skipReason / skip list; not run: what the driver lacks\n")
	for _, c := range ts {
		fmt.Fprintf(&b, "%s: skipped %d / %d / %d; known driver bugs %d", c.name, c.skipReqs, c.skipFile, c.skipList, c.known)
		var whys []string
		for w := range c.notYetWhy {
			whys = append(whys, w)
		}
		sort.Strings(whys)
		for _, w := range whys {
			fmt.Fprintf(&b, "; not run %d: %s", c.notYetWhy[w], w)
		}
		b.WriteString("\n")
	}
	return b.String()
}
