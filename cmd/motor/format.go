package main

import (
	"strings"
	"time"
)

// redactURI returns uri with the password, if any, replaced by "xxxxx", for
// printing. It does not parse the connection string: it looks for the last
// "@" before the query string, so a password holding an unescaped "/" is
// still hidden.
func redactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	beforeQuery, _, _ := strings.Cut(rest, "?")
	at := strings.LastIndex(beforeQuery, "@")
	if at < 0 {
		return uri
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return uri
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// roundDuration rounds d for display: to microseconds below a second, to
// milliseconds above.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// joinDurations formats ds as a comma-separated list.
func joinDurations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}
