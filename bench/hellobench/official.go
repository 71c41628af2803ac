package hellobench

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func init() { register(Driver{Name: "official", Open: openOfficial}) }

// officialClient runs hello through the official driver's
// Database.RunCommand.
type officialClient struct {
	c   *mongo.Client
	db  *mongo.Database
	cmd bson.D
}

// openOfficial connects the official driver with its defaults (a pool of
// up to 100 connections, enough for 64 workers).
func openOfficial(ctx context.Context, t Target, workers int) (Client, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(t.URI))
	if err != nil {
		return nil, err
	}
	return &officialClient{c: c, db: c.Database("admin"), cmd: bson.D{{Key: "hello", Value: 1}}}, nil
}

func (o *officialClient) Hello(ctx context.Context, _ int) error {
	return o.db.RunCommand(ctx, o.cmd).Err()
}

func (o *officialClient) Close(ctx context.Context) error { return o.c.Disconnect(ctx) }
