package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// FerretDBVersion is the FerretDB release that testenv builds. It must match
// the requirement in testserver/go.mod.
const FerretDBVersion = "v1.24.2"

// ferretdbPackage is the main package built from the testserver module.
const ferretdbPackage = "github.com/FerretDB/FerretDB/cmd/ferretdb"

// BuildTimeout bounds one build of the FerretDB binary, including waiting
// for a build that another process runs. A cold build on two cores takes a
// few minutes.
const BuildTimeout = 15 * time.Minute

// recipe changes whenever the build steps below change, so that binaries
// built by an older recipe are not reused.
const recipe = "vendor-1"

var built struct {
	sync.Mutex
	path string
}

// Binary returns the path of a FerretDB binary built from the testserver
// module, building it first if the cache does not hold one for the current
// content of testserver/go.mod and go.sum and the current Go toolchain.
//
// The cache is $MOTOR_TESTSERVER_CACHE, or motor-testserver under
// [os.UserCacheDir]; each build lives in a directory named after its key. A
// file lock makes concurrent callers, in this process or others (go test runs
// the test binaries of several packages at once), wait for one build. The
// build copies testserver/go.mod and go.sum into the cache, vendors the
// FerretDB tool there, writes the version.txt that FerretDB's main package
// requires, and runs go build -mod=vendor; the repository's work tree is not
// touched. The output of a failed step is part of the error.
//
// ctx bounds the build and the wait for the lock. Binary does not add a
// timeout of its own: callers pass one (see [BuildTimeout]).
func Binary(ctx context.Context) (string, error) {
	built.Lock()
	defer built.Unlock()
	if built.path != "" {
		if _, err := os.Stat(built.path); err == nil {
			return built.path, nil
		}
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	goCmd, err := goCommand()
	if err != nil {
		return "", err
	}
	key, err := buildKey(ctx, goCmd, root)
	if err != nil {
		return "", err
	}
	cache, err := cacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, key)
	bin := filepath.Join(dir, "ferretdb")
	if _, err := os.Stat(bin); err == nil {
		built.path = bin
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(ctx, filepath.Join(cache, key+".lock"))
	if err != nil {
		return "", fmt.Errorf("testenv: waiting for the FerretDB build lock: %w", err)
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil { // built by another process meanwhile
		built.path = bin
		return bin, nil
	}
	if err := build(ctx, goCmd, root, dir, bin); err != nil {
		return "", err
	}
	built.path = bin
	return bin, nil
}

// build runs the build steps in dir and renames the result to bin.
func build(ctx context.Context, goCmd, root, dir, bin string) error {
	src := filepath.Join(dir, "src")
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(root, "testserver", name))
		if err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
		if err := os.WriteFile(filepath.Join(src, name), b, 0o644); err != nil {
			return err
		}
	}
	// The testserver module requires the root module through a relative
	// replace, which means nothing in the copy and which FerretDB does not
	// need.
	const self = "github.com/motor-go/motor"
	tmp := bin + ".tmp"
	steps := [][]string{
		{"mod", "edit", "-dropreplace=" + self, "-droprequire=" + self},
		{"mod", "vendor"},
		{"build", "-mod=vendor", "-trimpath", "-o", tmp, ferretdbPackage},
	}
	start := time.Now()
	var log bytes.Buffer
	for i, args := range steps {
		if i == 2 {
			// FerretDB's build/version package panics at start unless the
			// module's build embeds version.txt, a file its releases generate.
			v := filepath.Join(src, "vendor", "github.com", "FerretDB", "FerretDB", "build", "version", "version.txt")
			if err := os.WriteFile(v, []byte(FerretDBVersion+"\n"), 0o644); err != nil {
				return fmt.Errorf("testenv: writing version.txt: %w", err)
			}
		}
		cmd := exec.CommandContext(ctx, goCmd, args...)
		cmd.Dir = src
		cmd.Env = buildEnv()
		cmd.Stdout = &log
		cmd.Stderr = &log
		fmt.Fprintf(&log, "$ go %s\n", strings.Join(args, " "))
		if err := cmd.Run(); err != nil {
			_ = os.WriteFile(filepath.Join(dir, "build.log"), log.Bytes(), 0o644)
			return fmt.Errorf("testenv: building FerretDB: go %s: %w\n%s", strings.Join(args, " "), err, tail(log.Bytes(), 4000))
		}
	}
	fmt.Fprintf(&log, "built in %s\n", time.Since(start).Round(time.Millisecond))
	_ = os.WriteFile(filepath.Join(dir, "build.log"), log.Bytes(), 0o644)
	if err := os.Rename(tmp, bin); err != nil {
		return err
	}
	// The vendor tree (about 240 MB) is only needed for the build; a failure
	// to remove it leaves the cache larger, not wrong.
	_ = os.RemoveAll(filepath.Join(src, "vendor"))
	return nil
}

// buildEnv is the environment of the go commands: the caller's, without
// anything that would change the result (a workspace, GOFLAGS such as -race,
// cross-compilation), and with cgo off since FerretDB's SQLite is pure Go.
func buildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK", "GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOWORK=off",
		"GOFLAGS=-mod=mod -buildvcs=false",
		"GOOS="+runtime.GOOS,
		"GOARCH="+runtime.GOARCH,
		"CGO_ENABLED=0",
	)
}

// buildKey hashes what determines the binary: the testserver module's
// requirements, the toolchain, the platform and the recipe.
func buildKey(ctx context.Context, goCmd, root string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(root, "testserver", name))
		if err != nil {
			return "", fmt.Errorf("testenv: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	out, err := exec.CommandContext(ctx, goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("testenv: go env GOVERSION: %w", err)
	}
	fmt.Fprintf(h, "%s %s/%s %s", bytes.TrimSpace(out), runtime.GOOS, runtime.GOARCH, recipe)
	return FerretDBVersion + "-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// cacheDir returns the root of the binary cache.
func cacheDir() (string, error) {
	if d := os.Getenv("MOTOR_TESTSERVER_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("testenv: no cache directory (set MOTOR_TESTSERVER_CACHE): %w", err)
	}
	return filepath.Join(d, "motor-testserver"), nil
}

// goCommand finds the go command: the one on PATH, else the one of the
// toolchain that built this program.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		return "", errors.New("testenv: no go command on PATH")
	}
	return p, nil
}

// RepoRoot returns the repository's root: the nearest directory holding
// go.work, looking up from the working directory and then from this source
// file's directory (for programs run from elsewhere).
func RepoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
				if _, err := os.Stat(filepath.Join(dir, "testserver", "go.mod")); err == nil {
					return dir, nil
				}
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("testenv: no go.work with testserver/go.mod above the working directory")
}

// tail returns at most the last n bytes of b, cut at a line start.
func tail(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	b = b[len(b)-n:]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return "…\n" + string(b)
}
