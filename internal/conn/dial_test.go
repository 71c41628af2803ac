package conn

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/motor-go/motor/internal/wire/wiretest"
)

// unixProxy listens on a Unix domain socket and relays each connection to
// the TCP address target. It stops, and waits for its goroutines, when the
// test ends.
func unixProxy(t *testing.T, target string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "motor-conn")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mongodb-27017.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			relay := func(dst, src net.Conn) {
				_, _ = io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			wg.Go(func() { relay(out, in) })
			wg.Go(func() { relay(in, out) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		os.RemoveAll(dir)
	})
	return path
}

func TestDialUnixSocket(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, nil)
	path := unixProxy(t, s.Addr())
	d := &recordingDialer{}
	c := dial(t, path, &Config{Dialer: d})
	if d.network != "unix" || c.Address() != path {
		t.Errorf("dialed %q to %q", d.network, c.Address())
	}
	ping(t, c)
	if got := s.Commands(); len(got) != 2 || got[1] != "ping" {
		t.Errorf("server saw %v", got)
	}
	c.Close()

	// The default dialer picks the Unix network too.
	c = dial(t, path, nil)
	ping(t, c)
}

func TestDialUnixSocketMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.sock")
	_, err := Dial(context.Background(), path, nil)
	if ne := networkError(t, err); ne.Op != "dial" || ne.Address != path {
		t.Errorf("Dial: %v", err)
	}
}

func TestIsUnixSocket(t *testing.T) {
	for addr, want := range map[string]bool{
		"/tmp/mongodb-27017.sock": true,
		"relative/mongodb.sock":   true,
		"/var/run/mongod":         true,
		"localhost:27017":         false,
		"[::1]:27017":             false,
		"db.example.com:27017":    false,
	} {
		if got := isUnixSocket(addr); got != want {
			t.Errorf("isUnixSocket(%q) = %v", addr, got)
		}
	}
}
