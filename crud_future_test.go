package motor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

func TestFutureResultOnce(t *testing.T) {
	e := newRdEnv(t, nil)
	var calls atomic.Int32
	release := make(chan struct{})
	f := motor.Async(e.ctx, e.client, func(ctx context.Context) (string, error) {
		calls.Add(1)
		<-release
		return "done", nil
	})
	select {
	case <-f.Done():
		t.Fatal("done before the function returned")
	default:
	}
	// A Wait's ctx bounds the wait, not the function.
	short, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := f.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a short ctx: %v", err)
	}
	close(release)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if v, err := f.Wait(e.ctx); v != "done" || err != nil {
				t.Errorf("Wait = %q, %v", v, err)
			}
		})
	}
	wg.Wait()
	<-f.Done()
	if v, err := f.Wait(context.Background()); v != "done" || err != nil || calls.Load() != 1 {
		t.Errorf("Wait = %q, %v after %d calls", v, err, calls.Load())
	}
	// A done future answers even a Wait whose ctx has ended.
	ended, cancel2 := context.WithCancel(e.ctx)
	cancel2()
	if v, err := f.Wait(ended); v != "done" || err != nil {
		t.Errorf("Wait with an ended ctx on a done future = %q, %v", v, err)
	}
}

func TestFutureErrorsAndPanics(t *testing.T) {
	e := newRdEnv(t, nil)
	boom := errors.New("boom")
	f := motor.Async(e.ctx, e.client, func(ctx context.Context) (int, error) { return 7, boom })
	for range 3 {
		if v, err := f.Wait(e.ctx); v != 7 || !errors.Is(err, boom) {
			t.Fatalf("Wait = %d, %v", v, err)
		}
	}
	p := motor.Async(e.ctx, e.client, func(ctx context.Context) (int, error) { panic("oops") })
	_, err := p.Wait(e.ctx)
	var pe *motor.PanicError
	if !errors.As(err, &pe) || pe.Value != "oops" || !strings.Contains(string(pe.Stack), "crud_future_test.go") {
		t.Fatalf("panic reported as %v", err)
	}
	// Cancelling the ctx given to Async cancels the function's.
	ctx, cancel := context.WithCancel(e.ctx)
	c := motor.Async(ctx, e.client, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	cancel()
	if _, err := c.Wait(e.ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled future: %v", err)
	}
}

// gated returns futures that finish, with their index as value, when their
// gate is closed; a negative index fails.
func gated(t *testing.T, e *rdEnv, n int) ([]*motor.Future[int], []chan struct{}) {
	fs := make([]*motor.Future[int], n)
	gates := make([]chan struct{}, n)
	for i := range fs {
		gates[i] = make(chan struct{})
		fs[i] = motor.Async(e.ctx, e.client, func(ctx context.Context) (int, error) {
			select {
			case <-gates[i]:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
			if i%2 == 1 {
				return -i, fmt.Errorf("odd %d", i)
			}
			return i, nil
		})
	}
	t.Cleanup(func() {
		for _, g := range gates {
			select {
			case <-g:
			default:
				close(g)
			}
		}
	})
	return fs, gates
}

func TestWaitAll(t *testing.T) {
	e := newRdEnv(t, nil)
	fs, gates := gated(t, e, 5)
	short, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	if vals, err := motor.WaitAll(short, fs...); vals != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitAll with a short ctx = %v, %v", vals, err)
	}
	for i := len(gates) - 1; i >= 0; i-- { // finish in reverse order
		close(gates[i])
	}
	vals, err := motor.WaitAll(e.ctx, fs...)
	if fmt.Sprint(vals) != "[0 -1 2 -3 4]" {
		t.Errorf("values %v", vals)
	}
	if err == nil || !strings.Contains(err.Error(), "future 1: odd 1") || !strings.Contains(err.Error(), "future 3: odd 3") {
		t.Errorf("error %v", err)
	}
	if vals, err := motor.WaitAll[int](e.ctx); len(vals) != 0 || err != nil {
		t.Errorf("WaitAll of none = %v, %v", vals, err)
	}
}

func TestFirst(t *testing.T) {
	e := newRdEnv(t, nil)
	fs, gates := gated(t, e, 6)
	done := make(chan struct{})
	var i, v int
	var err error
	go func() {
		i, v, err = motor.First(e.ctx, fs...)
		close(done)
	}()
	time.Sleep(30 * time.Millisecond)
	close(gates[4])
	<-done
	if i != 4 || v != 4 || err != nil {
		t.Fatalf("First = %d, %d, %v", i, v, err)
	}
	// Among futures already done, the first listed wins; its error comes
	// with it.
	close(gates[3])
	close(gates[1])
	fs[1].Wait(e.ctx)
	fs[3].Wait(e.ctx)
	if i, v, err := motor.First(e.ctx, fs...); i != 1 || v != -1 || err == nil {
		t.Errorf("First of done futures = %d, %d, %v", i, v, err)
	}
	short, cancel := context.WithTimeout(e.ctx, 30*time.Millisecond)
	defer cancel()
	if i, _, err := motor.First(short, fs[0], fs[2], fs[5]); i != -1 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("First with a short ctx = %d, %v", i, err)
	}
	if i, _, err := motor.First[int](e.ctx); i != -1 || err == nil {
		t.Errorf("First of none = %d, %v", i, err)
	}
	// Many First calls racing with completions.
	fs2, gates2 := gated(t, e, 40)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if i, _, _ := motor.First(e.ctx, fs2...); i < 0 {
				t.Errorf("First = %d", i)
			}
		})
	}
	for _, g := range gates2 {
		close(g)
	}
	wg.Wait()
}

