package unified

import (
	"slices"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
)

// observedEvent is an event a client entity reported, reduced to what the
// format's expected events can assert, with its documents copied.
type observedEvent struct {
	// kind is the event's name in observeEvents, as "commandStartedEvent".
	kind string
	at   time.Time

	// Command monitoring events.
	commandName, databaseName string
	requestID                 int64
	serverConnectionID        int64
	serviceID                 *bson.ObjectID
	command, reply            bson.Raw
	failure                   error

	// CMAP events.
	address        string
	connectionID   int64
	reason         string
	interruptInUse bool

	// SDAM events.
	previousType, newType string
	awaited               bool
}

// category is the eventType of expectEvents the event belongs to.
func (e *observedEvent) category() string {
	switch e.kind {
	case "commandStartedEvent", "commandSucceededEvent", "commandFailedEvent":
		return "command"
	case "serverDescriptionChangedEvent", "topologyDescriptionChangedEvent",
		"serverHeartbeatStartedEvent", "serverHeartbeatSucceededEvent", "serverHeartbeatFailedEvent",
		"topologyOpeningEvent", "topologyClosedEvent":
		return "sdam"
	}
	return "cmap"
}

// sensitiveCommands are the commands whose events are not observed unless
// a client sets observeSensitiveCommands (Command Logging and Monitoring,
// "Security").
var sensitiveCommands = []string{
	"authenticate", "saslStart", "saslContinue", "getnonce", "createUser", "updateUser",
	"copydbgetnonce", "copydbsaslstart", "copydb",
}

// eventLog records the events of one client entity.
type eventLog struct {
	observe          map[string]bool
	ignoreCommands   map[string]bool
	observeSensitive bool
	stores           map[string][]*docList // storeEventsAsEntities, by event name

	mu         sync.Mutex
	listening  bool
	events     []*observedEvent
	changed    chan struct{} // closed and replaced on each new event
	ignoredReq map[int64]bool
	// failPointCommands counts the runner's own configureFailPoint commands
	// under way, whose events are not observed.
	failPointCommands int
	checkedOut        int64
	topology          *event.TopologyDescription
	// pooled counts the established connections per server address, for
	// awaitMinPoolSizeMS.
	pooled map[string]int
}

func newEventLog() *eventLog {
	return &eventLog{
		observe:        map[string]bool{},
		ignoreCommands: map[string]bool{},
		stores:         map[string][]*docList{},
		listening:      true,
		changed:        make(chan struct{}),
		ignoredReq:     map[int64]bool{},
		pooled:         map[string]int{},
	}
}

// record adds e if the client observes its kind and the log is listening.
// The caller holds l.mu.
func (l *eventLog) record(e *observedEvent) {
	if !l.listening || !l.observe[e.kind] {
		return
	}
	e.at = time.Now()
	l.events = append(l.events, e)
	close(l.changed)
	l.changed = make(chan struct{})
}

// stop ends the recording of events.
func (l *eventLog) stop() {
	l.mu.Lock()
	l.listening = false
	l.mu.Unlock()
}

// clear forgets the events recorded so far.
func (l *eventLog) clear() {
	l.mu.Lock()
	l.events = nil
	l.mu.Unlock()
}

// snapshot returns the events recorded so far, and a channel closed when
// another one is.
func (l *eventLog) snapshot() ([]*observedEvent, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events), l.changed
}

// ignoreCommand reports whether the started event of a command is not
// observed, and remembers its request id for the reply's event.
func (l *eventLog) ignoreCommand(e event.CommandStartedEvent) bool {
	ignore := l.ignoreCommands[e.CommandName]
	if e.CommandName == "configureFailPoint" && l.failPointCommands > 0 {
		l.failPointCommands--
		ignore = true
	}
	if !l.observeSensitive && isSensitive(e.CommandName, e.Command) {
		ignore = true
	}
	if ignore {
		l.ignoredReq[e.RequestID] = true
	}
	return ignore
}

