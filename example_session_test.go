package motor_test

import (
	"context"
	"fmt"
	"log"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The session examples need a server: they compile but do not run
// (session_test.go runs the same code).

// Read your own writes in a causally consistent session: every operation
// given the session's context sees what the earlier ones did, even on a
// secondary.
func ExampleWithSession() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017/?replicaSet=rs0")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)

	sess, err := client.StartSession()
	if err != nil {
		log.Fatal(err)
	}
	defer sess.EndSession(ctx)
	sctx := motor.WithSession(ctx, sess)

	users := motor.CollectionOf[exampleUser](client.Database("app"), "users")
	if _, err := users.InsertOne(sctx, exampleUser{ID: "ada", Name: "Ada", Age: 36}); err != nil {
		log.Fatal(err)
	}
	secondary, err := users.WithReadPreference(motor.ReadPreference{Mode: motor.ReadSecondaryPreferred})
	if err != nil {
		log.Fatal(err)
	}
	u, err := secondary.FindOne(sctx, bson.D{{Key: "_id", Value: "ada"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name)
}

// Read several collections as of one point in time with a snapshot
// session (MongoDB 5.0 or later).
func ExampleClient_StartSession_snapshot() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017/?replicaSet=rs0")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)

	sess, err := client.StartSession(motor.SessionOptions{Snapshot: true})
	if err != nil {
		log.Fatal(err)
	}
	defer sess.EndSession(ctx)
	sctx := motor.WithSession(ctx, sess)

	db := client.Database("app")
	orders, err := db.Collection("orders").CountDocuments(sctx, bson.D{})
	if err != nil {
		log.Fatal(err)
	}
	users, err := db.Collection("users").CountDocuments(sctx, bson.D{})
	if err != nil {
		log.Fatal(err)
	}
	at, _ := sess.SnapshotTime()
	fmt.Println(orders, users, at)
}
