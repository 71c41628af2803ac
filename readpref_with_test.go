package motor_test

import (
	"context"
	"testing"
	"time"

	"github.com/motor-go/motor"
)

// TestWithReadPreferenceValidates: the With... copies refuse what Validate
// refuses for the client's read preference.
func TestWithReadPreferenceValidates(t *testing.T) {
	c, err := motor.Connect(context.Background(), "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	db := c.Database("db")
	bad := []motor.ReadPreference{
		{Mode: motor.ReadPrimary, TagSets: []motor.TagSet{{{Name: "dc", Value: "ny"}}}},
		{Mode: motor.ReadPrimary, MaxStaleness: 120 * time.Second},
		{Mode: motor.ReadSecondary, MaxStaleness: -time.Second},
		{Mode: "nearestish"},
	}
	for _, rp := range bad {
		if _, err := db.WithReadPreference(rp); err == nil {
			t.Errorf("Database.WithReadPreference(%+v) accepted", rp)
		}
		if _, err := db.Collection("c").WithReadPreference(rp); err == nil {
			t.Errorf("Collection.WithReadPreference(%+v) accepted", rp)
		}
	}
	if _, err := db.WithReadPreference(motor.ReadPreference{Mode: motor.ReadSecondaryPreferred, TagSets: []motor.TagSet{{{Name: "dc", Value: "ny"}}}}); err != nil {
		t.Errorf("a valid read preference: %v", err)
	}
}
