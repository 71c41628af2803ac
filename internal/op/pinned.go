package op

import (
	"context"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/mongoerr"
)

// This file holds the connections pinned to cursors under a load balancer,
// and the bookkeeping of a server session's use.

// Pinned is a connection pinned to a cursor (load balanced mode): to the
// implicit session it keeps, or given to the cursor of an explicit session
// (Result.Pinned). It goes back to the pool once, when the cursor ends or
// a network error breaks it.
type Pinned struct {
	srv  *cluster.Server
	pc   *cluster.Conn
	once sync.Once
}

// release checks the connection in, the first time only.
func (p *Pinned) release() { p.once.Do(func() { p.srv.CheckIn(p.pc) }) }

// runPinned runs the command on a pinned connection. A network error
// unpins and returns the connection, which the pool then discards.
func (a *attempt) runPinned(ctx context.Context, p *Pinned) (Result, error) {
	sd := topology.ServerDescription{Addr: p.pc.Address(), Kind: topology.LoadBalancer}
	a.addr = sd.Addr
	if d := p.pc.Conn().Description(); d.HasSessionTimeout {
		a.lbSessionTimeout = time.Duration(d.SessionTimeoutMinutes) * time.Minute
	}
	if a.cmd.Prepare != nil && !a.prepared {
		if err := a.cmd.Prepare(a.cmd, limitsOf(p.pc.Conn().Description())); err != nil {
			return Result{Address: sd.Addr}, err
		}
		a.prepared = true
	}
	body, err := a.body(&sd)
	if err != nil {
		return Result{Address: sd.Addr}, err
	}
	reply, err := a.roundTrip(ctx, p.pc, body)
	a.observe(reply, err)
	a.touch(err)
	if err != nil {
		p.srv.HandleError(p.pc, err)
		if mongoerr.IsNetworkError(err) {
			if a.sess.Pinned == p {
				a.sess.Pinned = nil
			}
			if a.inTxn && a.txnPinned() == p {
				a.explicit.UnpinTxn()
			}
			p.release()
		}
	}
	return Result{Reply: reply, Address: sd.Addr}, err
}

// touch records the use of the server session: when, and whether a
// network error made it dirty. An explicit session's server session is
// shared with the prefetching getMores of its cursors, so it is updated
// under the session's lock.
func (a *attempt) touch(err error) {
	dirty := err != nil && mongoerr.IsNetworkError(err)
	if a.explicit != nil {
		a.explicit.Touch(a.sess, time.Now(), dirty)
		return
	}
	a.sess.LastUsed = time.Now()
	if dirty {
		a.sess.Dirty = true
	}
}

// cursorOpen reports whether a reply opened a cursor the server keeps.
func cursorOpen(reply bson.Raw) bool {
	id, _ := reply.Lookup("cursor", "id").AsInt64OK()
	return id != 0
}
