// Command frozenload is the Go side of scripts/frozen-replica: steady load
// on two backends through interpreter.Dial's defaults, one line per call.
//
// It does not stop or resume anything itself: the script freezes a backend
// while this runs. Each backend must run with its own --default-app-name
// (backend-a, backend-b), so every answer says which one gave it.
//
// Output (to -out): "<start unix ns> <latency ns> <backend or -> <code>
// [<error text>]" per call, in completion order.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/status"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

func main() {
	addrs := flag.String("addrs", "", "comma-separated host:port of the backends")
	callers := flag.Int("callers", 8, "concurrent callers")
	pause := flag.Duration("pause", 10*time.Millisecond, "pause between one caller's calls")
	duration := flag.Duration("duration", 25*time.Second, "how long to call")
	out := flag.String("out", "", "file for the per-call lines")
	// For measuring alternatives only; the defaults are the package's.
	attempt := flag.Duration("attempt-timeout", -1, "per-attempt timeout (-1: the package default; 0: off)")
	noKeepalive := flag.Bool("no-keepalive", false, "turn the package's client keepalive off")
	flag.Parse()
	if *addrs == "" || *out == "" {
		log.Fatal("-addrs and -out are required")
	}

	r := manual.NewBuilderWithScheme("frozenload")
	var state resolver.State
	for _, a := range strings.Split(*addrs, ",") {
		state.Addresses = append(state.Addresses, resolver.Address{Addr: a})
	}
	r.InitialState(state)
	dialOpts := []grpc.DialOption{grpc.WithResolvers(r)}
	if *noKeepalive {
		dialOpts = append(dialOpts, grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 1<<63 - 1}))
	}
	opts := []interpreter.Option{interpreter.WithDialOptions(dialOpts...)}
	if *attempt >= 0 {
		opts = append(opts, interpreter.WithAttemptTimeout(*attempt))
	}
	c, err := interpreter.Dial("frozenload:///interpreter", opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var mu sync.Mutex
	req := &pb.InterpretRequest{Input: &pb.InterpretRequest_Structured{
		Structured: &pb.StructuredError{Type: "VEHICLE_STATE", Code: "ASLEEP"},
	}}
	end := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for range *callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				start := time.Now()
				resp, err := c.Interpret(context.Background(), req)
				took := time.Since(start)
				backend := "-"
				if err == nil {
					backend = "?"
					for _, name := range []string{"backend-a", "backend-b"} {
						if strings.Contains(resp.GetUserMessage(), name) {
							backend = name
						}
					}
				}
				mu.Lock()
				line := fmt.Sprintf("%d %d %s %s", start.UnixNano(), took.Nanoseconds(), backend, status.Code(err))
				if err != nil {
					line += " " + strings.Join(strings.Fields(err.Error()), " ")
				}
				fmt.Fprintln(w, line)
				mu.Unlock()
				time.Sleep(*pause)
			}
		}()
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
