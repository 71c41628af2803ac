package motor

import (
	"fmt"
	"sort"
	"strings"
)

// Authentication mechanisms, the values of Credential.Mechanism.
const (
	MechanismSCRAMSHA1   = "SCRAM-SHA-1"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismX509        = "MONGODB-X509"
	MechanismAWS         = "MONGODB-AWS"
	MechanismOIDC        = "MONGODB-OIDC"
	MechanismGSSAPI      = "GSSAPI"
	MechanismPLAIN       = "PLAIN"
)

var mechanisms = []string{
	MechanismSCRAMSHA1, MechanismSCRAMSHA256, MechanismX509, MechanismAWS,
	MechanismOIDC, MechanismGSSAPI, MechanismPLAIN,
}

// A Credential is what a Client authenticates with. A connection string
// yields one when it has user information ("user:pw@") or an authMechanism.
//
// Its String method, and so fmt's %v, shows no password.
type Credential struct {
	// Mechanism is one of the Mechanism constants, or "" to negotiate
	// SCRAM-SHA-256 or SCRAM-SHA-1 with the server.
	Mechanism string
	// Username is the user name; for MONGODB-X509 it may be empty, and
	// MONGODB-AWS takes it from the environment instead.
	Username string
	// Password is the password, if PasswordSet.
	Password string
	// PasswordSet reports that a password was given, even an empty one
	// ("user:@host").
	PasswordSet bool
	// Source is the database to authenticate against (authSource). The
	// default is "$external" for GSSAPI, MONGODB-X509, MONGODB-AWS and
	// MONGODB-OIDC, and otherwise the URI's database, or "admin" ("$external"
	// for PLAIN). ParseURI fills it in; set in code, "" means that default.
	Source string
	// Properties are the mechanism properties (authMechanismProperties), by
	// upper-case name: SERVICE_NAME, CANONICALIZE_HOST_NAME, SERVICE_REALM and
	// SERVICE_HOST for GSSAPI (SERVICE_NAME defaults to "mongodb");
	// ENVIRONMENT ("test", "azure", "gcp" or "k8s") and TOKEN_RESOURCE for
	// MONGODB-OIDC. A TOKEN_RESOURCE holding a ',' cannot be given in a
	// connection string: set it here instead.
	Properties map[string]string
}

// String describes c without its password.
func (c Credential) String() string {
	keys := make([]string, 0, len(c.Properties))
	for k := range c.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var props []string
	for _, k := range keys {
		v := c.Properties[k]
		if !isPublicProperty(k) {
			v = "REDACTED"
		}
		props = append(props, k+":"+v)
	}
	pw := ""
	if c.PasswordSet {
		pw = "REDACTED"
	}
	return fmt.Sprintf("{Mechanism:%s Username:%s Password:%s Source:%s Properties:[%s]}",
		c.Mechanism, c.Username, pw, c.Source, strings.Join(props, " "))
}

// GoString is String, so that %#v shows no password either.
func (c Credential) GoString() string { return "motor.Credential" + c.String() }

// isPublicProperty reports whether the value of a mechanism property can be
// shown; unknown properties may hold secrets.
func isPublicProperty(name string) bool {
	switch strings.ToUpper(name) {
	case "SERVICE_NAME", "CANONICALIZE_HOST_NAME", "SERVICE_REALM", "SERVICE_HOST", "ENVIRONMENT", "TOKEN_RESOURCE":
		return true
	}
	return false
}

// defaultSource returns the authentication database of mech when authSource
// is not given: db is the URI's database.
func defaultSource(mech, db string) string {
	switch mech {
	case MechanismGSSAPI, MechanismX509, MechanismAWS, MechanismOIDC:
		return "$external"
	case MechanismPLAIN:
		if db != "" {
			return db
		}
		return "$external"
	}
	if db != "" {
		return db
	}
	return "admin"
}

// credentialSource returns the database that c.Auth authenticates against:
// its Source, or else the connection string's authSource, or else the
// mechanism's default. It serves a Credential set in code with no Source.
func (c *Config) credentialSource() string {
	switch {
	case c.Auth == nil:
		return ""
	case c.Auth.Source != "":
		return c.Auth.Source
	case c.authSource != "":
		return c.authSource
	}
	return defaultSource(c.Auth.Mechanism, c.Database)
}

func setAuthMechanism(p *parser, v string) error {
	for _, m := range mechanisms {
		if strings.EqualFold(v, m) {
			p.mechanism = m
			return nil
		}
	}
	return p.errorf("unsupported mechanism %s; use one of %s", p.quote(v), strings.Join(mechanisms, ", "))
}

func setAuthSource(p *parser, v string) error {
	p.authSource = v
	return nil
}

func setGSSAPIServiceName(p *parser, v string) error {
	p.warnf("deprecated; use authMechanismProperties=SERVICE_NAME:%s", p.quote(v))
	p.gssapiServiceName = v
	return nil
}

// setAuthProps parses "KEY:value,KEY2:value2". The value is decoded before it
// is split, so a ',' cannot be part of a property value; a value may hold
// ':'. Keys are upper-cased. Values are never quoted in messages.
func setAuthProps(p *parser, v string) error {
	props := map[string]string{}
	for pair := range strings.SplitSeq(v, ",") {
		key, value, ok := strings.Cut(pair, ":")
		key = strings.ToUpper(key)
		switch {
		case !ok || key == "":
			if err := p.softInvalid(`each property must be "NAME:value"; a value cannot contain ','`); err != nil {
				return err
			}
			continue
		case props[key] != "":
			if err := p.softInvalid("property " + p.quote(key) + " is repeated"); err != nil {
				return err
			}
		}
		props[key] = value
	}
	p.authProps = props
	return nil
}

