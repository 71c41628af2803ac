package conn

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

func TestCancelDuringDelayedReply(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("RoundTrip returned %v after the cancel", elapsed)
	}
	ne := networkError(t, err)
	if !errors.Is(err, context.Canceled) || ne.Timeout() || ne.Op != "read" {
		t.Errorf("RoundTrip: %v (timeout %v)", err, ne.Timeout())
	}
	if !c.Broken() || !c.Closed() {
		t.Error("the interrupted connection is not broken")
	}
}

func TestContextDeadline(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	ne := networkError(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || !ne.Timeout() || !mongoerr.IsTimeout(err) {
		t.Errorf("RoundTrip: %v (timeout %v)", err, ne.Timeout())
	}
	if !c.Broken() {
		t.Error("the timed-out connection is not broken")
	}
}

func TestSocketTimeout(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "slow" {
			return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
		}
		return []wiretest.Reply{{Doc: okReply}}
	})
	c := dial(t, s.Addr(), &Config{SocketTimeout: 100 * time.Millisecond})
	// The handshake is not bound by the socket timeout, and a quick command
	// is not either.
	ping(t, c)
	start := time.Now()
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "slow", Value: 1}})})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("RoundTrip took %v with a 100ms socket timeout", elapsed)
	}
	ne := networkError(t, err)
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || !ne.Timeout() {
		t.Errorf("RoundTrip: %v", err)
	}
}

func TestDeadlineIsTheEarlier(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), &Config{SocketTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("socket timeout first: %v", err)
	}

	c = dial(t, s.Addr(), &Config{SocketTimeout: time.Minute})
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context deadline first: %v", err)
	}
}

func TestDeadlineCleared(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "slow" {
			return []wiretest.Reply{{Delay: 200 * time.Millisecond, Doc: okReply}}
		}
		return []wiretest.Reply{{Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	r, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	cancel() // after the round trip: its interruption may run, and is waited for
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	time.Sleep(350 * time.Millisecond)
	r, err = c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "slow", Value: 1}})})
	if err != nil {
		t.Fatalf("a round trip after one with a deadline: %v", err)
	}
	r.Release()
}

func TestContextDoneBeforeSending(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip: %v", err)
	}
	if err := c.Send(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send: %v", err)
	}
	if c.Err() != nil || len(s.Requests()) != 1 {
		t.Fatalf("a done context sent %v or broke the connection: %v", s.Commands(), c.Err())
	}
	ping(t, c)
}

func TestCloseDuringRoundTrip(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(50 * time.Millisecond)
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	wg.Wait()
	if !errors.Is(err, net.ErrClosed) || !mongoerr.IsNetworkError(err) {
		t.Errorf("RoundTrip: %v", err)
	}
	if !c.Closed() || c.Close() != nil || !errors.Is(c.Err(), net.ErrClosed) {
		t.Errorf("closed %v, err %v", c.Closed(), c.Err())
	}
}

func TestCloseIdempotent(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _ = c.Close() })
	}
	wg.Wait()
	if !c.Closed() || c.Broken() || !errors.Is(c.Err(), ErrClosed) || c.Close() != nil {
		t.Errorf("closed %v broken %v err %v", c.Closed(), c.Broken(), c.Err())
	}
}

func TestPeerCloses(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Close: true}}
	})
	c := dial(t, s.Addr(), nil)
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if ne := networkError(t, err); ne.Op != "read" || ne.Timeout() || !c.Broken() {
		t.Errorf("RoundTrip: %v", err)
	}
}

func TestCancelCause(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	cause := errors.New("the user went away")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(20*time.Millisecond, func() { cancel(cause) })
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Errorf("RoundTrip: %v", err)
	}
}
