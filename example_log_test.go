package motor_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	motor "github.com/motor-go/motor"
)

// Log the commands and the server selections of a client as JSON on
// standard error. Each message carries the specification's text ("Command
// started", "Server selection succeeded"...) and its fields as attributes,
// with a "component" attribute.
func ExampleConfig_logging() {
	cfg, err := motor.ParseURI("mongodb://localhost:27017")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: motor.LevelTrace}))
	cfg.LogLevels = motor.LogLevels{
		Command:         motor.LogDebug,
		ServerSelection: motor.LogDebug,
		Topology:        motor.LogOff, // whatever MONGODB_LOG_TOPOLOGY says
		// Connection is unset: MONGODB_LOG_CONNECTION or MONGODB_LOG_ALL
		// decide; without them the handler does.
	}
	cfg.MaxDocumentLength = 500 // extended JSON of commands and replies, in bytes
	client, err := motor.ConnectConfig(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close(context.Background())
	_ = client.Ping(context.Background())
}

// Levels set in code win over the MONGODB_LOG_* environment variables. An
// application that wants the environment to override its own defaults
// reads the variable itself and sets the level only when the variable
// does not parse.
func ExampleParseLogLevel() {
	cfg, err := motor.ParseURI("mongodb://localhost:27017")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.LogLevels.Command = motor.LogInfo // the application's default
	if l, ok := motor.ParseLogLevel(os.Getenv("MYAPP_MONGODB_LOG_COMMAND")); ok {
		cfg.LogLevels.Command = l // the environment wins
	}

	for _, s := range []string{"debug", "WARN", "trace", "loud"} {
		l, ok := motor.ParseLogLevel(s)
		if !ok {
			fmt.Printf("%q is not a level\n", s)
			continue
		}
		fmt.Println(s, "is", l, "at slog level", l.SlogLevel())
	}
	// Output:
	// debug is debug at slog level DEBUG
	// WARN is warn at slog level WARN
	// trace is trace at slog level DEBUG-4
	// "loud" is not a level
}
