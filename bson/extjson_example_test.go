package bson_test

import (
	"fmt"

	"github.com/motor-go/motor/bson"
)

func ExampleMarshalExtJSON() {
	doc := bson.D{
		{Key: "n", Value: int32(1)},
		{Key: "x", Value: 2.5},
		{Key: "t", Value: bson.DateTime(1356351330501)},
	}
	canonical, _ := bson.MarshalExtJSON(doc, true)
	relaxed, _ := bson.MarshalExtJSON(doc, false)
	fmt.Println(string(canonical))
	fmt.Println(string(relaxed))
	// Output:
	// {"n":{"$numberInt":"1"},"x":{"$numberDouble":"2.5"},"t":{"$date":{"$numberLong":"1356351330501"}}}
	// {"n":1,"x":2.5,"t":{"$date":"2012-12-24T12:15:30.501Z"}}
}

func ExampleUnmarshalExtJSON() {
	var doc struct {
		ID   bson.ObjectID `bson:"_id"`
		Size int64         `bson:"size"`
	}
	err := bson.UnmarshalExtJSON([]byte(`{"_id": {"$oid": "57e193d7a9cc81b4027498b5"}, "size": {"$numberLong": "42"}}`), &doc)
	fmt.Println(doc.ID.Hex(), doc.Size, err)

	var raw bson.Raw
	err = bson.UnmarshalExtJSON([]byte(`{"a": {"$binary": {"base64": "AQI=", "subType": "80"}}, "b": [1, 2.0]}`), &raw)
	fmt.Println(raw, err)
	// Output:
	// 57e193d7a9cc81b4027498b5 42 <nil>
	// {"a":{"$binary":{"base64":"AQI=","subType":"80"}},"b":[1,2.0]} <nil>
}

func ExampleD_String() {
	fmt.Println(bson.D{{Key: "name", Value: "Ada"}, {Key: "tags", Value: bson.A{"math", int64(7)}}})
	// Output: {"name":"Ada","tags":["math",7]}
}
