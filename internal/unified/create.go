package unified

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// clientEntity is a client entity: a motor.Client with the monitors that
// record its events.
type clientEntity struct {
	id     string
	client *motor.Client
	log    *eventLog
	logs   *logCapture // the log messages, when the client observes them
	closed atomic.Bool
}

// close closes the client once.
func (c *clientEntity) close(ctx context.Context) error {
	if c.closed.Swap(true) {
		return nil
	}
	return c.client.Close(ctx)
}

// createEntities creates the entities of a createEntities list, in order.
func (tr *testRun) createEntities(ctx context.Context, list []bson.Raw) error {
	for i, spec := range list {
		if err := tr.createEntity(ctx, spec); err != nil {
			return fmt.Errorf("createEntities[%d]: %w", i, err)
		}
	}
	return nil
}

func (tr *testRun) createEntity(ctx context.Context, spec bson.Raw) error {
	var kind string
	var d bson.Raw
	for k, v := range spec.Elements() {
		kind, d = k, v.Document()
	}
	id := d.Lookup("id").StringValue()
	switch kind {
	case "client":
		c, err := tr.createClient(ctx, id, d)
		if err != nil {
			return err
		}
		return tr.entities.add(id, c)
	case "database":
		c, err := entityAs[*clientEntity](tr.entities, d.Lookup("client").StringValue(), "client")
		if err != nil {
			return err
		}
		db := c.client.Database(d.Lookup("databaseName").StringValue())
		if o, ok := d.Lookup("databaseOptions").DocumentOK(); ok {
			if db, err = dbOptions(db, o); err != nil {
				return err
			}
		}
		return tr.entities.add(id, &databaseEntity{client: c, db: db})
	case "collection":
		db, err := entityAs[*databaseEntity](tr.entities, d.Lookup("database").StringValue(), "database")
		if err != nil {
			return err
		}
		coll := motor.CollectionOf[bson.Raw](db.db, d.Lookup("collectionName").StringValue())
		if o, ok := d.Lookup("collectionOptions").DocumentOK(); ok {
			if coll, err = collOptions(coll, o); err != nil {
				return err
			}
		}
		return tr.entities.add(id, &collectionEntity{db: db, coll: coll})
	case "session":
		s, err := tr.createSession(id, d)
		if err != nil {
			return err
		}
		return tr.entities.add(id, s)
	case "bucket":
		db, err := entityAs[*databaseEntity](tr.entities, d.Lookup("database").StringValue(), "database")
		if err != nil {
			return err
		}
		o, _ := d.Lookup("bucketOptions").DocumentOK()
		b, err := newBucket(db.db, o)
		if err != nil {
			return err
		}
		return tr.entities.add(id, b)
	case "clientEncryption":
		return fmt.Errorf("unified: clientEncryption entity %q: Motor does not implement client-side encryption", id)
	case "thread":
		return tr.entities.add(id, tr.startThread(ctx, id))
	}
	return fmt.Errorf("unified: unknown entity type %q", kind)
}

