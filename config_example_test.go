package motor_test

import (
	"context"
	"fmt"
	"net"
	"time"

	motor "github.com/motor-go/motor"
)

func ExampleParseURI() {
	cfg, err := motor.ParseURI("mongodb://app:s3cret@db1.example.com,db2.example.com:27018/inventory" +
		"?replicaSet=rs0&w=majority&serverSelectionTimeoutMS=5000")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Hosts, cfg.ReplicaSet, cfg.Database)
	fmt.Println(cfg.Auth.Username, cfg.Auth.Source, cfg.ServerSelectionTimeout)
	fmt.Println(cfg.WriteConcern.W)

	// Fields set after parsing win over the connection string.
	cfg.AppName = "inventory-service"
	cfg.Timeout = new(2 * time.Second)
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg)
	// Output:
	// [db1.example.com:27017 db2.example.com:27018] rs0 inventory
	// app inventory 5s
	// majority
	// mongodb://app:REDACTED@db1.example.com:27017,db2.example.com:27018/inventory?appName=inventory-service&replicaSet=rs0&serverSelectionTimeoutMS=5000&timeoutMS=2000&w=majority
}

func ExampleParseURI_invalidValue() {
	_, err := motor.ParseURI("mongodb://localhost/?maxPoolSize=lots")
	fmt.Println(err)
	// Output:
	// motor: invalid connection string: maxPoolSize: invalid value "lots": must be an integer
}

// staticResolver serves fixed records, as a test or a custom DNS setup might.
type staticResolver struct{}

func (staticResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	return "", []*net.SRV{
		{Target: "shard-00.example.net.", Port: 27017},
		{Target: "shard-01.example.net.", Port: 27017},
	}, nil
}

func (staticResolver) LookupTXT(context.Context, string) ([]string, error) {
	return []string{"authSource=admin&replicaSet=atlas-rs"}, nil
}

func ExampleParseURIWith() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := motor.ParseURIWith(ctx, "mongodb+srv://user:pw@cluster0.example.net/app?retryWrites=true&unknownOption=1",
		motor.ParseOptions{
			Resolver: staticResolver{},
			Warn:     func(msg string) { fmt.Println("warning:", msg) },
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Hosts)
	fmt.Println(cfg.ReplicaSet, cfg.Auth.Source, cfg.TLSConfig != nil)
	// Output:
	// warning: motor: connection string: unknown option "unknownOption" ignored
	// [shard-00.example.net:27017 shard-01.example.net:27017]
	// atlas-rs admin true
}

func ExampleParseOptions_lenient() {
	cfg, err := motor.ParseURIWith(context.Background(), "mongodb://localhost/?connectTimeoutMS=soon",
		motor.ParseOptions{Lenient: true, Warn: func(msg string) { fmt.Println(msg) }})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.ConnectTimeout)
	// Output:
	// motor: connection string: connectTimeoutMS: invalid value "soon": must be an integer; option ignored
	// 10s
}
