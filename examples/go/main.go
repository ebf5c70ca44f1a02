// A Go service that streamux clients talk to: muxado server sessions over TCP with typed streams,
// a 512 KiB window and the heartbeat. client.ts is the JavaScript side; stand-in.ts is a streamux
// program that behaves as this one does, for trying the client without Go.
//
//	cd examples/go && go mod tidy && go run . 127.0.0.1:7000
//
// (go mod tidy fetches golang.ngrok.com/muxado/v2 and writes go.sum the first time.)
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"golang.ngrok.com/muxado/v2"
)

// These must match protocol.ts on the JavaScript side.
const (
	// muxado has no window negotiation: both peers must be configured with the same size.
	windowSize = 512 * 1024

	typeEcho  muxado.StreamType = 1 // echoes what it reads until the client half-closes
	typeHash  muxado.StreamType = 2 // reads to the end, answers "<sha256 hex> <byte count>"
	typeHello muxado.StreamType = 3 // opened by this server as soon as a client connects
)

func main() {
	addr := "127.0.0.1:7000"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	for {
		conn, err := listener.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serveConn(conn)
	}
}

func serveConn(conn net.Conn) {
	sess := muxado.Server(conn, &muxado.Config{MaxWindowSize: windowSize})
	// The heartbeat wrapper answers the client's heartbeat streams (its ping()) inside
	// AcceptTypedStream, and measures its own round trips once started.
	hb := muxado.NewHeartbeat(muxado.NewTypedStreamSession(sess), func(rtt time.Duration, timedOut bool) {
		if timedOut {
			fmt.Printf("%s: heartbeat timed out\n", conn.RemoteAddr())
		}
	}, nil)
	hb.Start()
	fmt.Printf("%s: session started\n", conn.RemoteAddr())

	go sayHello(hb)
	for {
		stream, err := hb.AcceptTypedStream()
		if err != nil {
			break
		}
		go handle(stream)
	}
	_ = hb.Close() // stops the heartbeat's timer
	localErr, remoteErr, _ := sess.Wait()
	fmt.Printf("%s: session ended: %v (remote: %v)\n", conn.RemoteAddr(), localErr, remoteErr)
}

// sayHello opens a stream to the client: either side of a muxado session may open streams.
func sayHello(hb *muxado.Heartbeat) {
	stream, err := hb.OpenTypedStream(typeHello)
	if err != nil {
		return
	}
	defer stream.Close()
	_, _ = stream.Write([]byte("hello from Go's muxado"))
}

func handle(stream muxado.TypedStream) {
	// Close() half-closes the stream (FIN) after what was written, and forgets it.
	defer stream.Close()
	switch stream.StreamType() {
	case typeEcho:
		_, _ = io.Copy(stream, stream)
	case typeHash:
		sum := sha256.New()
		n, err := io.Copy(sum, stream)
		if err != nil {
			return
		}
		fmt.Fprintf(stream, "%x %d", sum.Sum(nil), n)
	}
}