// buildCredential turns the userinfo and auth options into cfg.Auth.
func (p *parser) buildCredential() error {
	if p.gssapiServiceName != "" {
		if p.mechanism != MechanismGSSAPI {
			p.warn("gssapiServiceName: ignored because authMechanism is not GSSAPI")
		} else if _, ok := p.authProps["SERVICE_NAME"]; ok {
			p.warn("gssapiServiceName: ignored because authMechanismProperties sets SERVICE_NAME")
		} else {
			if p.authProps == nil {
				p.authProps = map[string]string{}
			}
			p.authProps["SERVICE_NAME"] = p.gssapiServiceName
		}
	}
	if !p.hasUserinfo && p.mechanism == "" {
		// authSource alone does not ask for authentication; keep it for a
		// Credential set in code.
		p.cfg.authSource = p.authSource
		if len(p.authProps) > 0 {
			return uriError("authMechanismProperties", "requires authMechanism or user information")
		}
		return nil
	}
	c := &Credential{
		Mechanism:   p.mechanism,
		Username:    p.username,
		Password:    p.password,
		PasswordSet: p.passwordSet,
		Source:      p.authSource,
		Properties:  p.authProps,
	}
	if c.Source == "" {
		c.Source = defaultSource(c.Mechanism, p.cfg.Database)
	}
	if c.Mechanism == MechanismGSSAPI {
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		if _, ok := c.Properties["SERVICE_NAME"]; !ok {
			c.Properties["SERVICE_NAME"] = "mongodb"
		}
	}
	p.cfg.Auth = c
	return nil
}

// validateCredential checks c against the rules of its mechanism.
func validateCredential(c *Credential) error {
	const opt = "authMechanism"
	mech := c.Mechanism
	if mech != "" && !contains(mechanisms, mech) {
		return configError(opt, fmt.Sprintf("unsupported mechanism %q", mech))
	}
	name := mech
	if name == "" {
		name = "the default mechanism"
	}
	if src := c.Source; src != "" && src != "$external" {
		switch mech {
		case MechanismGSSAPI, MechanismX509, MechanismAWS, MechanismOIDC:
			return configError("authSource", name+` requires authSource "$external"`)
		}
	}
	switch mech {
	case "", MechanismSCRAMSHA1, MechanismSCRAMSHA256, MechanismPLAIN, MechanismGSSAPI:
		if c.Username == "" {
			return configError(opt, name+" requires a user name")
		}
	case MechanismAWS:
		if c.Username != "" || c.PasswordSet {
			return configError(opt, "MONGODB-AWS takes its credentials from the environment, not from a user name and password")
		}
	}
	switch mech {
	case MechanismSCRAMSHA1, MechanismSCRAMSHA256, MechanismPLAIN:
		if !c.PasswordSet {
			return configError(opt, name+" requires a password")
		}
	case MechanismX509, MechanismOIDC:
		if c.PasswordSet {
			return configError(opt, name+" does not take a password")
		}
	}
	return validateProperties(name, c)
}

// validateProperties checks the mechanism properties of c.
func validateProperties(name string, c *Credential) error {
	const opt = "authMechanismProperties"
	props := make(map[string]string, len(c.Properties))
	for k, v := range c.Properties {
		props[strings.ToUpper(k)] = v
	}
	var allowed []string
	switch c.Mechanism {
	case MechanismGSSAPI:
		allowed = []string{"SERVICE_NAME", "CANONICALIZE_HOST_NAME", "SERVICE_REALM", "SERVICE_HOST"}
	case MechanismOIDC:
		allowed = []string{"ENVIRONMENT", "TOKEN_RESOURCE"}
	}
	for k := range props {
		if !contains(allowed, k) {
			if len(allowed) == 0 {
				return configError(opt, name+" takes no mechanism properties")
			}
			return configError(opt, fmt.Sprintf("%s does not take property %s; it takes %s", name, quoteValue(k), strings.Join(allowed, ", ")))
		}
	}
	switch c.Mechanism {
	case MechanismGSSAPI:
		if v, ok := props["CANONICALIZE_HOST_NAME"]; ok {
			switch v {
			case "none", "forward", "forwardAndReverse", "true", "false":
			default:
				return configError(opt, `CANONICALIZE_HOST_NAME must be "none", "forward", "forwardAndReverse", "true" or "false"`)
			}
		}
	case MechanismOIDC:
		env, ok := props["ENVIRONMENT"]
		if !ok {
			return configError(opt, "MONGODB-OIDC requires the ENVIRONMENT property")
		}
		_, hasResource := props["TOKEN_RESOURCE"]
		switch env {
		case "azure", "gcp":
			if !hasResource {
				return configError(opt, "ENVIRONMENT:"+env+" requires the TOKEN_RESOURCE property")
			}
		case "test", "k8s":
			if hasResource {
				return configError(opt, "ENVIRONMENT:"+env+" does not take the TOKEN_RESOURCE property")
			}
			if env == "test" && c.Username != "" {
				return configError(opt, "ENVIRONMENT:test does not take a user name")
			}
		default:
			return configError(opt, `ENVIRONMENT must be "test", "azure", "gcp" or "k8s"`)
		}
	}
	return nil
}
