package motor_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

// BenchmarkCursorPrefetch reads a collection of 5000 documents from the test
// server (FerretDB unless MOTOR_TEST_URI is set) through a cursor in batches
// of 500, with and without prefetching, while the caller works on each
// document: not at all, busy for a fixed time, or waiting now and then.
//
//	go test -run '^$' -bench CursorPrefetch -benchtime 20x .
func BenchmarkCursorPrefetch(b *testing.B) {
	const docs, batch = 5000, 500
	cfg, err := motor.ParseURI(testenv.URI(b, testenv.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	client, err := motor.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close(ctx)
	coll := client.Database("motor_bench").Collection("cursor_prefetch")
	db := client.Database("motor_bench")
	if err := db.RunCommand(ctx, bson.D{{Key: "drop", Value: coll.Name()}}).Err(); err != nil && !strings.Contains(err.Error(), "ns not found") {
		b.Fatal(err)
	}
	pad := strings.Repeat("x", 200)
	for start := 0; start < docs; start += 1000 {
		arr := bson.A{}
		for i := start; i < start+1000; i++ {
			arr = append(arr, bson.D{{Key: "_id", Value: fmt.Sprintf("k%05d", i)}, {Key: "n", Value: int32(i)}, {Key: "pad", Value: pad}})
		}
		if err := db.RunCommand(ctx, bson.D{{Key: "insert", Value: coll.Name()}, {Key: "documents", Value: arr}}).Err(); err != nil {
			b.Fatal(err)
		}
	}
	read := func(b *testing.B, prefetch *bool, w work) time.Duration {
		start := time.Now()
		cur, err := coll.Find(ctx, bson.D{}, motor.FindOptions{BatchSize: batch, Prefetch: prefetch})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for cur.Next(ctx) {
			var d bson.D
			if err := cur.Decode(&d); err != nil {
				b.Fatal(err)
			}
			n++
			w.do(n)
		}
		if cur.Err() != nil || n != docs {
			b.Fatalf("%d documents, %v", n, cur.Err())
		}
		return time.Since(start)
	}
	// Each op reads the collection once with prefetching and once without,
	// in turn, so that both see the same load; the metrics are the median
	// times of each.
	for _, w := range []work{{}, {cpu: 20 * time.Microsecond}, {wait: time.Millisecond, every: 50}} {
		b.Run("work="+w.String(), func(b *testing.B) {
			var with, without []time.Duration
			for b.Loop() {
				with = append(with, read(b, nil, w))
				without = append(without, read(b, new(false), w))
			}
			mw, mo := median(with), median(without)
			b.ReportMetric(float64(mw.Microseconds())/1000, "ms/prefetch")
			b.ReportMetric(float64(mo.Microseconds())/1000, "ms/no-prefetch")
			b.ReportMetric(float64(mo)/float64(mw), "speedup")
		})
	}
}

// work is what the caller does per document: cpu busy time on each, and a
// wait (as for a call to another service) every so many documents.
type work struct {
	cpu   time.Duration
	wait  time.Duration
	every int
}

func (w work) String() string {
	switch {
	case w.cpu > 0:
		return "cpu" + w.cpu.String() + "/doc"
	case w.wait > 0:
		return fmt.Sprintf("wait%v/%ddocs", w.wait, w.every)
	}
	return "none"
}

func (w work) do(n int) {
	spin(w.cpu)
	if w.wait > 0 && n%w.every == 0 {
		time.Sleep(w.wait)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// spin keeps the goroutine busy for d.
func spin(d time.Duration) {
	if d <= 0 {
		return
	}
	for start := time.Now(); time.Since(start) < d; {
	}
}
