package motor

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// TLSOptions are the tls* options of a connection string. NewTLSConfig turns
// them into a *tls.Config.
//
// A connection string turns TLS on with tls=true (or its alias ssl=true),
// with the mongodb+srv scheme, or with any of these options, unless it says
// tls=false; tls=false together with one of these options is an error.
//
// Go's TLS stack cannot skip host name verification alone, so
// AllowInvalidHostnames verifies the certificate chain in a VerifyConnection
// callback instead. Go does not check revocation (OCSP or CRLs), so the two
// Disable options change nothing but are kept as given.
type TLSOptions struct {
	// CAFile is a PEM file of the certificate authorities to trust
	// (tlsCAFile); "" trusts the system's.
	CAFile string
	// CertificateKeyFile is a PEM file holding the client certificate and
	// its private key (tlsCertificateKeyFile).
	CertificateKeyFile string
	// CertificateKeyFilePassword decrypts an encrypted private key
	// (tlsCertificateKeyFilePassword): legacy "Proc-Type: 4,ENCRYPTED" PEM
	// or PKCS #8 "ENCRYPTED PRIVATE KEY" (PBES2).
	CertificateKeyFilePassword string
	// Insecure accepts any server certificate and host name (tlsInsecure).
	Insecure bool
	// AllowInvalidCertificates accepts any server certificate
	// (tlsAllowInvalidCertificates); with Go this also skips the host name.
	AllowInvalidCertificates bool
	// AllowInvalidHostnames accepts a valid certificate issued to another
	// host (tlsAllowInvalidHostnames).
	AllowInvalidHostnames bool
	// DisableOCSPEndpointCheck is tlsDisableOCSPEndpointCheck.
	DisableOCSPEndpointCheck bool
	// DisableCertificateRevocationCheck is tlsDisableCertificateRevocationCheck.
	DisableCertificateRevocationCheck bool
}

// String describes o without the key file password.
func (o TLSOptions) String() string {
	if o.CertificateKeyFilePassword != "" {
		o.CertificateKeyFilePassword = "REDACTED"
	}
	type plain TLSOptions // no String method
	return fmt.Sprintf("%+v", plain(o))
}

// GoString is String, so that %#v shows no password either.
func (o TLSOptions) GoString() string { return "motor.TLSOptions" + o.String() }

// NewTLSConfig builds a client *tls.Config from o, reading the files it
// names. The ServerName is left empty: the dialer sets it per host.
func NewTLSConfig(o TLSOptions) (*tls.Config, error) {
	return newTLSConfig(o, readFileLimited)
}

func newTLSConfig(o TLSOptions, readFile func(string) ([]byte, error)) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		data, err := readFile(o.CAFile)
		if err != nil {
			return nil, &ConfigError{Option: "tlsCAFile", Msg: "cannot read the file", Err: err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, configError("tlsCAFile", "the file holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	if o.CertificateKeyFile != "" {
		data, err := readFile(o.CertificateKeyFile)
		if err != nil {
			return nil, &ConfigError{Option: "tlsCertificateKeyFile", Msg: "cannot read the file", Err: err}
		}
		cert, err := loadKeyPair(data, o.CertificateKeyFilePassword)
		if err != nil {
			return nil, &ConfigError{Option: "tlsCertificateKeyFile", Msg: "cannot load the certificate and key", Err: err}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	switch {
	case o.Insecure || o.AllowInvalidCertificates:
		cfg.InsecureSkipVerify = true
	case o.AllowInvalidHostnames:
		cfg.InsecureSkipVerify = true
		roots := cfg.RootCAs
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyChain(cs, roots)
		}
	}
	return cfg, nil
}

// verifyChain verifies the server's certificate chain without its name.
func verifyChain(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("motor: the server sent no certificate")
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(opts)
	return err
}

// loadKeyPair parses the certificates and the private key of a PEM file,
// decrypting the key with password when it is encrypted.
func loadKeyPair(data []byte, password string) (tls.Certificate, error) {
	var certPEM, keyPEM []byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch {
		case block.Type == "CERTIFICATE":
			certPEM = append(certPEM, pem.EncodeToMemory(block)...)
		case block.Type == "ENCRYPTED PRIVATE KEY":
			der, err := decryptPKCS8(block.Bytes, []byte(password))
			if err != nil {
				return tls.Certificate{}, err
			}
			keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			if x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck // legacy PEM encryption is what older tools write
				if password == "" {
					return tls.Certificate{}, errors.New("the private key is encrypted and no tlsCertificateKeyFilePassword is given")
				}
				der, err := x509.DecryptPEMBlock(block, []byte(password)) //nolint:staticcheck // see above
				if err != nil {
					return tls.Certificate{}, errors.New("cannot decrypt the private key: wrong password or unsupported encryption")
				}
				block = &pem.Block{Type: block.Type, Bytes: der}
			}
			keyPEM = pem.EncodeToMemory(block)
		}
	}
	if certPEM == nil {
		return tls.Certificate{}, errors.New("the file holds no PEM certificate")
	}
	if keyPEM == nil {
		return tls.Certificate{}, errors.New("the file holds no PEM private key")
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// maxTLSFile bounds the size of a file named by a tls option.
const maxTLSFile = 4 << 20

// readFileLimited reads a file of at most maxTLSFile bytes.
func readFileLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTLSFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTLSFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxTLSFile)
	}
	return data, nil
}

// tlsConflicts are the pairs of options that relax TLS checks and that the
// URI options specification forbids together, whatever their values.
var tlsConflicts = [][2]string{
	{"tlsInsecure", "tlsAllowInvalidCertificates"},
	{"tlsInsecure", "tlsAllowInvalidHostnames"},
	{"tlsInsecure", "tlsDisableOCSPEndpointCheck"},
	{"tlsInsecure", "tlsDisableCertificateRevocationCheck"},
	{"tlsAllowInvalidCertificates", "tlsDisableOCSPEndpointCheck"},
	{"tlsAllowInvalidCertificates", "tlsDisableCertificateRevocationCheck"},
	{"tlsDisableOCSPEndpointCheck", "tlsDisableCertificateRevocationCheck"},
}

// tlsOptionNames are the tls-prefixed options that turn TLS on.
var tlsOptionNames = []string{
	"tlsCAFile", "tlsCertificateKeyFile", "tlsCertificateKeyFilePassword", "tlsInsecure",
	"tlsAllowInvalidCertificates", "tlsAllowInvalidHostnames", "tlsDisableOCSPEndpointCheck",
	"tlsDisableCertificateRevocationCheck",
}

// checkTLS applies the URI options spec's conflict rules and decides whether
// TLS is on; buildTLS makes the *tls.Config once the Config is valid.
func (p *parser) checkTLS() (bool, error) {
	for _, c := range tlsConflicts {
		if p.seen[c[0]] && p.seen[c[1]] {
			return false, uriError(c[1], "cannot be given together with "+c[0])
		}
	}
	var given string
	for _, name := range tlsOptionNames {
		if p.seen[name] {
			given = name
			break
		}
	}
	switch {
	case p.tlsFlag != nil && !*p.tlsFlag:
		if given != "" {
			return false, uriError(given, "cannot be given with tls=false")
		}
		return false, nil
	case p.tlsFlag != nil, p.srv, given != "":
		return true, nil
	}
	return false, nil
}
