package motor_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The examples of index and collection management need a server: they are
// compiled, not run (ExampleIndexName runs).

func adminExampleClient() *motor.Client {
	client, err := motor.Connect(context.Background(), "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	return client
}

func ExampleIndexView_CreateOne() {
	ctx := context.Background()
	users := adminExampleClient().Database("app").Collection("users")

	name, err := users.Indexes().CreateOne(ctx, motor.IndexModel{
		Keys:    bson.D{{Key: "email", Value: 1}},
		Options: motor.IndexOptions{Unique: new(true)},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(name) // email_1

	// A later insert of the same email fails with a duplicate key error.
	_, err = users.Indexes().CreateOne(ctx, motor.IndexModel{
		Keys: bson.D{{Key: "lastSeen", Value: 1}},
		Options: motor.IndexOptions{
			Name:               "expire_idle",
			ExpireAfterSeconds: new(int32(30 * 24 * 3600)),
		},
	}, motor.CreateIndexesOptions{MaxTime: 10 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleIndexView_CreateMany() {
	ctx := context.Background()
	posts := adminExampleClient().Database("blog").Collection("posts")
	names, err := posts.Indexes().CreateMany(ctx, []motor.IndexModel{
		{Keys: bson.D{{Key: "author", Value: 1}, {Key: "published", Value: -1}}},
		{
			Keys:    bson.D{{Key: "title", Value: "text"}, {Key: "body", Value: "text"}},
			Options: motor.IndexOptions{Weights: bson.D{{Key: "title", Value: 10}}, DefaultLanguage: "english"},
		},
		{
			Keys:    bson.D{{Key: "slug", Value: 1}},
			Options: motor.IndexOptions{Unique: new(true), PartialFilterExpression: bson.D{{Key: "draft", Value: false}}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(names) // [author_1_published_-1 title_text_body_text slug_1]
}

func ExampleIndexView_List() {
	ctx := context.Background()
	users := adminExampleClient().Database("app").Collection("users")
	specs, err := users.Indexes().List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range specs {
		unique := s.Options.Unique != nil && *s.Options.Unique
		fmt.Println(s.Name, s.Keys, unique)
	}
	if err := users.Indexes().DropOne(ctx, "email_1"); err != nil {
		log.Fatal(err)
	}
}

func ExampleIndexName() {
	name, err := motor.IndexName(bson.D{{Key: "name", Value: 1}, {Key: "dob", Value: -1}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(name)
	// Output: name_1_dob_-1
}

func ExampleDatabase_CreateCollection() {
	ctx := context.Background()
	db := adminExampleClient().Database("metrics")

	// A capped collection of at most 1 MiB and 1000 documents.
	err := db.CreateCollection(ctx, "recent", motor.CreateCollectionOptions{Capped: true, Size: 1 << 20, Max: 1000})
	var se *motor.ServerError
	if errors.As(err, &se) && se.Code == 48 {
		fmt.Println("already there")
	} else if err != nil {
		log.Fatal(err)
	}

	// A time-series collection whose measurements expire after a week.
	week := int64(7 * 24 * 3600)
	err = db.CreateCollection(ctx, "cpu", motor.CreateCollectionOptions{
		TimeSeries:         &motor.TimeSeriesOptions{TimeField: "at", MetaField: "host", Granularity: "seconds"},
		ExpireAfterSeconds: &week,
	})
	if err != nil {
		log.Fatal(err)
	}

	// A collection that checks its documents.
	err = db.CreateCollection(ctx, "hosts", motor.CreateCollectionOptions{
		Validator: bson.D{{Key: "$jsonSchema", Value: bson.D{
			{Key: "required", Value: bson.A{"name"}},
		}}},
		ValidationAction: "error",
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleDatabase_CreateView() {
	ctx := context.Background()
	db := adminExampleClient().Database("app")
	adults := []bson.D{{{Key: "$match", Value: bson.D{{Key: "age", Value: bson.D{{Key: "$gte", Value: 18}}}}}}}
	if err := db.CreateView(ctx, "adults", "users", adults); err != nil {
		log.Fatal(err)
	}
}

func ExampleDatabase_ListCollections() {
	ctx := context.Background()
	db := adminExampleClient().Database("app")
	capped, err := db.ListCollections(ctx, bson.D{{Key: "options.capped", Value: true}})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range capped {
		fmt.Println(c.Name, c.Options.Size, c.Options.Max)
	}
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(names)
}

func ExampleCollection_Rename() {
	ctx := context.Background()
	db := adminExampleClient().Database("app")
	err := db.Collection("events_new").Rename(ctx, "events", motor.RenameCollectionOptions{DropTarget: true})
	if err != nil {
		log.Fatal(err)
	}
	// Dropping is idempotent: a missing collection is no error.
	if err := db.Collection("events_old").Drop(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ListDatabaseNames() {
	ctx := context.Background()
	client := adminExampleClient()
	names, err := client.ListDatabaseNames(ctx, bson.D{{Key: "name", Value: bson.D{{Key: "$regex", Value: "^tenant_"}}}})
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range names {
		if err := client.Database(n).Drop(ctx); err != nil {
			log.Fatal(err)
		}
	}
	res, err := client.ListDatabases(ctx, bson.D{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Databases), res.TotalSize)
}
