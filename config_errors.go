package motor

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A ConfigError reports a connection string, DNS record or Config that
// cannot be used. ParseURI, ParseURIWith and Config.Validate return it.
// Its message never contains a password or another secret value.
type ConfigError struct {
	// Option is the option at fault in its canonical spelling, such as
	// "maxPoolSize" or "authMechanismProperties", or "" when the problem is
	// elsewhere (the scheme, the hosts, the user information, DNS).
	Option string
	// Msg describes the problem.
	Msg string
	// Err is the underlying error, if any: a DNS error, a file error.
	Err error

	// uri reports the error as the connection string's rather than the Config's.
	uri bool
}

// Error formats the error as "motor: invalid connection string: option: problem".
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.uri {
		b.WriteString("motor: invalid connection string: ")
	} else {
		b.WriteString("motor: invalid config: ")
	}
	if e.Option != "" {
		b.WriteString(e.Option)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Err.
func (e *ConfigError) Unwrap() error { return e.Err }

// uriError returns a *ConfigError about the connection string.
func uriError(option, msg string) *ConfigError {
	return &ConfigError{Option: option, Msg: msg, uri: true}
}

// configError returns a *ConfigError about the Config.
func configError(option, msg string) *ConfigError {
	return &ConfigError{Option: option, Msg: msg}
}

// asURIError marks err, a *ConfigError from Validate, as the connection
// string's, since that is where the parser's Config came from.
func asURIError(err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		ce.uri = true
	}
	return err
}

// hidden stands for a fragment of the connection string that must not
// appear in a message.
const hidden = "(not shown, as it may hold part of the password: percent-encode any '@', ':', '/' or '?' in the user name and password)"

// maxQuoted is the most of a value that a message quotes.
const maxQuoted = 64

// quote formats a fragment of the connection string for a message. It hides
// the fragment when the connection string has an '@' after its host list:
// then the user information may have been cut in the wrong place (an
// unescaped '/' or '?' in a password), and any fragment might hold a piece of
// the password.
func (p *parser) quote(raw string) string {
	if p.noEcho {
		return hidden
	}
	return quoteValue(raw)
}

// quoteValue quotes s, shortened to maxQuoted bytes.
func quoteValue(s string) string {
	if len(s) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
