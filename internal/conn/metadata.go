package conn

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/motor-go/motor/bson"
)

// The driver's name and version, as the handshake reports them.
const (
	DriverName    = "motor-go"
	DriverVersion = "0.1.0-dev"
)

// Limits of the handshake specification.
const (
	// MaxMetadataSize is the largest client document, BSON overhead included.
	MaxMetadataSize = 512
	// MaxAppNameSize is the longest application name, in bytes.
	MaxAppNameSize = 128
)

// Errors of NewMetadata.
var (
	// ErrAppName: the application name is longer than MaxAppNameSize bytes.
	ErrAppName = errors.New("conn: appName longer than 128 bytes")
	// ErrDriverInfo: a DriverInfo field holds the "|" delimiter.
	ErrDriverInfo = errors.New(`conn: driver info must not contain "|"`)
	// ErrMetadataSize: the client document stays over MaxMetadataSize bytes
	// even with everything optional left out.
	ErrMetadataSize = errors.New("conn: client metadata larger than 512 bytes")
)

// DriverInfo is what a library wrapping the driver adds to the handshake's
// client metadata. Each non-empty field is appended to the driver's own,
// after a "|". An empty field counts as unset.
type DriverInfo struct {
	Name     string
	Version  string
	Platform string
}

// MetadataOptions are the inputs of NewMetadata. Getenv and FileExists let
// tests present any environment; nil means the process's own.
type MetadataOptions struct {
	AppName    string
	DriverInfo []DriverInfo
	Getenv     func(key string) string
	FileExists func(path string) bool
}

