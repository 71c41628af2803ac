package motor

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"hash"
)

// PKCS #8 encrypted private keys (RFC 5958) with PBES2 (RFC 8018), as
// "openssl pkcs8 -topk8" and OpenSSL 3 write them: PBKDF2 with an HMAC-SHA
// PRF, then AES-CBC or 3DES-CBC.

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KDF        pkix.AlgorithmIdentifier
	Encryption pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// maxPBKDF2Iterations bounds the work a key file can ask for.
const maxPBKDF2Iterations = 10_000_000

var errBadKeyPassword = errors.New("cannot decrypt the private key: wrong tlsCertificateKeyFilePassword")

// decryptPKCS8 decrypts the DER of an ENCRYPTED PRIVATE KEY block and returns
// the DER of the plain PKCS #8 key.
func decryptPKCS8(der, password []byte) ([]byte, error) {
	if len(password) == 0 {
		return nil, errors.New("the private key is encrypted and no tlsCertificateKeyFilePassword is given")
	}
	unsupported := errors.New("the private key's encryption is not supported; use PBES2 with PBKDF2 and AES-CBC")
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return nil, errors.New("malformed encrypted private key")
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, unsupported
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil || !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, unsupported
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, unsupported
	}
	if kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Iterations {
		return nil, errors.New("the private key's PBKDF2 iteration count is out of range")
	}
	prf, ok := pbkdf2PRF(kdf.PRF.Algorithm)
	if !ok {
		return nil, unsupported
	}
	newCipher, keyLen, ok := pbes2Cipher(params.Encryption.Algorithm)
	if !ok || kdf.KeyLength != 0 && kdf.KeyLength != keyLen {
		return nil, unsupported
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Encryption.Parameters.FullBytes, &iv); err != nil {
		return nil, unsupported
	}
	key, err := pbkdf2.Key(prf, string(password), kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, unsupported
	}
	block, err := newCipher(key)
	if err != nil || len(iv) != block.BlockSize() || len(info.Data) == 0 || len(info.Data)%block.BlockSize() != 0 {
		return nil, errors.New("malformed encrypted private key")
	}
	plain := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.Data)
	plain, ok = unpad(plain, block.BlockSize())
	if !ok {
		return nil, errBadKeyPassword
	}
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		return nil, errBadKeyPassword
	}
	return plain, nil
}

func pbkdf2PRF(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	switch {
	case len(oid) == 0, oid.Equal(oidHMACSHA1):
		return sha1.New, true
	case oid.Equal(oidHMACSHA224):
		return sha256.New224, true
	case oid.Equal(oidHMACSHA256):
		return sha256.New, true
	case oid.Equal(oidHMACSHA384):
		return sha512.New384, true
	case oid.Equal(oidHMACSHA512):
		return sha512.New, true
	}
	return nil, false
}

func pbes2Cipher(oid asn1.ObjectIdentifier) (func([]byte) (cipher.Block, error), int, bool) {
	switch {
	case oid.Equal(oidAES128CBC):
		return aes.NewCipher, 16, true
	case oid.Equal(oidAES192CBC):
		return aes.NewCipher, 24, true
	case oid.Equal(oidAES256CBC):
		return aes.NewCipher, 32, true
	case oid.Equal(oidDESEDE3CBC):
		return des.NewTripleDESCipher, 24, true
	}
	return nil, 0, false
}

// unpad removes PKCS #7 padding.
func unpad(b []byte, size int) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > size || n > len(b) || !bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, false
	}
	return b[:len(b)-n], true
}
