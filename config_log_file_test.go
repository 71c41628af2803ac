package motor_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/motor-go/motor"
)

// openFDsTo counts the descriptors of the process open on path (Linux's
// /proc/self/fd).
func openFDsTo(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}

// TestLogFileClosedWhenConnectFails: the MONGODB_LOG_PATH file that
// ConnectConfig opens is closed when ConnectEagerly fails, as Close would
// have closed it.
func TestLogFileClosedWhenConnectFails(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts open descriptors through /proc/self/fd, which only Linux has")
	}
	path := filepath.Join(t.TempDir(), "motor.log")
	t.Setenv("MONGODB_LOG_TOPOLOGY", "debug")
	t.Setenv("MONGODB_LOG_PATH", path)
	// Port 1 of the loopback address: nothing listens there.
	cfg, err := motor.ParseURI("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnectEagerly = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if c, err := motor.ConnectConfig(ctx, cfg); err == nil {
		c.Close(ctx)
		t.Fatal("ConnectConfig succeeded with no server")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the log file was not created: %v", err)
	}
	if n := openFDsTo(t, path); n != 0 {
		t.Errorf("%d descriptors still open on the log file after the failed connect", n)
	}
}
