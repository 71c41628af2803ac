package unified

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/motor-go/motor/bson"
)

// connString is a connection string split into its parts.
type connString struct {
	scheme string // "mongodb://" or "mongodb+srv://"
	user   string // "user:pass@" or ""
	hosts  []string
	path   string // the database, without the slash
	query  url.Values
}

func parseConnString(uri string) (*connString, error) {
	cs := &connString{}
	rest, ok := strings.CutPrefix(uri, "mongodb://")
	cs.scheme = "mongodb://"
	if !ok {
		rest, ok = strings.CutPrefix(uri, "mongodb+srv://")
		cs.scheme = "mongodb+srv://"
	}
	if !ok {
		return nil, fmt.Errorf("unified: %q is not a mongodb:// or mongodb+srv:// connection string", uri)
	}
	rest, rawQuery, _ := strings.Cut(rest, "?")
	hostPart, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(hostPart, "@"); i >= 0 {
		cs.user, hostPart = hostPart[:i+1], hostPart[i+1:]
	}
	cs.hosts = strings.Split(hostPart, ",")
	cs.path = path
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("unified: connection string options: %w", err)
	}
	cs.query = q
	return cs, nil
}

func (cs *connString) String() string {
	s := cs.scheme + cs.user + strings.Join(cs.hosts, ",") + "/" + cs.path
	if len(cs.query) > 0 {
		s += "?" + cs.query.Encode()
	}
	return s
}

// set replaces the option key, whatever the case of its existing spelling.
func (cs *connString) set(key string, values ...string) {
	for k := range cs.query {
		if strings.EqualFold(k, key) {
			delete(cs.query, k)
		}
	}
	cs.query[key] = values
}

// applyURIOptions returns uri with the options of a client entity's
// uriOptions, which win over the options uri has.
func applyURIOptions(cs *connString, opts bson.Raw) error {
	for key, v := range opts.Elements() {
		values, err := uriOptionValues(key, v)
		if err != nil {
			return err
		}
		cs.set(key, values...)
	}
	return nil
}

// uriOptionValues writes a uriOptions value as connection string text.
func uriOptionValues(key string, v bson.RawValue) ([]string, error) {
	switch v.Type {
	case bson.TypeString:
		return []string{v.StringValue()}, nil
	case bson.TypeBoolean:
		return []string{strconv.FormatBool(v.Boolean())}, nil
	case bson.TypeInt32, bson.TypeInt64:
		n, _ := v.AsInt64OK()
		return []string{strconv.FormatInt(n, 10)}, nil
	case bson.TypeDouble:
		return []string{strconv.FormatFloat(v.Double(), 'f', -1, 64)}, nil
	case bson.TypeArray:
		// readPreferenceTags: one tag set per string.
		var out []string
		for _, e := range v.Array().Values() {
			s, ok := e.StringValueOK()
			if !ok {
				return nil, fmt.Errorf("unified: uriOptions.%s: array items must be strings, not %s", key, show(e))
			}
			out = append(out, s)
		}
		return out, nil
	case bson.TypeDocument:
		d := v.Document()
		if _, _, ok := operator(d); ok {
			return nil, fmt.Errorf("unified: uriOptions.%s: %s is not supported by this runner (no value to put in its place)", key, show(v))
		}
		// authMechanismProperties: "KEY:value,KEY2:value2".
		var parts []string
		for k, e := range d.Elements() {
			vals, err := uriOptionValues(key+"."+k, e)
			if err != nil {
				return nil, err
			}
			if len(vals) != 1 {
				return nil, fmt.Errorf("unified: uriOptions.%s.%s: not a single value", key, k)
			}
			parts = append(parts, k+":"+vals[0])
		}
		return []string{strings.Join(parts, ",")}, nil
	}
	return nil, fmt.Errorf("unified: uriOptions.%s: unsupported value %s", key, show(v))
}
