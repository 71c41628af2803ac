package hellobench

import (
	"context"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

func init() { register(Driver{Name: "motor", Open: openMotor}) }

// motorClient runs hello through Motor's Database.RunCommand.
type motorClient struct {
	c   *motor.Client
	db  *motor.Database
	cmd bson.D
}

// openMotor connects Motor with its defaults.
func openMotor(ctx context.Context, t Target, workers int) (Client, error) {
	c, err := motor.Connect(ctx, t.URI)
	if err != nil {
		return nil, err
	}
	return &motorClient{c: c, db: c.Database("admin"), cmd: bson.D{{Key: "hello", Value: 1}}}, nil
}

func (m *motorClient) Hello(ctx context.Context, _ int) error {
	return m.db.RunCommand(ctx, m.cmd).Err()
}

func (m *motorClient) Close(ctx context.Context) error { return m.c.Close(ctx) }
