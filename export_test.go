package motor

import "time"

// Hooks for the tests of package motor_test.

// UnredactedString returns c as a connection string with its secrets, for
// the round-trip tests.
func UnredactedString(c *Config) string { return c.uri(false) }

// AuthSourceOf returns the authSource a connection string gave without a
// credential.
func AuthSourceOf(c *Config) string { return c.authSource }

// WithReadFile returns o reading the files of the tls options with f.
func WithReadFile(o ParseOptions, f func(name string) ([]byte, error)) ParseOptions {
	o.readFile = f
	return o
}

// CredentialSource returns the database c.Auth authenticates against.
func CredentialSource(c *Config) string { return c.credentialSource() }

// SetWithTransactionTimeout sets the retry limit of WithTransaction, for
// the tests of its time limit, and returns a function that restores it.
func SetWithTransactionTimeout(d time.Duration) (restore func()) {
	old := withTxnTimeout
	withTxnTimeout = d
	return func() { withTxnTimeout = old }
}
