package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certFiles names the PEM files that writeCerts creates.
type certFiles struct {
	CA         string // the CA certificate
	ServerCert string // the server certificate
	ServerKey  string // the server's private key (PKCS #8)
	Client     string // the client certificate followed by its key (PKCS #8)
}

// certValidity is how long generated certificates stay valid. A server started
// by motor-testserver may run for days; tests need minutes.
const certValidity = 30 * 24 * time.Hour

// writeCerts generates a CA, a server certificate for 127.0.0.1, ::1 and
// localhost, and a client certificate, all with ECDSA P-256 keys, and writes
// them into dir.
func writeCerts(dir string) (certFiles, error) {
	files := certFiles{
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
		Client:     filepath.Join(dir, "client.pem"),
	}
	now := time.Now().Add(-time.Hour) // tolerate clock skew
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return files, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Motor test CA", Organization: []string{"Motor for Go tests"}},
		NotBefore:             now,
		NotAfter:              now.Add(certValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return files, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return files, err
	}

	leaf := func(cn string, usage x509.ExtKeyUsage, ips []net.IP, dns []string) ([]byte, []byte, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: cn, Organization: []string{"Motor for Go tests"}},
			NotBefore:    now,
			NotAfter:     now.Add(certValidity),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
			DNSNames:     dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER), nil
	}
	serverCert, serverKey, err := leaf("localhost", x509.ExtKeyUsageServerAuth,
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, []string{"localhost"})
	if err != nil {
		return files, err
	}
	clientCert, clientKey, err := leaf("motor-test-client", x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return files, err
	}
	for name, data := range map[string][]byte{
		files.CA:         pemBlock("CERTIFICATE", caDER),
		files.ServerCert: serverCert,
		files.ServerKey:  serverKey,
		files.Client:     append(clientCert, clientKey...),
	} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return files, err
		}
	}
	return files, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ClientTLSConfig returns a TLS configuration that trusts the server's CA and,
// when the server requires one, presents the client certificate. It returns
// nil and no error for a server without TLS.
func (s *Server) ClientTLSConfig() (*tls.Config, error) {
	if s.CAFile == "" {
		return nil, nil
	}
	caPEM, err := os.ReadFile(s.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("testenv: no certificate in " + s.CAFile)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if s.ClientCertFile != "" {
		pair, err := os.ReadFile(s.ClientCertFile)
		if err != nil {
			return nil, err
		}
		cert, err := tls.X509KeyPair(pair, pair)
		if err != nil {
			return nil, fmt.Errorf("testenv: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
