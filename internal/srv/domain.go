package srv

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// maxNameLen is the longest DNS name, in its dotted text form.
const maxNameLen = 253

// CheckHost validates the host of a mongodb+srv:// URI before any lookup and
// returns it lower-cased, without a trailing dot. The host must be a DNS name
// (not an IP address) of ASCII letters, digits, '-' and '_'. Names of one or
// two labels, such as "localhost" or "mongo.local", are allowed: for them the
// returned records must simply be one label longer (see [InDomain]).
func CheckHost(host string) (string, error) {
	name := normalizeName(host)
	if name == "" {
		return "", errors.New("mongodb+srv requires a host name")
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return "", errors.New("mongodb+srv requires a host name, not an IP address")
	}
	if err := checkName(name); err != nil {
		return "", err
	}
	return name, nil
}

// CheckServiceName validates an srvServiceName: an RFC 6335 service name
// (letters, digits and single hyphens, at least one letter, no hyphen at
// either end) that may be longer than 15 characters as long as "_" plus the
// name fits in a 63-byte DNS label.
func CheckServiceName(name string) error {
	if name == "" || len(name) > 62 {
		return errors.New("must be 1 to 62 characters long")
	}
	letter := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		case c == '-':
			if i == 0 || i == len(name)-1 || name[i-1] == '-' {
				return errors.New("hyphens must separate letters or digits")
			}
		default:
			return errors.New("may hold only letters, digits and hyphens")
		}
	}
	if !letter {
		return errors.New("must contain a letter")
	}
	return nil
}

// InDomain reports whether target, a host name returned by the SRV query of
// srvHost, may be used: it must end with "." followed by srvHost's domain.
// The domain of a name of three or more labels is the name without its first
// label ("cluster0.example.net" → "example.net"); a name of one or two labels
// is its own domain, so the target must have at least one more label.
// Both names are compared case-insensitively, ignoring a trailing dot.
func InDomain(srvHost, target string) bool {
	host := normalizeName(srvHost)
	t := normalizeName(target)
	domain := host
	if strings.Count(host, ".") >= 2 {
		domain = host[strings.IndexByte(host, '.')+1:]
	}
	if domain == "" || !strings.HasSuffix(t, "."+domain) {
		return false
	}
	return checkName(t) == nil
}

// Choose returns n of hosts chosen at random (a Fisher–Yates shuffle), or a
// copy of all of them when n is not positive or not smaller than len(hosts).
// The input is not modified.
func Choose(hosts []string, n int) []string {
	out := append([]string(nil), hosts...)
	if n <= 0 || n >= len(out) {
		return out
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:n]
}

// normalizeName lower-cases an ASCII DNS name and removes one trailing dot.
func normalizeName(name string) string {
	name = strings.TrimSuffix(name, ".")
	return strings.ToLower(name)
}

// checkName reports whether name is a usable DNS name: 1 to 253 characters
// in labels of 1 to 63 ASCII letters, digits, '-' or '_'.
func checkName(name string) error {
	if len(name) > maxNameLen {
		return errors.New("host name is longer than 253 characters")
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" {
			return errors.New("host name has an empty label")
		}
		if len(label) > 63 {
			return errors.New("host name has a label longer than 63 characters")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
			if !ok {
				return errors.New("host name may hold only ASCII letters, digits, '-', '_' and '.'")
			}
		}
	}
	return nil
}
