package bson_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
)

type User struct {
	ID      bson.ObjectID `bson:"_id,omitempty"`
	Name    string        `bson:"name"`
	Age     int           `bson:"age"`
	Emails  []string      `bson:"emails,omitempty"`
	Created time.Time     `bson:"created"`
}

func Example() {
	u := User{Name: "Ada", Age: 36, Created: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	data, err := bson.Marshal(&u)
	if err != nil {
		panic(err)
	}
	var back User
	if err := bson.Unmarshal(data, &back); err != nil {
		panic(err)
	}
	fmt.Println(back.Name, back.Age, back.Created.Format(time.RFC3339))
	// Output: Ada 36 2024-01-02T03:04:05Z
}

func ExampleMarshalAppend() {
	buf := make([]byte, 0, 1024)
	for i := range 3 {
		var err error
		// Each document reuses the buffer: no allocation once it is large enough.
		buf, err = bson.MarshalAppend(buf[:0], bson.D{{Key: "n", Value: i}})
		if err != nil {
			panic(err)
		}
		fmt.Println(len(buf), bson.Raw(buf).Lookup("n").Int32())
	}
	// Output:
	// 12 0
	// 12 1
	// 12 2
}

func ExampleRaw_Lookup() {
	data, _ := bson.Marshal(bson.D{
		{Key: "user", Value: bson.D{{Key: "name", Value: "Ada"}, {Key: "langs", Value: bson.A{"en", "fr"}}}},
	})
	raw := bson.Raw(data)
	fmt.Println(raw.Lookup("user", "name").StringValue())
	fmt.Println(raw.Lookup("user", "langs", "1").StringValue())
	fmt.Println(raw.Lookup("user", "missing").IsZero())
	// Output:
	// Ada
	// fr
	// true
}

func ExampleRaw_Elements() {
	data, _ := bson.Marshal(bson.D{{Key: "a", Value: 1}, {Key: "b", Value: "two"}})
	for key, value := range bson.Raw(data).Elements() {
		fmt.Println(key, value.Type)
	}
	// Output:
	// a int
	// b string
}

func ExampleRaw_Validate() {
	err := bson.Raw([]byte{10, 0, 0, 0, 0x08, 'b', 0, 2, 0, 0}).Validate()
	var de *bson.DecodeError
	fmt.Println(errors.As(err, &de), de.Offset)
	fmt.Println(err)
	// Output:
	// true 7
	// bson: malformed document at offset 7: boolean value is neither 0 nor 1
}

func ExampleUnmarshalOptions() {
	data, _ := bson.Marshal(bson.D{{Key: "doc", Value: bson.D{{Key: "x", Value: 1}}}})
	var v map[string]any
	if err := (bson.UnmarshalOptions{DefaultDocumentM: true}).Unmarshal(data, &v); err != nil {
		panic(err)
	}
	fmt.Printf("%T\n", v["doc"])
	// Output: bson.M
}

func ExampleRegister() {
	type Celsius float64
	reg := bson.NewRegistry()
	bson.Register(reg, bson.TypeCodec[Celsius]{
		Encode: func(dst []byte, c Celsius) ([]byte, bson.Type, error) {
			// Store tenths of a degree as an int32.
			_, b, err := bson.MarshalValue(int32(c * 10))
			return append(dst, b...), bson.TypeInt32, err
		},
	})
	data, _ := bson.MarshalOptions{Registry: reg}.Marshal(bson.D{{Key: "t", Value: Celsius(21.5)}})
	fmt.Println(bson.Raw(data).Lookup("t").Int32())
	// Output: 215
}

func ExampleObjectIDFromHex() {
	id, err := bson.ObjectIDFromHex("65a1b2c3d4e5f60718293a4b")
	if err != nil {
		panic(err)
	}
	fmt.Println(id.Hex(), id.Timestamp().Format(time.DateOnly))
	// Output: 65a1b2c3d4e5f60718293a4b 2024-01-12
}

func ExampleNewFloat32Vector() {
	v := bson.NewFloat32Vector([]float32{0.5, -1})
	data, _ := bson.Marshal(bson.D{{Key: "embedding", Value: v}})
	var out struct {
		Embedding bson.Vector `bson:"embedding"`
	}
	_ = bson.Unmarshal(data, &out)
	f, _ := out.Embedding.Float32s()
	fmt.Println(out.Embedding.DType(), f)
	// Output: FLOAT32 [0.5 -1]
}
