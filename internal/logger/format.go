package logger

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motor-go/motor/bson"
)

// Ellipsis ends a truncated document or error; it does not count toward
// the maximum length.
const Ellipsis = "..."

// Truncate returns s cut to at most max bytes, on a rune boundary (never
// in the middle of a UTF-8 sequence, so the result stays valid UTF-8), with
// Ellipsis appended when anything was cut.
func Truncate(s string, max int) string {
	if max < 0 || len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}

// Document returns doc as relaxed extended JSON, truncated to the
// logger's MaxDocumentLength. The extended JSON is written only up to the
// element that crosses the maximum length (the specification's O(max)
// advice), however large the document. A document that does not parse is
// shown as the error saying so.
func (l *Logger) Document(doc []byte) string {
	max := l.MaxDocumentLength()
	js, cut, err := bson.AppendExtJSONPrefix(make([]byte, 0, min(len(doc)*2, max)+64), bson.Raw(doc), false, max)
	if err != nil {
		return Truncate("invalid document: "+err.Error(), max)
	}
	if cut {
		// js is longer than max: copy only what the cut keeps.
		return Truncate(string(js[:max+1]), max)
	}
	return string(js)
}

// Failure returns the text of err for a message's failure field, truncated
// to the logger's MaxDocumentLength, as a server's reply would be.
func (l *Logger) Failure(err error) string {
	if err == nil {
		return ""
	}
	return Truncate(err.Error(), l.MaxDocumentLength())
}

// Server returns the serverHost and serverPort attributes of addr,
// "host:port" (an IPv6 host in brackets) or a Unix domain socket path,
// which has no port.
func Server(addr string) (host, port slog.Attr, hasPort bool) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil || strings.HasSuffix(addr, ".sock") {
		return slog.String("serverHost", addr), slog.Attr{}, false
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return slog.String("serverHost", addr), slog.Attr{}, false
	}
	return slog.String("serverHost", h), slog.Int("serverPort", n), true
}

// AppendServer appends the serverHost and serverPort attributes of addr.
func AppendServer(attrs []slog.Attr, addr string) []slog.Attr {
	host, port, ok := Server(addr)
	attrs = append(attrs, host)
	if ok {
		attrs = append(attrs, port)
	}
	return attrs
}

// Duration returns the durationMS attribute of d: milliseconds, as a
// float.
func Duration(d time.Duration) slog.Attr {
	return slog.Float64("durationMS", float64(d)/float64(time.Millisecond))
}
