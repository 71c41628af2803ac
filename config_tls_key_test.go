package motor_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	motor "github.com/motor-go/motor"
)

// encryptPKCS8 encrypts a PKCS #8 key as "openssl pkcs8 -topk8 -v2 aes256
// -v2prf hmacWithSHA256" does: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC.
func encryptPKCS8(t *testing.T, der []byte, password string) []byte {
	t.Helper()
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	rand.Read(salt)
	rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, password, salt, 2048, 32)
	must(err)
	block, err := aes.NewCipher(key)
	must(err)
	pad := aes.BlockSize - len(der)%aes.BlockSize
	plain := append(bytes.Clone(der), bytes.Repeat([]byte{byte(pad)}, pad)...)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, plain)

	oid := func(ids ...int) asn1.ObjectIdentifier { return ids }
	kdf, err := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
		PRF        pkix.AlgorithmIdentifier
	}{salt, 2048, pkix.AlgorithmIdentifier{Algorithm: oid(1, 2, 840, 113549, 2, 9), Parameters: asn1.NullRawValue}})
	must(err)
	ivDER, err := asn1.Marshal(iv)
	must(err)
	params, err := asn1.Marshal(struct{ KDF, Enc pkix.AlgorithmIdentifier }{
		pkix.AlgorithmIdentifier{Algorithm: oid(1, 2, 840, 113549, 1, 5, 12), Parameters: asn1.RawValue{FullBytes: kdf}},
		pkix.AlgorithmIdentifier{Algorithm: oid(2, 16, 840, 1, 101, 3, 4, 1, 42), Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	must(err)
	out, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		Data      []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oid(1, 2, 840, 113549, 1, 5, 13), Parameters: asn1.RawValue{FullBytes: params}}, enc})
	must(err)
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: out})
}

func TestCertificateKeyFilePassword(t *testing.T) {
	p := pki()
	sec1, err := x509.MarshalECPrivateKey(p.key)
	must(err)
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", sec1, []byte("pw"), x509.PEMCipherAES256) //nolint:staticcheck // testing legacy PEM encryption
	must(err)
	keys := map[string][]byte{
		"pkcs8":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p.keyDER}),
		"sec1":      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"pkcs8-enc": encryptPKCS8(t, p.keyDER, "pw"),
		"legacy":    pem.EncodeToMemory(legacy),
	}
	dir := t.TempDir()
	for name, key := range keys {
		file := filepath.Join(dir, name+".pem")
		must(os.WriteFile(file, append(bytes.Clone(p.certPEM), key...), 0o600))
		encrypted := strings.Contains(name, "enc") || name == "legacy"
		for _, pw := range []string{"", "pw", "wrong"} {
			cfg, err := motor.NewTLSConfig(motor.TLSOptions{CertificateKeyFile: file, CertificateKeyFilePassword: pw})
			wantOK := !encrypted || pw == "pw"
			if wantOK && (err != nil || len(cfg.Certificates) != 1) {
				t.Errorf("%s, password %q: %v", name, pw, err)
			}
			if !wantOK && err == nil {
				t.Errorf("%s, password %q: loaded", name, pw)
			}
		}
	}
}

func TestTLSFileLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	must(os.WriteFile(big, bytes.Repeat([]byte("x"), 4<<20+1), 0o600))
	if _, err := motor.NewTLSConfig(motor.TLSOptions{CAFile: big}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a 4 MiB + 1 CA file: %v", err)
	}
	empty := filepath.Join(dir, "empty.pem")
	must(os.WriteFile(empty, nil, 0o600))
	if _, err := motor.NewTLSConfig(motor.TLSOptions{CAFile: empty}); err == nil {
		t.Error("an empty CA file was accepted")
	}
	if _, err := motor.NewTLSConfig(motor.TLSOptions{CertificateKeyFile: empty}); err == nil {
		t.Error("an empty key file was accepted")
	}
	ca := filepath.Join(dir, "ca.pem")
	must(os.WriteFile(ca, pki().caPEM, 0o600))
	if _, err := motor.NewTLSConfig(motor.TLSOptions{CertificateKeyFile: ca}); err == nil {
		t.Error("a key file without a key was accepted")
	}
}