// NewMetadata builds the client document of the handshake specification:
// application.name, driver {name, version}, os {type, name, architecture},
// platform and env (FaaS and container detection, from environment
// variables and /.dockerenv only). DriverInfo entries are appended in order,
// and one equal to an earlier entry is dropped, so that wrapping the same
// client twice changes nothing.
//
// The document is kept within MaxMetadataSize bytes by leaving out, in
// order, the fields of env other than its name, the fields of os other than
// its type, env itself, and then the end of platform.
func NewMetadata(o MetadataOptions) (bson.Raw, error) {
	if len(o.AppName) > MaxAppNameSize {
		return nil, ErrAppName
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.FileExists == nil {
		o.FileExists = fileExists
	}
	m := metadata{
		app:      o.AppName,
		name:     DriverName,
		version:  DriverVersion,
		osType:   osType(runtime.GOOS),
		osName:   runtime.GOOS,
		osArch:   runtime.GOARCH,
		platform: runtime.Version() + " " + runtime.Compiler,
		env:      detectEnv(o.Getenv, o.FileExists),
	}
	var seen []DriverInfo
	for _, di := range o.DriverInfo {
		if strings.Contains(di.Name, "|") || strings.Contains(di.Version, "|") || strings.Contains(di.Platform, "|") {
			return nil, ErrDriverInfo
		}
		if di == (DriverInfo{}) || containsInfo(seen, di) {
			continue
		}
		seen = append(seen, di)
		m.name = appendInfo(m.name, di.Name)
		m.version = appendInfo(m.version, di.Version)
		m.platform = appendInfo(m.platform, di.Platform)
	}
	return m.encode()
}

// containsInfo reports whether infos holds di; empty fields compare equal
// as unset, which plain comparison already does.
func containsInfo(infos []DriverInfo, di DriverInfo) bool {
	for _, x := range infos {
		if x == di {
			return true
		}
	}
	return false
}

func appendInfo(base, add string) string {
	if add == "" {
		return base
	}
	return base + "|" + add
}

// metadata is the client document before encoding.
type metadata struct {
	app                    string
	name, version          string
	osType, osName, osArch string
	platform               string
	env                    env
	omitEnvFields, omitOS  bool
	omitEnv                bool
}

// env is client.env. Zero fields are left out.
type env struct {
	name         string
	timeoutSec   *int32
	memoryMB     *int32
	region       string
	runtime      string // container.runtime
	orchestrator string // container.orchestrator
}

// encode applies the truncation steps in order until the document fits.
func (m metadata) encode() (bson.Raw, error) {
	for step := 0; ; step++ {
		switch step {
		case 1:
			m.omitEnvFields = true
		case 2:
			m.omitOS = true
		case 3:
			m.omitEnv = true
		}
		doc, err := bson.Marshal(m.doc())
		if err != nil {
			return nil, fmt.Errorf("conn: client metadata: %w", err)
		}
		if len(doc) <= MaxMetadataSize {
			return doc, nil
		}
		if step >= 3 {
			over := len(doc) - MaxMetadataSize
			if over > len(m.platform) {
				return nil, ErrMetadataSize
			}
			m.platform = truncateUTF8(m.platform, len(m.platform)-over)
			if doc, err = bson.Marshal(m.doc()); err != nil {
				return nil, fmt.Errorf("conn: client metadata: %w", err)
			}
			if len(doc) > MaxMetadataSize {
				return nil, ErrMetadataSize
			}
			return doc, nil
		}
	}
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (m *metadata) doc() bson.D {
	d := make(bson.D, 0, 5)
	if m.app != "" {
		d = append(d, bson.E{Key: "application", Value: bson.D{{Key: "name", Value: m.app}}})
	}
	d = append(d, bson.E{Key: "driver", Value: bson.D{{Key: "name", Value: m.name}, {Key: "version", Value: m.version}}})
	osDoc := bson.D{{Key: "type", Value: m.osType}}
	if !m.omitOS {
		osDoc = append(osDoc, bson.E{Key: "name", Value: m.osName}, bson.E{Key: "architecture", Value: m.osArch})
	}
	d = append(d, bson.E{Key: "os", Value: osDoc})
	if m.platform != "" {
		d = append(d, bson.E{Key: "platform", Value: m.platform})
	}
	if e := m.envDoc(); len(e) > 0 && !m.omitEnv {
		d = append(d, bson.E{Key: "env", Value: e})
	}
	return d
}

func (m *metadata) envDoc() bson.D {
	e := m.env
	var d bson.D
	if e.name != "" {
		d = append(d, bson.E{Key: "name", Value: e.name})
	}
	if m.omitEnvFields {
		return d
	}
	if e.timeoutSec != nil {
		d = append(d, bson.E{Key: "timeout_sec", Value: *e.timeoutSec})
	}
	if e.memoryMB != nil {
		d = append(d, bson.E{Key: "memory_mb", Value: *e.memoryMB})
	}
	if e.region != "" {
		d = append(d, bson.E{Key: "region", Value: e.region})
	}
	var c bson.D
	if e.runtime != "" {
		c = append(c, bson.E{Key: "runtime", Value: e.runtime})
	}
	if e.orchestrator != "" {
		c = append(c, bson.E{Key: "orchestrator", Value: e.orchestrator})
	}
	if c != nil {
		d = append(d, bson.E{Key: "container", Value: c})
	}
	return d
}

// The FaaS names of client.env.name.
const (
	faasAWS    = "aws.lambda"
	faasAzure  = "azure.func"
	faasGCP    = "gcp.func"
	faasVercel = "vercel"
)

// detectEnv reads the FaaS and container facts the handshake specification
// lists. Several FaaS providers at once leave the FaaS fields out, except
// Vercel together with AWS Lambda, where Vercel wins.
func detectEnv(getenv func(string) string, exists func(string) bool) env {
	var found []string
	if strings.HasPrefix(getenv("AWS_EXECUTION_ENV"), "AWS_Lambda_") || getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		found = append(found, faasAWS)
	}
	if getenv("FUNCTIONS_WORKER_RUNTIME") != "" {
		found = append(found, faasAzure)
	}
	if getenv("K_SERVICE") != "" || getenv("FUNCTION_NAME") != "" {
		found = append(found, faasGCP)
	}
	if getenv("VERCEL") != "" {
		found = append(found, faasVercel)
	}
	if len(found) == 2 && found[0] == faasAWS && found[1] == faasVercel {
		found = found[1:]
	}
	var e env
	if len(found) == 1 {
		e.name = found[0]
		switch e.name {
		case faasAWS:
			e.region = getenv("AWS_REGION")
			e.memoryMB = envInt32(getenv, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
		case faasGCP:
			e.memoryMB = envInt32(getenv, "FUNCTION_MEMORY_MB")
			e.timeoutSec = envInt32(getenv, "FUNCTION_TIMEOUT_SEC")
			e.region = getenv("FUNCTION_REGION")
		case faasVercel:
			e.region = getenv("VERCEL_REGION")
		}
	}
	if exists("/.dockerenv") {
		e.runtime = "docker"
	}
	if getenv("KUBERNETES_SERVICE_HOST") != "" {
		e.orchestrator = "kubernetes"
	}
	return e
}

// envInt32 parses an int32 environment variable; a missing or malformed one
// is left out, silently, as the specification requires.
func envInt32(getenv func(string) string, key string) *int32 {
	n, err := strconv.ParseInt(getenv(key), 10, 32)
	if err != nil {
		return nil
	}
	v := int32(n)
	return &v
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// osType names the operating system as uname -s would.
func osType(goos string) string {
	switch goos {
	case "linux", "android":
		return "Linux"
	case "darwin", "ios":
		return "Darwin"
	case "windows":
		return "Windows"
	case "freebsd", "openbsd", "netbsd", "dragonfly":
		return "BSD"
	case "solaris", "illumos", "aix":
		return "Unix"
	case "":
		return "unknown"
	}
	return goos
}