// createClient creates a client entity from its definition d.
func (tr *testRun) createClient(ctx context.Context, id string, d bson.Raw) (*clientEntity, error) {
	log := newEventLog()
	cs, err := parseConnString(tr.target.URI)
	if err != nil {
		return nil, err
	}
	var api *motor.ServerAPI
	var awaitPool time.Duration
	var logs *logCapture
	// Components the client does not observe are off, whatever the
	// environment's MONGODB_LOG_* variables say.
	levels := logsOff
	for k, v := range d.Elements() {
		switch k {
		case "id":
		case "uriOptions":
			if err := applyURIOptions(cs, v.Document()); err != nil {
				return nil, err
			}
		case "useMultipleMongoses":
			if err := useMultipleMongoses(tr.target, cs, v.Boolean()); err != nil {
				return nil, err
			}
		case "observeEvents":
			for _, e := range v.Array().Values() {
				log.observe[e.StringValue()] = true
			}
		case "ignoreCommandMonitoringEvents":
			for _, e := range v.Array().Values() {
				log.ignoreCommands[e.StringValue()] = true
			}
		case "observeSensitiveCommands":
			log.observeSensitive = v.Boolean()
		case "storeEventsAsEntities":
			for _, sv := range v.Array().Values() {
				s := sv.Document()
				list := &docList{}
				if err := tr.entities.add(s.Lookup("id").StringValue(), list); err != nil {
					return nil, err
				}
				for _, ev := range s.Lookup("events").Array().Values() {
					log.stores[ev.StringValue()] = append(log.stores[ev.StringValue()], list)
				}
			}
		case "serverApi":
			a := v.Document()
			api = &motor.ServerAPI{
				Version:           a.Lookup("version").StringValue(),
				Strict:            a.Lookup("strict").Boolean(),
				DeprecationErrors: a.Lookup("deprecationErrors").Boolean(),
			}
		case "awaitMinPoolSizeMS":
			n, _ := v.AsInt64OK()
			awaitPool = time.Duration(n) * time.Millisecond
		case "observeLogMessages":
			if levels, err = logLevels(v.Document()); err != nil {
				return nil, err
			}
			logs = newLogCapture()
		case "observeTracingMessages":
			return nil, fmt.Errorf("unified: client %q: observeTracingMessages: Motor has no tracing API", id)
		case "autoEncryptOpts":
			return nil, fmt.Errorf("unified: client %q: autoEncryptOpts: Motor does not implement client-side encryption", id)
		default:
			return nil, fmt.Errorf("unified: client %q: unsupported option %q", id, k)
		}
	}
	var warnings []string
	cfg, err := motor.ParseURIWith(ctx, cs.String(), motor.ParseOptions{Warn: func(msg string) { warnings = append(warnings, msg) }})
	if err != nil {
		return nil, fmt.Errorf("unified: client %q: %w", id, err)
	}
	if len(warnings) > 0 {
		// An option the driver ignores would change the test silently.
		return nil, fmt.Errorf("unified: client %q: the connection string has options the driver ignores: %s", id, strings.Join(warnings, "; "))
	}
	cfg.ServerAPI = api
	cfg.CommandMonitor = log.commandMonitor()
	cfg.PoolMonitor = log.poolMonitor()
	cfg.ServerMonitor = log.serverMonitor()
	if logs != nil {
		cfg.Logger = slog.New(logs)
	}
	cfg.LogLevels = levels
	c, err := motor.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("unified: client %q: %w", id, err)
	}
	ce := &clientEntity{id: id, client: c, log: log, logs: logs}
	if awaitPool > 0 && cfg.MinPoolSize > 0 {
		if err := awaitMinPool(ctx, ce, cfg.MinPoolSize, awaitPool); err != nil {
			ce.close(ctx)
			return nil, err
		}
		// Events before the pools were populated are not part of the test.
		log.clear()
		logs.clear()
	}
	return ce, nil
}

// useMultipleMongoses applies the option to a sharded target's connection
// string: false keeps one mongos, true requires several. It has no effect
// on other topologies, except load-balanced ones, which the runner does not
// support yet.
func useMultipleMongoses(t *Target, cs *connString, multiple bool) error {
	switch t.Topology {
	case "sharded", "sharded-replicaset":
		if !multiple {
			cs.hosts = cs.hosts[:1]
		} else if len(cs.hosts) < 2 && cs.scheme == "mongodb://" {
			return fmt.Errorf("unified: useMultipleMongoses: the target's connection string names one mongos")
		}
	case "load-balanced":
		return fmt.Errorf("unified: load-balanced targets need the two load balancer connection strings, which the runner does not take yet")
	}
	return nil
}

// awaitMinPool waits until every pool of the client holds min connections.
func awaitMinPool(ctx context.Context, c *clientEntity, min int, limit time.Duration) error {
	if err := c.client.Ping(ctx); err != nil { // discovers the servers
		return fmt.Errorf("unified: awaitMinPoolSizeMS: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		c.log.mu.Lock()
		ready := len(c.log.pooled) > 0
		for _, n := range c.log.pooled {
			ready = ready && n >= min
		}
		c.log.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("unified: client %q: pools not populated with %d connections within awaitMinPoolSizeMS (%v)", c.id, min, limit)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
