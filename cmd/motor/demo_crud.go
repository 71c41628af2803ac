package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// cleanupTimeout bounds the demo's cleanup (dropping its database), which
// runs even when the demo's context has ended.
const cleanupTimeout = 10 * time.Second

// Person is the type of the documents of the demo's collection.
type Person struct {
	ID    bson.ObjectID `bson:"_id,omitempty"`
	Name  string        `bson:"name"`
	Born  int           `bson:"born"`
	Field string        `bson:"field"`
}

// demoPeople are the documents the demo inserts. They have no _id: the
// driver generates one for each.
var demoPeople = []Person{
	{Name: "Ada Lovelace", Born: 1815, Field: "mathematics"},
	{Name: "Grace Hopper", Born: 1906, Field: "compilers"},
	{Name: "Alan Turing", Born: 1912, Field: "computability"},
}

// documents works with a typed collection, people, in a database of its own
// named motor_demo_ and eight random hexadecimal digits, so that it never
// meets existing data: it inserts, finds, counts, updates and reads back
// documents, creates a unique index and breaks it, and drops the database.
func (d *demo) documents(ctx context.Context, client *motor.Client) (err error) {
	db := client.Database("motor_demo_" + randomHex(4))
	fmt.Fprintf(d.out, "\nThe demo works in the database %s, which it drops at the end.\n", db.Name())

	d.stepf(`people := motor.CollectionOf[Person](client.Database(%q), "people")`, db.Name())
	people := motor.CollectionOf[Person](db, "people")
	d.detailf("a typed handle: reads decode into Person, writes take Person; nothing is sent yet")
	d.detailf("type Person struct { ID bson.ObjectID `bson:\"_id,omitempty\"`; Name string `bson:\"name\"`; Born int `bson:\"born\"`; Field string `bson:\"field\"` }")

	// From the first write on, the database may exist: drop it whatever
	// happens next.
	defer func() { err = errors.Join(err, d.drop(ctx, db)) }()

	d.stepf("people.InsertMany(ctx, []Person{...})")
	for _, p := range demoPeople {
		d.detailf("%s", extJSON(p))
	}
	res, err := people.InsertMany(ctx, demoPeople)
	if err != nil {
		return err
	}
	ids := make([]string, len(res.InsertedIDs))
	for i, id := range res.InsertedIDs {
		ids[i] = fmt.Sprint(id)
	}
	d.detailf("inserted %d documents; the driver generated their _id values: %s", len(res.InsertedIDs), strings.Join(ids, ", "))

	d.stepf(`people.Find(ctx, bson.D{{Key: "born", Value: bson.D{{Key: "$lt", Value: 1910}}}}, motor.FindOptions{Sort: bson.D{{Key: "born", Value: 1}}})`)
	cur, err := people.Find(ctx,
		bson.D{{Key: "born", Value: bson.D{{Key: "$lt", Value: 1910}}}},
		motor.FindOptions{Sort: bson.D{{Key: "born", Value: 1}}})
	if err != nil {
		return err
	}
	d.detailf("for p, err := range cur.All(ctx):")
	found := 0
	for p, err := range cur.All(ctx) {
		if err != nil {
			return err
		}
		d.detailf("  %s", extJSON(p))
		found++
	}
	d.detailf("%d people born before 1910, oldest first; the loop closed the cursor", found)

	d.stepf("people.CountDocuments(ctx, bson.D{})")
	n, err := people.CountDocuments(ctx, bson.D{})
	if err != nil {
		return err
	}
	d.detailf("%d documents in the collection", n)

	d.stepf(`people.UpdateOne(ctx, bson.D{{Key: "name", Value: "Alan Turing"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "field", Value: "computer science"}}}})`)
	upd, err := people.UpdateOne(ctx,
		bson.D{{Key: "name", Value: "Alan Turing"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "field", Value: "computer science"}}}})
	if err != nil {
		return err
	}
	d.detailf("matched %d, modified %d", upd.MatchedCount, upd.ModifiedCount)

	d.stepf(`p, err := people.FindOne(ctx, bson.D{{Key: "name", Value: "Alan Turing"}})`)
	p, err := people.FindOne(ctx, bson.D{{Key: "name", Value: "Alan Turing"}})
	if err != nil {
		return err
	}
	d.detailf("%s", extJSON(p))
	d.detailf("p.Field == %q", p.Field)

	return d.uniqueIndex(ctx, people)
}

// uniqueIndex creates a unique index on people's names and shows the error
// of an insert that breaks it.
func (d *demo) uniqueIndex(ctx context.Context, people *motor.Collection[Person]) error {
	d.stepf(`people.Indexes().CreateOne(ctx, motor.IndexModel{Keys: bson.D{{Key: "name", Value: 1}}, Options: motor.IndexOptions{Unique: new(true)}})`)
	name, err := people.Indexes().CreateOne(ctx, motor.IndexModel{
		Keys:    bson.D{{Key: "name", Value: 1}},
		Options: motor.IndexOptions{Unique: new(true)},
	})
	if err != nil {
		return err
	}
	d.detailf("created the unique index %q", name)

	dup := Person{Name: "Ada Lovelace", Born: 1815, Field: "poetry"}
	d.stepf(`people.InsertOne(ctx, Person{Name: %q, Born: %d, Field: %q})`, dup.Name, dup.Born, dup.Field)
	_, err = people.InsertOne(ctx, dup)
	if err == nil {
		return errors.New("the server accepted a second document with the name Ada Lovelace despite the unique index")
	}
	if !errors.Is(err, motor.ErrDuplicateKey) {
		return fmt.Errorf("the duplicate insert failed otherwise than with a duplicate key error: %w", err)
	}
	d.detailf("err: %v", err)
	d.detailf("errors.Is(err, motor.ErrDuplicateKey) == true")
	return nil
}

// drop drops the demo's database, with a context of its own so that it runs
// after the demo's context ended too.
func (d *demo) drop(ctx context.Context, db *motor.Database) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	d.stepf("client.Database(%q).Drop(ctx)", db.Name())
	if err := db.Drop(ctx); err != nil {
		return fmt.Errorf("dropping the demo database %s: %w", db.Name(), err)
	}
	d.detailf("dropped the database %s and its collection", db.Name())
	return nil
}

// extJSON returns v as relaxed Extended JSON, or says why it cannot.
func extJSON(v any) string {
	b, err := bson.MarshalExtJSON(v, false)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}
