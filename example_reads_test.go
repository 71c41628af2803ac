package motor_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The examples of the read operations, cursors and futures need a server:
// they compile but do not run (crud_*_test.go runs the same code).

type exampleUser struct {
	ID   string `bson:"_id"`
	Name string `bson:"name"`
	Age  int    `bson:"age"`
}

// Fan out 100 FindOne calls at once and wait for all of them.
func ExampleAsync() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	users := motor.CollectionOf[exampleUser](client.Database("app"), "users")

	futures := make([]*motor.Future[exampleUser], 100)
	for i := range futures {
		id := fmt.Sprintf("user-%03d", i)
		futures[i] = motor.Async(ctx, client, func(ctx context.Context) (exampleUser, error) {
			return users.FindOne(ctx, bson.D{{Key: "_id", Value: id}})
		})
	}
	found, err := motor.WaitAll(ctx, futures...)
	if err != nil {
		// Every failed FindOne is in err, with its index: errors.Is(err,
		// motor.ErrNoDocuments) tells whether one found nothing.
		log.Print(err)
	}
	for _, u := range found {
		fmt.Println(u.Name)
	}
}

// Take the answer of whichever replica of the data answers first.
func ExampleFirst() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	lookup := func(coll string) *motor.Future[exampleUser] {
		c := motor.CollectionOf[exampleUser](client.Database("app"), coll)
		return motor.Async(ctx, client, func(ctx context.Context) (exampleUser, error) {
			return c.FindOne(ctx, bson.D{{Key: "name", Value: "ada"}})
		})
	}
	wait, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	i, u, err := motor.First(wait, lookup("users_eu"), lookup("users_us"))
	fmt.Println(i, u.Age, err)
}

func ExampleCollection_Find() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	users := motor.CollectionOf[exampleUser](client.Database("app"), "users")

	cur, err := users.Find(ctx, bson.D{{Key: "age", Value: bson.D{{Key: "$gte", Value: 18}}}},
		motor.FindOptions{Sort: bson.D{{Key: "age", Value: -1}}, Limit: 50, BatchSize: 10})
	if err != nil {
		log.Fatal(err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var u exampleUser
		if err := cur.Decode(&u); err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.Name, u.Age)
	}
	if err := cur.Err(); err != nil {
		log.Fatal(err)
	}
}

func ExampleCursor_All() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	orders := client.Database("shop").Collection("orders")

	cur, err := orders.Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "status", Value: "paid"}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$customer"}, {Key: "total", Value: bson.D{{Key: "$sum", Value: "$amount"}}}}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The loop closes the cursor when it ends, even on break.
	for doc, err := range cur.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(doc)
	}
}

func ExampleDistinctAs() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	users := motor.CollectionOf[exampleUser](client.Database("app"), "users")

	names, err := motor.DistinctAs[string](ctx, users, "name", bson.D{{Key: "age", Value: bson.D{{Key: "$lt", Value: 30}}}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(names)
}
