package motor_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// TestErrNilFilter checks that every operation taking a filter refuses a
// nil one with an error that wraps motor.ErrNilFilter and names the
// operation, before sending anything.
func TestErrNilFilter(t *testing.T) {
	f, c := newAdmFake(t, 25, nil)
	coll := c.Database("d").Collection("c")
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}
	doc := bson.D{{Key: "x", Value: 1}}
	ctx := ctxTimeout(t, 20*time.Second)
	client := func(m motor.WriteModel) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.BulkWrite(ctx, []motor.ClientWriteModel{{Database: "d", Collection: "c", Model: m}})
			return err
		}
	}
	bulk := func(m motor.WriteModel) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := coll.BulkWrite(ctx, []motor.WriteModel{m})
			return err
		}
	}
	for _, tc := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"Find", func(ctx context.Context) error { _, err := coll.Find(ctx, nil); return err }},
		{"FindOne", func(ctx context.Context) error { _, err := coll.FindOne(ctx, nil); return err }},
		{"CountDocuments", func(ctx context.Context) error { _, err := coll.CountDocuments(ctx, nil); return err }},
		{"Distinct", func(ctx context.Context) error { _, err := coll.Distinct(ctx, "x", nil); return err }},
		{"DistinctAs", func(ctx context.Context) error { _, err := motor.DistinctAs[int](ctx, coll, "x", nil); return err }},
		{"UpdateOne", func(ctx context.Context) error { _, err := coll.UpdateOne(ctx, nil, set); return err }},
		{"UpdateMany", func(ctx context.Context) error { _, err := coll.UpdateMany(ctx, nil, set); return err }},
		{"ReplaceOne", func(ctx context.Context) error { _, err := coll.ReplaceOne(ctx, nil, doc); return err }},
		{"DeleteOne", func(ctx context.Context) error { _, err := coll.DeleteOne(ctx, nil); return err }},
		{"DeleteOne nil D", func(ctx context.Context) error { _, err := coll.DeleteOne(ctx, bson.D(nil)); return err }},
		{"DeleteMany", func(ctx context.Context) error { _, err := coll.DeleteMany(ctx, nil); return err }},
		{"FindOneAndDelete", func(ctx context.Context) error { _, err := coll.FindOneAndDelete(ctx, nil); return err }},
		{"FindOneAndUpdate", func(ctx context.Context) error { _, err := coll.FindOneAndUpdate(ctx, nil, set); return err }},
		{"FindOneAndReplace", func(ctx context.Context) error { _, err := coll.FindOneAndReplace(ctx, nil, doc); return err }},
		{"BulkWrite UpdateOneModel", bulk(motor.UpdateOneModel{Update: set})},
		{"BulkWrite UpdateManyModel", bulk(motor.UpdateManyModel{Update: set})},
		{"BulkWrite ReplaceOneModel", bulk(motor.ReplaceOneModel[bson.D]{Replacement: doc})},
		{"BulkWrite DeleteOneModel", bulk(motor.DeleteOneModel{})},
		{"BulkWrite DeleteManyModel", bulk(motor.DeleteManyModel{})},
		{"Client.BulkWrite UpdateOneModel", client(motor.UpdateOneModel{Update: set})},
		{"Client.BulkWrite UpdateManyModel", client(motor.UpdateManyModel{Update: set})},
		{"Client.BulkWrite ReplaceOneModel", client(motor.ReplaceOneModel[bson.D]{Replacement: doc})},
		{"Client.BulkWrite DeleteOneModel", client(motor.DeleteOneModel{})},
		{"Client.BulkWrite DeleteManyModel", client(motor.DeleteManyModel{})},
		{"ListCollections", func(ctx context.Context) error { _, err := c.Database("d").ListCollections(ctx, nil); return err }},
		{"ListCollectionNames", func(ctx context.Context) error { _, err := c.Database("d").ListCollectionNames(ctx, nil); return err }},
		{"ListDatabases", func(ctx context.Context) error { _, err := c.ListDatabases(ctx, nil); return err }},
		{"ListDatabaseNames", func(ctx context.Context) error { _, err := c.ListDatabaseNames(ctx, nil); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(ctx)
			if !errors.Is(err, motor.ErrNilFilter) {
				t.Fatalf("err = %v, want ErrNilFilter", err)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if !strings.HasPrefix(err.Error(), "motor: ") || strings.Count(err.Error(), "motor: ") != 1 {
				t.Errorf("err = %q: want one error naming the operation", err)
			}
			if cmds := f.commands(); len(cmds) != 0 {
				t.Errorf("sent %v", cmds)
			}
		})
	}
}
