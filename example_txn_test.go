package motor_test

import (
	"context"
	"log"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The transaction examples need a replica set or a sharded cluster: they
// compile but do not run (the scripted tests run the same calls).

// Move money between two accounts in one transaction. WithTransaction
// retries the whole function on a transient error, so it must be safe to
// run more than once, and must return the errors of its operations.
func ExampleSession_WithTransaction() {
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

	accounts := client.Database("bank").Collection("accounts")
	err = sess.WithTransaction(ctx, func(ctx context.Context) error {
		// ctx carries the session: these operations run in the transaction.
		if _, err := accounts.UpdateOne(ctx, bson.D{{Key: "_id", Value: "alice"}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: -100}}}}); err != nil {
			return err
		}
		_, err := accounts.UpdateOne(ctx, bson.D{{Key: "_id", Value: "bob"}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: 100}}}})
		return err
	}, motor.TransactionOptions{
		ReadConcern:  &motor.ReadConcern{Level: motor.ReadConcernSnapshot},
		WriteConcern: &motor.WriteConcern{W: motor.WMajority()},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Run a transaction by hand: start it, run operations with the session,
// then commit, retrying the commit while its outcome is unknown.
func ExampleSession_StartTransaction() {
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
	defer sess.EndSession(ctx) // aborts the transaction if still open

	if err := sess.StartTransaction(); err != nil {
		log.Fatal(err)
	}
	sctx := motor.WithSession(ctx, sess)
	if _, err := client.Database("shop").Collection("orders").InsertOne(sctx, bson.D{{Key: "item", Value: "book"}}); err != nil {
		log.Fatal(err)
	}
	for {
		err := sess.CommitTransaction(ctx)
		if err == nil || !motor.HasErrorLabel(err, motor.LabelUnknownTransactionCommitResult) {
			if err != nil {
				log.Fatal(err)
			}
			break
		}
	}
}
