package unified

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/motor-go/motor/bson"
)

// Feature is what a skipped test needs that the test server lacks.
type Feature string

// The features of skip list entries. For the first three the runner checks
// that every test an entry covers uses the feature (its operations include
// the operations named), so that an entry cannot hide a test that should
// run.
const (
	// FailPoints: the failPoint or targetedFailPoint operation, which
	// needs the server's configureFailPoint command.
	FailPoints Feature = "failCommand"
	// Transactions: the startTransaction or withTransaction operation.
	Transactions Feature = "transactions"
	// ChangeStreams: the createChangeStream operation.
	ChangeStreams Feature = "change streams"
	// ServerBehavior: a command, option or behavior of the server that the
	// test server does not have, explained by the entry's Reason. Such an
	// entry names one test exactly, and says in ServerSays what the server
	// answers: the test runs, and is skipped only if it fails with that
	// answer.
	ServerBehavior Feature = "server behavior"
	// Secondaries: the test needs a replica set with more than one member.
	// The entry applies only to a replica set target of one member, and
	// only to tests whose runOnRequirements ask for a replica set.
	Secondaries Feature = "a replica set with secondaries"
	// ServerAccepts: the test expects the server to reject something that
	// the test server accepts. Such an entry names one test exactly; the
	// test runs, and is skipped only if it raises no error.
	ServerAccepts Feature = "a server that rejects the input"
)

// featureOps are the operations by which a test uses a feature.
var featureOps = map[Feature][]string{
	FailPoints:    {"failPoint", "targetedFailPoint"},
	Transactions:  {"startTransaction", "withTransaction"},
	ChangeStreams: {"createChangeStream"},
}

// Skip is an entry of the skip list: a test that cannot pass against the
// test server because the server lacks a feature. No entry may cover a
// driver bug or a missing driver feature.
type Skip struct {
	// File is the test file's path below the specification tests
	// directory, as "crud/unified/aggregate-merge-errorResponse.json".
	File string
	// Test is the test's description, or "*" for every test of the file
	// (not allowed with ServerBehavior).
	Test string
	// Needs is the feature the test needs.
	Needs Feature
	// Reason says what the server lacks and how that makes the test fail.
	Reason string
	// ServerSays is, for ServerBehavior, a text that the test's error must
	// contain: the test server's own error message, or the part of its
	// reply that differs. A test that passes, or fails otherwise, fails
	// the run.
	ServerSays string
}

func (s Skip) String() string {
	return fmt.Sprintf("%s: %q needs %s: %s", s.File, s.Test, s.Needs, s.Reason)
}

// SkipList is the skip list of a run. It records which entries were used,
// so that a stale entry fails the run.
type SkipList struct {
	root    string
	entries []Skip

	mu   sync.Mutex
	used []bool
}

// NewSkipList returns the list of entries, whose File paths are relative to
// root, the specification tests directory.
func NewSkipList(root string, entries []Skip) *SkipList {
	return &SkipList{root: root, entries: entries, used: make([]bool, len(entries))}
}

// relPath returns the path of the test's file below the list's root.
func (l *SkipList) relPath(t *Test) string {
	rel, err := filepath.Rel(l.root, t.file.Path)
	if err != nil {
		return t.file.Path
	}
	return filepath.ToSlash(rel)
}

// consult returns the entry that covers t, nil if none. It is an error for
// an entry to claim a feature the test does not use.
func (l *SkipList) consult(t *Test, target *Target) (*Skip, error) {
	rel := l.relPath(t)
	for i, s := range l.entries {
		if s.File != rel || (s.Test != "*" && s.Test != t.Description) {
			continue
		}
		if s.Needs == ServerBehavior && (s.Test == "*" || s.ServerSays == "") {
			return nil, fmt.Errorf("unified: skip list: %v: a server behavior entry must name one test and what the server says", s)
		}
		if s.Needs == ServerAccepts && (s.Test == "*" || s.ServerSays != "") {
			return nil, fmt.Errorf("unified: skip list: %v: a server accepts entry must name one test and quote nothing", s)
		}
		if ops, ok := featureOps[s.Needs]; ok && !t.uses(ops...) {
			return nil, fmt.Errorf("unified: skip list: %v: the test does not use %s", s, s.Needs)
		}
		if s.Needs == FailPoints && target.FailPoints {
			// This server has fail points: the test runs. The entry
			// still names a test that needs them, so it is not stale.
			l.markUsed(i)
			continue
		}
		if s.Needs == Secondaries {
			if !t.requiresTopology("replicaset") {
				return nil, fmt.Errorf("unified: skip list: %v: the test does not ask for a replica set", s)
			}
			if target.Topology != "replicaset" || target.Members > 1 {
				continue // this deployment has the members the test needs
			}
		}
		l.markUsed(i)
		return &l.entries[i], nil
	}
	return nil, nil
}

// markUsed records that entry i covered a test.
func (l *SkipList) markUsed(i int) {
	l.mu.Lock()
	l.used[i] = true
	l.mu.Unlock()
}

// reason is the reason of a test the entry skips.
func (s *Skip) reason() string { return fmt.Sprintf("skip list: needs %s: %s", s.Needs, s.Reason) }

// Unused returns the entries for the files named (files run to the end)
// that no test used: entries that no longer skip anything.
func (l *SkipList) Unused(files []string) []Skip {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Skip
	for i, s := range l.entries {
		if !l.used[i] && slices.Contains(files, s.File) {
			out = append(out, s)
		}
	}
	return out
}

// RelPath returns the path of f below the list's root, as entries name it.
func (l *SkipList) RelPath(f *File) string {
	rel, err := filepath.Rel(l.root, f.Path)
	if err != nil {
		return f.Path
	}
	return filepath.ToSlash(rel)
}

// uses reports whether the test's operations, or the operations nested in
// them (runOnThread, loop, withTransaction), include one of names.
func (t *Test) uses(names ...string) bool {
	var walk func(ops []bson.Raw) bool
	walk = func(ops []bson.Raw) bool {
		for _, op := range ops {
			if slices.Contains(names, op.Lookup("name").StringValue()) {
				return true
			}
			a := op.Lookup("arguments")
			if nested, ok := a.Document().Lookup("operation").DocumentOK(); ok && walk([]bson.Raw{nested}) {
				return true
			}
			for _, key := range []string{"operations", "callback"} {
				if walk(docs(a.Document().Lookup(key))) {
					return true
				}
			}
		}
		return false
	}
	return walk(t.operations)
}

// requiresTopology reports whether every runOnRequirement of the test, or of
// its file, names the topology.
func (t *Test) requiresTopology(name string) bool {
	for _, reqs := range [][]bson.Raw{t.runOn, t.file.runOn} {
		if len(reqs) == 0 {
			continue
		}
		all := true
		for _, r := range reqs {
			found := false
			for _, v := range r.Lookup("topologies").Array().Values() {
				found = found || v.StringValue() == name
			}
			all = all && found
		}
		if all {
			return true
		}
	}
	return false
}
