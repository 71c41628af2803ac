package auth

import "github.com/motor-go/motor/bson"

// Negotiate returns the mechanism the auth spec's default rules pick from
// hello's saslSupportedMechs: SCRAM-SHA-256 when the list holds it, and
// SCRAM-SHA-1 otherwise, including when the field was absent (nil) or
// named only mechanisms unknown here. It never picks another mechanism,
// nor fails on unknown names.
func Negotiate(saslSupportedMechs []string) string {
	for _, m := range saslSupportedMechs {
		if m == SCRAMSHA256 {
			return SCRAMSHA256
		}
	}
	return SCRAMSHA1
}

// supportedMechs reads hello's saslSupportedMechs without validating it:
// anything but an array of strings counts as absent, and elements that are
// not strings are skipped.
func supportedMechs(hello bson.Raw) []string {
	arr, ok := hello.Lookup("saslSupportedMechs").ArrayOK()
	if !ok {
		return nil
	}
	var mechs []string
	for _, v := range arr.Values() {
		if s, ok := v.StringValueOK(); ok {
			mechs = append(mechs, s)
		}
	}
	return mechs
}

// negotiate picks the SCRAM mechanism for a credential that names none.
func (a *Authenticator) negotiate(hello bson.Raw) (*scramMech, error) {
	if Negotiate(supportedMechs(hello)) == SCRAMSHA1 {
		return a.sha1, nil
	}
	if a.sha256 == nil {
		return nil, a.sha256Err
	}
	return a.sha256, nil
}
