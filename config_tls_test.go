package motor_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	motor "github.com/motor-go/motor"
)

// testPKI is a CA and a certificate it issued, generated once per run.
type testPKI struct {
	caPEM   []byte
	ca      *x509.Certificate
	caKey   *ecdsa.PrivateKey
	certPEM []byte // the leaf certificate
	keyDER  []byte // its PKCS #8 private key
	key     *ecdsa.PrivateKey
}

var pki = sync.OnceValue(func() *testPKI {
	p := &testPKI{}
	var err error
	p.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "motor test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &p.caKey.PublicKey, p.caKey)
	must(err)
	p.ca, err = x509.ParseCertificate(caDER)
	must(err)
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})

	p.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "server.example.com"},
		DNSNames:     []string{"server.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, p.ca, &p.key.PublicKey, p.caKey)
	must(err)
	p.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	p.keyDER, err = x509.MarshalPKCS8PrivateKey(p.key)
	must(err)
	return p
})

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// testTLSFiles are the files that the uri-options tls tests name.
var testTLSFiles = sync.OnceValue(func() map[string][]byte {
	p := pki()
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p.keyDER})
	return map[string][]byte{
		"ca.pem":   p.caPEM,
		"cert.pem": append(append([]byte{}, p.certPEM...), keyPEM...),
	}
})

// handshake runs a TLS handshake over loopback between a server presenting
// the test certificate and a client using cfg for serverName.
func handshake(t *testing.T, cfg *tls.Config, serverName string) error {
	t.Helper()
	p := pki()
	cert := tls.Certificate{Certificate: [][]byte{mustDecode(p.certPEM)}, PrivateKey: p.key}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		_ = s.Handshake()
		_, _ = s.Read(make([]byte, 1)) // until the client closes
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	cfg = cfg.Clone()
	cfg.ServerName = serverName
	tc := tls.Client(c, cfg)
	err = tc.Handshake()
	tc.Close()
	<-done
	return err
}

func mustDecode(b []byte) []byte {
	block, _ := pem.Decode(b)
	return block.Bytes
}

func tlsConfigFor(t *testing.T, uri string) *tls.Config {
	t.Helper()
	res := parseURI(t, uri, false)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.cfg.TLSConfig == nil {
		t.Fatalf("%s: TLS is off", uri)
	}
	return res.cfg.TLSConfig
}

func TestTLSVerification(t *testing.T) {
	trusting := "mongodb://h/?tlsCAFile=ca.pem"
	if err := handshake(t, tlsConfigFor(t, trusting), "server.example.com"); err != nil {
		t.Errorf("trusted CA, right name: %v", err)
	}
	if err := handshake(t, tlsConfigFor(t, trusting), "other.example.com"); err == nil {
		t.Error("trusted CA, wrong name: handshake succeeded")
	}
	if err := handshake(t, tlsConfigFor(t, trusting+"&tlsAllowInvalidHostnames=true"), "other.example.com"); err != nil {
		t.Errorf("tlsAllowInvalidHostnames, wrong name: %v", err)
	}
	if err := handshake(t, tlsConfigFor(t, "mongodb://h/?tlsAllowInvalidHostnames=true"), "other.example.com"); err == nil {
		t.Error("tlsAllowInvalidHostnames with an untrusted CA: handshake succeeded")
	}
	if err := handshake(t, tlsConfigFor(t, "mongodb://h/?tlsInsecure=true"), "other.example.com"); err != nil {
		t.Errorf("tlsInsecure: %v", err)
	}
	if err := handshake(t, tlsConfigFor(t, "mongodb://h/?tlsAllowInvalidCertificates=true"), "x"); err != nil {
		t.Errorf("tlsAllowInvalidCertificates: %v", err)
	}
}

func TestTLSClientCertificate(t *testing.T) {
	cfg := tlsConfigFor(t, "mongodb://h/?tls=true&tlsCertificateKeyFile=cert.pem")
	if len(cfg.Certificates) != 1 || cfg.Certificates[0].PrivateKey == nil {
		t.Fatalf("certificates = %v", cfg.Certificates)
	}
	if cfg.RootCAs != nil || cfg.InsecureSkipVerify {
		t.Error("a client certificate alone changed server verification")
	}
}

// TestTLSEnabling checks when a connection string turns TLS on.
func TestTLSEnabling(t *testing.T) {
	tests := map[string]bool{
		"mongodb://h":                                        false,
		"mongodb://h/?tls=true":                              true,
		"mongodb://h/?ssl=true":                              true,
		"mongodb://h/?tls=false":                             false,
		"mongodb://h/?tlsCAFile=ca.pem":                      true,
		"mongodb://h/?tlsAllowInvalidHostnames=false":        true,
		"mongodb+srv://test3.test.build.10gen.cc":            true,
		"mongodb+srv://test3.test.build.10gen.cc/?tls=false": false,
	}
	for uri, on := range tests {
		res := parseURI(t, uri, false)
		if res.err != nil {
			t.Errorf("%s: %v", uri, res.err)
			continue
		}
		if got := res.cfg.TLSConfig != nil; got != on {
			t.Errorf("%s: TLS on = %v, want %v", uri, got, on)
		}
	}
	for _, uri := range []string{"mongodb://h/?tls=false&tlsCAFile=ca.pem", "mongodb://h/?tlsCAFile=missing.pem", "mongodb://h/?tlsCertificateKeyFile=ca.pem"} {
		if res := parseURI(t, uri, false); res.err == nil {
			t.Errorf("%s: want an error", uri)
		}
	}
}

func TestTLSFileErrors(t *testing.T) {
	res := parseURI(t, "mongodb://h/?tlsCAFile=missing.pem", false)
	var ce *motor.ConfigError
	if !errors.As(res.err, &ce) || ce.Option != "tlsCAFile" || !strings.Contains(res.err.Error(), "missing.pem") {
		t.Errorf("err = %v, want a tlsCAFile error naming the file", res.err)
	}
	if _, err := motor.NewTLSConfig(motor.TLSOptions{CAFile: "/nonexistent/ca.pem"}); err == nil {
		t.Error("NewTLSConfig with a missing file succeeded")
	}
}
