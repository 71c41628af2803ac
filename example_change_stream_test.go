package motor_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The change stream examples need a replica set: they compile but do not
// run (change_stream_scripted_test.go runs the same calls).

// Watch the inserts into a collection, typed, and keep the resume token to
// start again where the stream stopped.
func ExampleCollection_Watch() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017/?replicaSet=rs0")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	users := motor.CollectionOf[exampleUser](client.Database("app"), "users")

	var saved bson.Raw // a token stored by an earlier run, or nil
	opts := motor.ChangeStreamOptions{FullDocument: "updateLookup", MaxAwaitTime: time.Second}
	if saved != nil {
		opts.ResumeAfter = saved
	}
	cs, err := users.Watch(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "operationType", Value: "insert"}}}},
	}, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close(ctx)
	for {
		// TryNext returns after each getMore, so that the token is
		// current even when nothing changes.
		if cs.TryNext(ctx) {
			var ev motor.ChangeEvent[exampleUser]
			if err := cs.Decode(&ev); err != nil {
				log.Fatal(err)
			}
			fmt.Println("new user:", ev.FullDocument.Name)
		} else if err := cs.Err(); err != nil {
			log.Fatal(err)
		} else if cs.ID() == 0 {
			break // the stream ended (the collection was dropped)
		}
		saved = cs.ResumeToken()
	}
}

// Watch a whole cluster with a range loop.
func ExampleClient_Watch() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017/?replicaSet=rs0")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	cs, err := client.Watch(ctx, bson.A{})
	if err != nil {
		log.Fatal(err)
	}
	for ev, err := range cs.All(ctx) { // closes the stream when the loop ends
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Lookup("operationType").StringValue(), ev.Lookup("ns", "coll").StringValue())
	}
}