// isSensitive reports whether a command is sensitive: one of the list, or
// a hello whose document the driver redacted (a hello carrying
// speculativeAuthenticate).
func isSensitive(name string, doc bson.Raw) bool {
	if slices.Contains(sensitiveCommands, name) {
		return true
	}
	switch name {
	case "hello", "isMaster", "ismaster":
		return len(doc) <= 5
	}
	return false
}

// ignoreReply reports whether the events of a command's outcome are not
// observed: those of commands whose started event was not.
func (l *eventLog) ignoreReply(c event.CommandEvent) bool {
	if l.ignoredReq[c.RequestID] {
		delete(l.ignoredReq, c.RequestID)
		return true
	}
	return l.ignoreCommands[c.CommandName] || !l.observeSensitive && slices.Contains(sensitiveCommands, c.CommandName)
}

// store appends the event, as a document, to the lists of
// storeEventsAsEntities that collect it.
func (l *eventLog) store(name string, fields bson.D) {
	lists := l.stores[name]
	if len(lists) == 0 {
		return
	}
	d := append(bson.D{
		{Key: "name", Value: name},
		{Key: "observedAt", Value: float64(time.Now().UnixMicro()) / 1e6},
	}, fields...)
	raw, err := bson.Marshal(d)
	if err != nil {
		return // only values of the runner's making: cannot fail
	}
	for _, dl := range lists {
		dl.append(raw)
	}
}

func cloneRaw(r bson.Raw) bson.Raw { return slices.Clone(r) }

// commandMonitor returns the monitor of command events for the client.
func (l *eventLog) commandMonitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(e event.CommandStartedEvent) {
			l.store("CommandStartedEvent", commandFields(e.CommandEvent, bson.D{{Key: "command", Value: cloneRaw(e.Command)}}))
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.ignoreCommand(e) {
				return
			}
			l.record(&observedEvent{
				kind: "commandStartedEvent", commandName: e.CommandName, databaseName: e.DatabaseName,
				requestID: e.RequestID, serverConnectionID: e.ServerConnectionID, serviceID: e.ServiceID,
				address: e.Address, connectionID: e.ConnectionID, command: cloneRaw(e.Command),
			})
		},
		Succeeded: func(e event.CommandSucceededEvent) {
			l.store("CommandSucceededEvent", commandFields(e.CommandEvent, bson.D{
				{Key: "duration", Value: e.Duration.Seconds()}, {Key: "reply", Value: cloneRaw(e.Reply)}}))
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.ignoreReply(e.CommandEvent) {
				return
			}
			l.record(&observedEvent{
				kind: "commandSucceededEvent", commandName: e.CommandName, databaseName: e.DatabaseName,
				requestID: e.RequestID, serverConnectionID: e.ServerConnectionID, serviceID: e.ServiceID,
				address: e.Address, connectionID: e.ConnectionID, reply: cloneRaw(e.Reply),
			})
		},
		Failed: func(e event.CommandFailedEvent) {
			l.store("CommandFailedEvent", commandFields(e.CommandEvent, bson.D{
				{Key: "duration", Value: e.Duration.Seconds()}, {Key: "failure", Value: errString(e.Failure)}}))
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.ignoreReply(e.CommandEvent) {
				return
			}
			l.record(&observedEvent{
				kind: "commandFailedEvent", commandName: e.CommandName, databaseName: e.DatabaseName,
				requestID: e.RequestID, serverConnectionID: e.ServerConnectionID, serviceID: e.ServiceID,
				address: e.Address, connectionID: e.ConnectionID, failure: e.Failure,
			})
		},
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func commandFields(c event.CommandEvent, extra bson.D) bson.D {
	d := bson.D{
		{Key: "commandName", Value: c.CommandName},
		{Key: "databaseName", Value: c.DatabaseName},
		{Key: "requestId", Value: c.RequestID},
		{Key: "connectionId", Value: c.Address},
		{Key: "serverConnectionId", Value: c.ServerConnectionID},
	}
	return append(d, extra...)
}
