// Package benchdata loads the DriverBench data sets from the shared
// benchmark directory, extracting the archives in memory so that nothing is
// ever copied into the repository.
//
// The directory is $MOTOR_BENCHDATA_DIR when that is set. Otherwise it is
// ../shared/benchdata beside the repository root, the root being the nearest
// directory at or above the working directory that holds go.work.
package benchdata

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// EnvDir is the environment variable that overrides the data directory.
const EnvDir = "MOTOR_BENCHDATA_DIR"

// Doc is one DriverBench BSON document.
type Doc struct {
	// Name is the short name: "flat", "deep" or "full".
	Name string
	// JSON is the Extended JSON text from the archive.
	JSON []byte
	// BSON is the document encoded by the official driver from JSON: the
	// bytes that every benchmark of both drivers starts from.
	BSON []byte
}

// Names lists the BSON documents of extended_bson.tgz in DriverBench order.
var Names = []string{"flat", "deep", "full"}

// Dir returns the benchmark data directory (see the package comment).
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "benchdata"), nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("benchdata: no go.work at or above %s; set %s", wd, EnvDir)
		}
		d = parent
	}
}

var (
	loadOnce sync.Once
	loaded   []Doc
	loadErr  error
)

// ExtendedBSON returns the flat, deep and full documents of
// extended_bson.tgz, in that order. The archive is read once per process;
// callers must not modify the returned slices.
func ExtendedBSON() ([]Doc, error) {
	loadOnce.Do(func() { loaded, loadErr = loadExtendedBSON() })
	return loaded, loadErr
}

func loadExtendedBSON() ([]Doc, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	name := filepath.Join(dir, "extended_bson.tgz")
	files, err := readTgz(name)
	if err != nil {
		return nil, err
	}
	docs := make([]Doc, 0, len(Names))
	for _, n := range Names {
		js, ok := files[n+"_bson.json"]
		if !ok {
			return nil, fmt.Errorf("benchdata: %s has no %s_bson.json", name, n)
		}
		var d bson.D
		if err := bson.UnmarshalExtJSON(js, false, &d); err != nil {
			return nil, fmt.Errorf("benchdata: %s_bson.json: %w", n, err)
		}
		b, err := bson.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("benchdata: %s_bson.json: %w", n, err)
		}
		docs = append(docs, Doc{Name: n, JSON: js, BSON: b})
	}
	return docs, nil
}

// readTgz returns the regular files of a .tgz archive by base name.
func readTgz(name string) (map[string][]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("benchdata: %w (set %s to the benchdata directory)", err, EnvDir)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("benchdata: %s: %w", name, err)
	}
	tr := tar.NewReader(zr)
	files := make(map[string][]byte)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("benchdata: %s: %w", name, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, tr); err != nil {
			return nil, fmt.Errorf("benchdata: %s: %s: %w", name, h.Name, err)
		}
		files[path.Base(h.Name)] = buf.Bytes()
	}
	return files, nil
}
