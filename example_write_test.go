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

// The examples of the write operations need a server: they are compiled,
// not run.

// Account is the document type of the write examples.
type Account struct {
	ID      bson.ObjectID `bson:"_id,omitempty"`
	Email   string        `bson:"email"`
	Balance int64         `bson:"balance"`
	Tags    []string      `bson:"tags,omitempty"`
}

func writeExampleAccounts() *motor.Collection[Account] {
	client, err := motor.Connect(context.Background(), "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	return motor.CollectionOf[Account](client.Database("bank"), "accounts")
}

func ExampleCollection_InsertOne() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	// The driver generates the ObjectID of a document without one.
	res, err := accounts.InsertOne(ctx, Account{Email: "ada@example.com", Balance: 100})
	if motor.IsDuplicateKeyError(err) {
		fmt.Println("that email is taken") // with a unique index on email
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new account", res.InsertedID.(bson.ObjectID).Hex())
}

func ExampleCollection_InsertMany() {
	ctx := context.Background()
	accounts := writeExampleAccounts()
	batch := []Account{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "a@example.com"}}

	// Unordered: every document is tried, whatever fails before it. Large
	// slices are split into as many commands as the server's limits ask.
	res, err := accounts.InsertMany(ctx, batch, motor.InsertManyOptions{Ordered: new(false)})
	var bwe *motor.BulkWriteException
	if errors.As(err, &bwe) {
		for _, we := range bwe.WriteErrors {
			fmt.Printf("document %d (%s): %s\n", we.Index, batch[we.Index].Email, we.Message)
		}
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.InsertedIDs), "inserted")
}

func ExampleCollection_UpdateOne() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	res, err := accounts.UpdateOne(ctx,
		bson.D{{Key: "email", Value: "ada@example.com"}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: "balance", Value: 25}}},
			{Key: "$addToSet", Value: bson.D{{Key: "tags", Value: "vip"}}},
		},
		motor.UpdateOptions{Upsert: new(true)})
	if err != nil {
		log.Fatal(err)
	}
	if res.UpsertedCount == 1 {
		fmt.Println("created", res.UpsertedID)
	} else {
		fmt.Println(res.MatchedCount, "matched,", res.ModifiedCount, "modified")
	}
}

func ExampleCollection_UpdateMany_pipeline() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	// An aggregation pipeline as the update: each stage sees the document.
	_, err := accounts.UpdateMany(ctx, bson.D{},
		bson.A{bson.D{{Key: "$set", Value: bson.D{{Key: "balance", Value: bson.D{{Key: "$max", Value: bson.A{"$balance", 0}}}}}}}})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleCollection_ReplaceOne() {
	ctx := context.Background()
	accounts := writeExampleAccounts()
	id, _ := bson.ObjectIDFromHex("5f1d7f3e2b1c4a0012345678")

	// A replacement is a whole document, without update operators.
	_, err := accounts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, Account{Email: "new@example.com"})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleCollection_DeleteMany() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	// A nil filter is refused: bson.D{} would delete everything.
	res, err := accounts.DeleteMany(ctx, bson.D{{Key: "balance", Value: 0}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.DeletedCount, "deleted")
}

func ExampleCollection_FindOneAndUpdate() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	// Take 10 from the richest account and see what is left.
	acct, err := accounts.FindOneAndUpdate(ctx,
		bson.D{{Key: "balance", Value: bson.D{{Key: "$gte", Value: 10}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: -10}}}},
		motor.FindOneAndUpdateOptions{
			Sort:           bson.D{{Key: "balance", Value: -1}},
			ReturnDocument: motor.ReturnAfter,
			MaxTime:        2 * time.Second,
		})
	if errors.Is(err, motor.ErrNoDocuments) {
		fmt.Println("nobody can pay")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(acct.Email, "has", acct.Balance, "left")
}

func ExampleCollection_BulkWrite() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	res, err := accounts.BulkWrite(ctx, []motor.WriteModel{
		motor.InsertOneModel[Account]{Document: Account{Email: "c@example.com"}},
		motor.UpdateOneModel{
			Filter: bson.D{{Key: "email", Value: "a@example.com"}},
			Update: bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: 5}}}},
		},
		motor.ReplaceOneModel[Account]{
			Filter:      bson.D{{Key: "email", Value: "b@example.com"}},
			Replacement: Account{Email: "b@example.com", Balance: 1},
			Upsert:      new(true),
		},
		motor.DeleteManyModel{Filter: bson.D{{Key: "tags", Value: "closed"}}},
	})
	var bwe *motor.BulkWriteException
	if errors.As(err, &bwe) {
		// The writes before the failed one were carried out.
		fmt.Println("model", bwe.WriteErrors[0].Index, "failed after", bwe.PartialResult.InsertedCount, "inserts")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.InsertedCount, res.ModifiedCount, res.UpsertedCount, res.DeletedCount)
}

func ExampleCollection_WithWriteConcern() {
	ctx := context.Background()
	accounts := writeExampleAccounts()

	// Fire and forget: the server sends no reply, and the result says so.
	logs := accounts.WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(0)})
	res, err := logs.InsertOne(ctx, Account{Email: "audit@example.com"})
	if err != nil {
		log.Fatal(err) // only a failure to send
	}
	fmt.Println(res.Acknowledged) // false
}

func ExampleClient_BulkWrite() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)

	// One command for writes to several collections (MongoDB 8.0).
	res, err := client.BulkWrite(ctx, []motor.ClientWriteModel{
		{Database: "bank", Collection: "accounts", Model: motor.UpdateOneModel{
			Filter: bson.D{{Key: "email", Value: "a@example.com"}},
			Update: bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: -5}}}},
		}},
		{Database: "bank", Collection: "ledger", Model: motor.InsertOneModel[bson.D]{
			Document: bson.D{{Key: "email", Value: "a@example.com"}, {Key: "amount", Value: -5}},
		}},
	}, motor.ClientBulkWriteOptions{VerboseResults: true})
	var cbe *motor.ClientBulkWriteException
	if errors.As(err, &cbe) {
		for i, we := range cbe.WriteErrors {
			fmt.Println("write", i, "failed:", we.Message)
		}
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ModifiedCount, res.InsertedCount, res.InsertResults[1].InsertedID)
}

func ExampleIsDuplicateKeyError() {
	ctx := context.Background()
	accounts := writeExampleAccounts()
	_, err := accounts.InsertOne(ctx, Account{Email: "ada@example.com"})
	switch {
	case motor.IsDuplicateKeyError(err):
		// errors.Is(err, motor.ErrDuplicateKey) says the same.
		fmt.Println("already there")
	case err != nil:
		log.Fatal(err)
	}
}
