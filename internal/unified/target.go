package unified

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Target is a deployment the runner can run tests against: a connection
// string, what the deployment is (server version, topology, whether
// authentication and fail points are on), and the runner's internal
// Client, which loads initial data, checks outcomes and serves the
// assertions of the special operations.
type Target struct {
	// Name names the target in results, as "ferretdb-single".
	Name string
	// URI is the connection string client entities start from.
	URI string
	// Version is the server version, from buildInfo's versionArray.
	Version string
	// Topology is "single", "replicaset", "sharded",
	// "sharded-replicaset" or "load-balanced".
	Topology string
	// Members is the number of replica set members the primary lists (0
	// for other topologies).
	Members int
	// Auth says that connections authenticate.
	Auth bool
	// FailPoints says that the server accepts configureFailPoint.
	FailPoints bool
	// UseSkips applies the runner's skip list to the tests run here: the
	// list names what the test server lacks, and does not apply to a real
	// MongoDB.
	UseSkips bool

	version version
	client  *motor.Client
	// routers are direct clients to each mongos of the seed list, on a
	// sharded target: fail points are per mongos, and the runner turns
	// them off on every router, as it cannot know which one got them.
	routers []*motor.Client
	// routerHosts are the hosts of routers, in the same order.
	routerHosts []string

	mu     sync.Mutex
	params map[string]paramResult
}

type paramResult struct {
	v   bson.RawValue
	err error
}

// OpenTarget connects the internal Client to uri and finds out what the
// deployment is.
func OpenTarget(ctx context.Context, name, uri string) (*Target, error) {
	cfg, err := motor.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("unified: target %s: %w", name, err)
	}
	c, err := motor.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("unified: target %s: %w", name, err)
	}
	t := &Target{Name: name, URI: uri, client: c, params: map[string]paramResult{}}
	if err := t.probe(ctx, cfg); err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("unified: target %s: %w", name, err)
	}
	if t.FailPoints && strings.HasPrefix(t.Topology, "sharded") {
		if err := t.openRouters(ctx, cfg.Hosts); err != nil {
			t.Close(ctx)
			return nil, fmt.Errorf("unified: target %s: %w", name, err)
		}
	}
	return t, nil
}

// openRouters opens a direct client to each host of a sharded target.
func (t *Target) openRouters(ctx context.Context, hosts []string) error {
	for _, h := range hosts {
		cfg, err := motor.ParseURI(t.URI)
		if err != nil {
			return err
		}
		cfg.Hosts, cfg.DirectConnection = []string{h}, true
		c, err := motor.ConnectConfig(ctx, cfg)
		if err != nil {
			return fmt.Errorf("router %s: %w", h, err)
		}
		t.routers = append(t.routers, c)
		t.routerHosts = append(t.routerHosts, h)
	}
	return nil
}

func (t *Target) probe(ctx context.Context, cfg *motor.Config) error {
	info, err := t.client.ServerInfo(ctx)
	if err != nil {
		return err
	}
	if len(info.VersionArray) < 3 {
		return fmt.Errorf("buildInfo has no versionArray: %v", info.Raw)
	}
	for i := range 3 {
		t.version[i] = int(info.VersionArray[i])
	}
	t.Version = t.version.String()

	admin := t.client.Database("admin")
	hello, err := admin.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Raw()
	if err != nil {
		return err
	}
	switch {
	case cfg.LoadBalanced:
		t.Topology = "load-balanced"
	case hello.Lookup("msg").StringValue() == "isdbgrid":
		t.Topology = "sharded"
		if rs, err := t.shardsAreReplicaSets(ctx); err != nil {
			return err
		} else if rs {
			t.Topology = "sharded-replicaset"
		}
	case hello.Lookup("setName").Type != 0:
		t.Topology = "replicaset"
		for _, key := range []string{"hosts", "passives", "arbiters"} {
			t.Members += hello.Lookup(key).Array().Len()
		}
	default:
		t.Topology = "single"
	}

	status, err := admin.RunCommand(ctx, bson.D{{Key: "connectionStatus", Value: 1}}).Raw()
	if err != nil {
		return err
	}
	users, _ := status.Lookup("authInfo", "authenticatedUsers").ArrayOK()
	t.Auth = users.Len() > 0

	fp := bson.D{{Key: "configureFailPoint", Value: "failCommand"}, {Key: "mode", Value: "off"}}
	t.FailPoints = admin.RunCommand(ctx, fp).Err() == nil
	return nil
}

// shardsAreReplicaSets reads config.shards: a shard backed by a replica set
// has a host of the form "setName/host1,host2".
func (t *Target) shardsAreReplicaSets(ctx context.Context) (bool, error) {
	raw, err := t.client.Database("config").RunCommand(ctx, bson.D{{Key: "find", Value: "shards"}}).Raw()
	if err != nil {
		return false, err
	}
	for _, v := range raw.Lookup("cursor", "firstBatch").Array().Values() {
		if !strings.Contains(v.Document().Lookup("host").StringValue(), "/") {
			return false, nil
		}
	}
	return true, nil
}

// Close closes the internal Client (and the direct clients to the routers
// of a sharded target).
func (t *Target) Close(ctx context.Context) error {
	errs := []error{t.client.Close(ctx)}
	for _, c := range t.routers {
		errs = append(errs, c.Close(ctx))
	}
	return errors.Join(errs...)
}

// failPointClients returns the clients to turn fail points off with: the
// internal client, which reaches the primary of a replica set or the one
// server of a standalone, or on a sharded target a client per router.
func (t *Target) failPointClients() []*motor.Client {
	if len(t.routers) > 0 {
		return t.routers
	}
	return []*motor.Client{t.client}
}

// String describes the target, as "ferretdb-single (7.0.42, single)".
func (t *Target) String() string {
	s := fmt.Sprintf("%s (%s, %s", t.Name, t.Version, t.Topology)
	if t.Auth {
		s += ", auth"
	}
	if t.Members > 0 {
		s += fmt.Sprintf(", %d member(s)", t.Members)
	}
	if t.FailPoints {
		s += ", fail points"
	}
	return s + ")"
}

// parameter returns the server parameter name, from getParameter, caching
// the answer (and the error of a server that does not know it).
func (t *Target) parameter(ctx context.Context, name string) (bson.RawValue, error) {
	t.mu.Lock()
	r, ok := t.params[name]
	t.mu.Unlock()
	if ok {
		return r.v, r.err
	}
	cmd := bson.D{{Key: "getParameter", Value: 1}, {Key: name, Value: 1}}
	raw, err := t.client.Database("admin").RunCommand(ctx, cmd).Raw()
	if err == nil {
		r.v = raw.Lookup(name)
		if r.v.Type == 0 {
			err = fmt.Errorf("getParameter did not return %s", name)
		}
	}
	var se *motor.ServerError
	if err != nil && !errors.As(err, &se) {
		return absent, err // not the server's answer: do not cache
	}
	r.err = err
	t.mu.Lock()
	t.params[name] = r
	t.mu.Unlock()
	return r.v, r.err
}
