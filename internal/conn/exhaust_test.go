package conn

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

func TestExhaustStream(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "getMore":
			return []wiretest.Reply{
				{Doc: bson.D{{Key: "batch", Value: 1}, {Key: "ok", Value: 1.0}}, Flags: wire.MoreToCome},
				{Doc: bson.D{{Key: "batch", Value: 2}, {Key: "ok", Value: 1.0}}, Flags: wire.MoreToCome, Delay: 20 * time.Millisecond},
				{Doc: bson.D{{Key: "batch", Value: 3}, {Key: "ok", Value: 1.0}}},
			}
		case "noExhaust":
			return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}}
		}
		return []wiretest.Reply{{Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	if _, err := c.ReadMore(context.Background()); !errors.Is(err, ErrNotStreaming) || c.Err() != nil {
		t.Fatalf("ReadMore without a stream: %v (conn err %v)", err, c.Err())
	}
	getMore := &Command{DB: "db", Body: marshal(t, bson.D{{Key: "getMore", Value: int64(1)}}), Flags: wire.ExhaustAllowed}
	r, err := c.RoundTrip(context.Background(), getMore)
	if err != nil {
		t.Fatal(err)
	}
	batches := []int32{r.Body.Lookup("batch").Int32()}
	more := r.MoreToCome()
	r.Release()
	if s.Requests()[1].Flags != wire.ExhaustAllowed {
		t.Errorf("getMore flags %v", s.Requests()[1].Flags)
	}
	if !c.Streaming() || !errors.Is(c.Err(), ErrStreaming) {
		t.Errorf("during the stream: streaming %v, err %v", c.Streaming(), c.Err())
	}
	for more {
		r, err := c.ReadMore(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, r.Body.Lookup("batch").Int32())
		more = r.MoreToCome()
		r.Release()
	}
	if len(batches) != 3 || batches[2] != 3 || c.Streaming() || c.Err() != nil {
		t.Fatalf("batches %v, streaming %v, err %v", batches, c.Streaming(), c.Err())
	}
	ping(t, c)

	// A moreToCome reply to a request that did not allow it.
	_, err = c.RoundTrip(context.Background(), &Command{DB: "db", Body: marshal(t, bson.D{{Key: "noExhaust", Value: 1}})})
	if !errors.Is(err, ErrUnexpectedMoreToCome) || !c.Broken() {
		t.Errorf("unexpected moreToCome: %v", err)
	}
}

func TestCommandDuringStream(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}, {Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "hello", Value: 1}}), Flags: wire.ExhaustAllowed})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if _, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, ErrStreaming) || !c.Broken() {
		t.Errorf("RoundTrip during a stream: %v", err)
	}
}

func TestReadMoreCancel(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}, {Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "hello", Value: 1}}), Flags: wire.ExhaustAllowed})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.ReadMore(ctx); !errors.Is(err, context.DeadlineExceeded) || !c.Broken() {
		t.Errorf("ReadMore: %v", err)
	}
	if _, err := c.ReadMore(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadMore on a broken connection: %v", err)
	}
}

func TestReadMoreWrongResponseTo(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}, {Doc: okReply, WrongResponseTo: true}}
	})
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "hello", Value: 1}}), Flags: wire.ExhaustAllowed})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if _, err := c.ReadMore(context.Background()); !errors.Is(err, wire.ErrResponseTo) || !c.Broken() {
		t.Errorf("ReadMore: %v", err)
	}
}
