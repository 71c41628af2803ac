// Package op runs commands: it selects a server for each, checks out a
// connection, sends the command with the fields every command carries ($db,
// $readPreference where the topology needs it), and reports the errors it
// meets to server discovery.
//
// An Executor holds what all operations share (the cluster); a Command is a
// small value describing one command. The connection adds $db and the
// Stable API fields itself. Retries, sessions and cursors build on
// Run as the operations that need them arrive.
package op

import (
	"context"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/topology"
)

// Executor runs commands on a cluster.
type Executor struct {
	Cluster *cluster.Cluster
}

// Command is one command to run.
type Command struct {
	// Name is the command's name, for errors and monitoring.
	Name string
	// DB is the database the command runs against ($db).
	DB string
	// Body is the encoded command document, without $db or
	// $readPreference.
	Body []byte
	// Write says the command writes: it needs a primary (or a mongos or
	// standalone), whatever the read preference.
	Write bool
	// ReadPref is the read preference of a read.
	ReadPref topology.ReadPref
}

// Run runs cmd and returns the server's reply, a copy that the caller owns.
// A reply with ok: 0 is returned as a *mongoerr.ServerError.
func (x *Executor) Run(ctx context.Context, cmd *Command) (bson.Raw, error) {
	crit := topology.Criteria{Write: cmd.Write, ReadPref: cmd.ReadPref}
	srv, sd, err := x.Cluster.Select(ctx, crit)
	if err != nil {
		return nil, err
	}
	defer srv.Done()
	body, err := x.finish(cmd, &sd)
	if err != nil {
		return nil, err
	}
	pc, err := srv.CheckOut(ctx)
	if err != nil {
		return nil, err
	}
	reply, err := cluster.RoundTrip(ctx, pc.Conn(), cmd.DB, body)
	if err != nil {
		srv.HandleError(pc, err)
	}
	srv.CheckIn(pc)
	return reply, err
}

// finish returns the command document with $readPreference when the
// server needs it to route or allow the read.
func (x *Executor) finish(cmd *Command, sd *topology.ServerDescription) ([]byte, error) {
	if cmd.Write {
		return cmd.Body, nil
	}
	kind := x.Cluster.Topology().Description().Kind
	rp, err := topology.ReadPrefDocument(cmd.ReadPref, kind, sd.Kind)
	if err != nil || rp == nil {
		return cmd.Body, err
	}
	return AppendFields(cmd.Body, bson.D{{Key: "$readPreference", Value: rp}})
}

// AppendFields returns a copy of the document doc with the elements of extra
// added at its end.
func AppendFields(doc []byte, extra bson.D) ([]byte, error) {
	if len(doc) < 5 {
		return nil, fmt.Errorf("op: command document of %d bytes is too short", len(doc))
	}
	out := make([]byte, 0, len(doc)+64)
	out = append(out, doc[:len(doc)-1]...)
	tail, err := bson.Marshal(extra)
	if err != nil {
		return nil, err
	}
	out = append(out, tail[4:]...) // the elements and the terminator
	n := len(out)
	out[0], out[1], out[2], out[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return out, nil
}