func TestFutureFanOutFindOne(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 100) // string _ids: FerretDB uses its _id index only for strings and ObjectIDs
	users := motor.CollectionOf[rdDoc](e.db, e.coll.Name())
	futures := make([]*motor.Future[rdDoc], 100)
	for i := range futures {
		id := rdID(i)
		futures[i] = motor.Async(e.ctx, e.client, func(ctx context.Context) (rdDoc, error) {
			return users.FindOne(ctx, bson.D{{Key: "_id", Value: id}})
		})
	}
	docs, err := motor.WaitAll(e.ctx, futures...)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		if d.ID != rdID(i) || d.I != i {
			t.Fatalf("future %d found %+v", i, d)
		}
	}
	if n := len(e.commands("find")); n != 100 {
		t.Errorf("%d finds", n)
	}
	// A missing document fails its future alone.
	missing := motor.Async(e.ctx, e.client, func(ctx context.Context) (rdDoc, error) {
		return users.FindOne(ctx, bson.D{{Key: "_id", Value: "nope"}})
	})
	if _, err := motor.WaitAll(e.ctx, futures[0], missing); !errors.Is(err, motor.ErrNoDocuments) {
		t.Errorf("WaitAll with a missing document: %v", err)
	}
}

func TestClientCloseEndsCursorsAndFutures(t *testing.T) {
	testenv.URI(t, testenv.Options{}) // start the server before counting goroutines
	wiretest.LeakCheck(t)
	e := newRdEnv(t, nil)
	e.seed(t, 50)
	capped := e.coll.Name() + "_capped"
	e.run(t, bson.D{{Key: "drop", Value: capped}}, true)
	e.run(t, bson.D{{Key: "create", Value: capped}, {Key: "capped", Value: true}, {Key: "size", Value: 1 << 20}})
	e.run(t, bson.D{{Key: "insert", Value: capped}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: "t0"}}, bson.D{{Key: "_id", Value: "t1"}}}}})

	plain, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	tail, err := e.db.Collection(capped).Find(e.ctx, bson.D{}, motor.FindOptions{CursorType: motor.TailableAwait, BatchSize: 1, MaxAwaitTime: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sync, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 5, Prefetch: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{plain.ID(), tail.ID(), sync.ID()}
	if !plain.Next(e.ctx) || !tail.Next(e.ctx) || !tail.Next(e.ctx) || !sync.Next(e.ctx) {
		t.Fatal("Next failed")
	}
	// tail's prefetch now waits on the server for new data.
	var cause atomic.Value
	blocked := motor.Async(e.ctx, e.client, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		cause.Store(context.Cause(ctx))
		return 0, ctx.Err()
	})
	users := motor.CollectionOf[rdDoc](e.db, e.coll.Name())
	busy := motor.Async(e.ctx, e.client, func(ctx context.Context) (int, error) {
		for n := 0; ; n++ {
			if _, err := users.FindOne(ctx, bson.D{{Key: "_id", Value: rdID(n % 50)}}); err != nil {
				return n, err
			}
		}
	})
	time.Sleep(100 * time.Millisecond)
	e.reset()

	start := time.Now()
	if err := e.client.Close(e.ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	// Every future has ended, with the client's closing as the cause.
	for _, f := range []*motor.Future[int]{blocked, busy} {
		select {
		case <-f.Done():
		default:
			t.Fatal("a future still runs after Close")
		}
	}
	if _, err := blocked.Wait(e.ctx); !errors.Is(err, context.Canceled) || cause.Load() != motor.ErrClientClosed {
		t.Errorf("blocked future: %v, cause %v", err, cause.Load())
	}
	if n, err := busy.Wait(e.ctx); err == nil || n == 0 {
		t.Errorf("busy future: %d finds, %v", n, err)
	}
	// Every open cursor was killed.
	var killed []int64
	for _, k := range e.commands("killCursors") {
		killed = append(killed, k.Lookup("cursors").Array().Index(0).Int64())
	}
	for _, id := range ids {
		found := false
		for _, k := range killed {
			found = found || k == id
		}
		if !found {
			t.Errorf("cursor %d not killed; killed %v", id, killed)
		}
	}
	// The cursors hand out what they hold, then report the closing.
	for _, cur := range []*motor.Cursor[bson.D]{plain, tail, sync} {
		for cur.Next(e.ctx) {
		}
		if !errors.Is(cur.Err(), motor.ErrClientClosed) {
			t.Errorf("Err after Client.Close = %v", cur.Err())
		}
		if cur.ID() != 0 {
			t.Errorf("ID after Client.Close = %d", cur.ID())
		}
	}
	// Nothing new starts.
	late := motor.Async(e.ctx, e.client, func(ctx context.Context) (int, error) { return 1, nil })
	if _, err := late.Wait(e.ctx); !errors.Is(err, motor.ErrClientClosed) {
		t.Errorf("Async after Close: %v", err)
	}
	if _, err := e.coll.Find(e.ctx, bson.D{}); !errors.Is(err, motor.ErrClientClosed) {
		t.Errorf("Find after Close: %v", err)
	}
}
