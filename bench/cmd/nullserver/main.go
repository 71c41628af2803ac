// Command nullserver runs a null MongoDB server (package
// github.com/motor-go/motor/bench/nullserver) in a process of its own, so
// that a benchmark can measure the CPU time of its client alone.
//
// It listens on -addr (127.0.0.1 on a free port by default), prints the
// address it listens on as the first line of its standard output, and
// serves until SIGINT or SIGTERM, or, with -stdin, until its standard input
// ends: a parent that gives it a pipe as standard input stops it by closing
// the pipe, or by exiting, however that happens.
//
//	go run ./bench/cmd/nullserver
//	go run ./bench/cmd/nullserver -addr 127.0.0.1:27099
//
// On the way out it prints the number of requests served to standard
// error, and exits with status 1 if a client broke the protocol.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/motor-go/motor/bench/nullserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	stdin := flag.Bool("stdin", false, "also stop when standard input ends")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("nullserver: ")

	// Catch the signals before printing the address: whoever starts this
	// process may stop it as soon as it has read the address.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	s, err := nullserver.Listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Addr())
	eof := make(chan struct{})
	if *stdin {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			close(eof)
		}()
	}
	select {
	case <-stop:
	case <-eof:
	}
	if err := s.Close(); err != nil {
		log.Print(err)
	}
	log.Printf("%d connections, %d requests", s.Accepted(), s.Requests())
	if err := s.Err(); err != nil {
		log.Fatal(err)
	}
}
