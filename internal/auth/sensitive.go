package auth

import (
	"errors"
	"strings"

	"github.com/motor-go/motor/bson"
)

// sensitiveCommands are the commands whose bodies and replies carry
// credentials, as the command logging and monitoring spec lists them.
var sensitiveCommands = []string{
	"authenticate", "saslStart", "saslContinue", "getnonce", "createUser",
	"updateUser", "copydbgetnonce", "copydbsaslstart", "copydb",
}

// IsSensitive reports whether the command named name, with the body cmd,
// may carry credentials or authentication payloads, so that command
// monitoring and logging must show an empty document in place of the
// command and its reply. That is every authentication command, and hello
// (or legacy hello, in either casing) when it carries
// speculativeAuthenticate. Names compare without regard to case.
func IsSensitive(name string, cmd bson.Raw) bool {
	for _, s := range sensitiveCommands {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	if strings.EqualFold(name, "hello") || strings.EqualFold(name, "isMaster") {
		// A body too malformed to tell counts as sensitive.
		_, err := cmd.LookupErr("speculativeAuthenticate")
		return !errors.Is(err, bson.ErrElementNotFound)
	}
	return false
}
