package motor_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The examples of RunCursorCommand, the search index helpers and
// ModifyCollection need a server: they are compiled, not run
// (command_cursor_test.go and admin_cursorcmd_*_test.go run the same
// calls).

// Run a command that returns a cursor, here listCollections, and read its
// batches through the driver's getMores.
func ExampleDatabase_RunCursorCommand() {
	ctx := context.Background()
	db := adminExampleClient().Database("app")

	cur, err := db.RunCursorCommand(ctx, bson.D{
		{Key: "listCollections", Value: 1},
		{Key: "nameOnly", Value: true},
		{Key: "cursor", Value: bson.D{{Key: "batchSize", Value: 10}}}, // the first batch
	}, motor.RunCursorCommandOptions{BatchSize: 50}) // each getMore
	if err != nil {
		log.Fatal(err)
	}
	for doc, err := range cur.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(doc.Lookup("name").StringValue())
	}
}

// Tail a capped collection: the command asks for a tailable awaitData
// cursor, and the options say so to the driver.
func ExampleDatabase_RunCursorCommand_tailable() {
	ctx := context.Background()
	db := adminExampleClient().Database("app")

	cur, err := db.RunCursorCommand(ctx, bson.D{
		{Key: "find", Value: "log"},
		{Key: "tailable", Value: true},
		{Key: "awaitData", Value: true},
	}, motor.RunCursorCommandOptions{CursorType: motor.TailableAwait, MaxAwaitTime: 2 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) { // waits for new entries until ctx ends
		fmt.Println(cur.Current)
	}
	if err := cur.Err(); err != nil {
		log.Fatal(err)
	}
}

// Create an Atlas Search index and wait until it can be queried.
func ExampleSearchIndexView_CreateOne() {
	ctx := context.Background()
	movies := adminExampleClient().Database("app").Collection("movies")

	name, err := movies.SearchIndexes().CreateOne(ctx, motor.SearchIndexModel{
		Name:       "plots",
		Definition: bson.D{{Key: "mappings", Value: bson.D{{Key: "dynamic", Value: true}}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for {
		cur, err := movies.SearchIndexes().List(ctx, motor.ListSearchIndexesOptions{Name: name})
		if err != nil {
			log.Fatal(err)
		}
		docs, err := cur.ToSlice(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if len(docs) == 1 && docs[0].Lookup("queryable").Boolean() {
			break
		}
		time.Sleep(time.Second)
	}
	fmt.Println(name, "is ready")
}

// Add a validator to an existing collection, and hide an index from the
// query planner.
func ExampleDatabase_ModifyCollection() {
	ctx := context.Background()
	db := adminExampleClient().Database("app")

	err := db.ModifyCollection(ctx, "users", motor.ModifyCollectionOptions{
		Validator:       bson.D{{Key: "email", Value: bson.D{{Key: "$type", Value: "string"}}}},
		ValidationLevel: "moderate",
	})
	if err != nil {
		log.Fatal(err)
	}
	err = db.ModifyCollection(ctx, "users", motor.ModifyCollectionOptions{
		Index: &motor.IndexModification{Name: "lastSeen_1", Hidden: new(true)},
	})
	if err != nil {
		log.Fatal(err)
	}
}
