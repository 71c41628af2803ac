package srv

import (
	"net/url"
	"strconv"
	"strings"
)

// An Option is one key=value pair of a TXT record. Key is the option's
// canonical spelling ("authSource", "replicaSet" or "loadBalanced"); Value is
// percent-decoded and not otherwise checked: the motor package validates it
// as it does the same option in a URI.
type Option struct {
	Key   string
	Value string
}

// A TXTError reports a TXT record that seed list discovery must reject.
type TXTError struct {
	Msg string
}

// Error describes the problem with the record.
func (e *TXTError) Error() string { return "TXT record: " + e.Msg }

// txtOptions are the only options a TXT record may set, by lower-cased key.
var txtOptions = map[string]string{
	"authsource":   "authSource",
	"replicaset":   "replicaSet",
	"loadbalanced": "loadBalanced",
}

// ParseTXT parses the text of one TXT record: options in connection string
// form, "key=value" pairs joined by '&'. Keys are matched case-insensitively.
// A pair without '=' or with an empty key or value, a value that is not
// validly percent-encoded, and any key but authSource, replicaSet and
// loadBalanced are errors. Notably ssl and tls may not be set this way.
//
// Error messages name keys but never echo values.
func ParseTXT(record string) ([]Option, error) {
	var opts []Option
	for pair := range strings.SplitSeq(record, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, ok := strings.Cut(pair, "=")
		key, err := url.PathUnescape(rawKey)
		if err != nil || key == "" {
			return nil, &TXTError{Msg: "badly formed option key"}
		}
		canon, allowed := txtOptions[strings.ToLower(key)]
		if !allowed {
			return nil, &TXTError{Msg: "option " + quoteKey(key) + " is not allowed; only authSource, replicaSet and loadBalanced are"}
		}
		if !ok || rawValue == "" {
			return nil, &TXTError{Msg: "option " + canon + " has no value"}
		}
		value, err := url.PathUnescape(rawValue)
		if err != nil {
			return nil, &TXTError{Msg: "option " + canon + " has a badly percent-encoded value"}
		}
		opts = append(opts, Option{Key: canon, Value: value})
	}
	return opts, nil
}

// quoteKey quotes a key for an error message, shortening a long one.
func quoteKey(key string) string {
	const max = 40
	if len(key) > max {
		key = key[:max] + "…"
	}
	return strconv.Quote(key)
}
