package interpreter_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/internal/testserver"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

// Calls spread over two backends with the client's default service config,
// and stopping one backend (SIGTERM, no lame-duck delay) fails no call.
//
// Each backend renders a different default app name, so the reply says which
// backend answered. A manual resolver stands in for DNS: it hands the client
// two addresses, as a headless Service's DNS name does.
func TestRoundRobinAcrossBackendsLosesNoCallOnStop(t *testing.T) {
	a := testserver.Start(t, "--default-app-name", "backend-a")
	b := testserver.Start(t, "--default-app-name", "backend-b")
	r := manual.NewBuilderWithScheme("test")
	r.InitialState(resolver.State{Addresses: []resolver.Address{{Addr: a.Addr}, {Addr: b.Addr}}})
	c, err := interpreter.Dial("test:///interpreter", interpreter.WithDialOptions(grpc.WithResolvers(r)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// ASLEEP's user message holds <app name>; with no app_name in the request
	// the backend's default fills it.
	req := &pb.InterpretRequest{Input: &pb.InterpretRequest_Structured{
		Structured: &pb.StructuredError{Type: "VEHICLE_STATE", Code: "ASLEEP"},
	}}
	call := func() (string, error) {
		resp, err := c.Interpret(context.Background(), req)
		if err != nil {
			return "", err
		}
		for _, name := range []string{"backend-a", "backend-b"} {
			if strings.Contains(resp.GetUserMessage(), name) {
				return name, nil
			}
		}
		return "", fmt.Errorf("no backend name in %q", resp.GetUserMessage())
	}

	// Until both subchannels are ready round_robin uses the ready one; call
	// until both answered (bounded), then check the spread is even.
	seen := map[string]int{}
	deadline := time.Now().Add(10 * time.Second)
	for seen["backend-a"] == 0 || seen["backend-b"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not both backends answered within 10s: %v", seen)
		}
		name, err := call()
		if err != nil {
			t.Fatal(err)
		}
		seen[name]++
	}
	clear(seen)
	for range 20 {
		name, err := call()
		if err != nil {
			t.Fatal(err)
		}
		seen[name]++
	}
	if seen["backend-a"] != 10 || seen["backend-b"] != 10 {
		t.Errorf("20 calls with both backends ready: %v, want 10 each", seen)
	}

	// Four callers keep calling while backend a is stopped: SIGTERM goes out
	// once each has made perPhase calls, and each makes perPhase more after
	// a has exited. Not one call may fail, and after the exit all go to b.
	const callers, perPhase = 4, 50
	var (
		mu       sync.Mutex
		failures []error
		after    = map[string]int{}
	)
	stopped := make(chan struct{})
	var warm, done sync.WaitGroup
	warm.Add(callers)
	done.Add(callers)
	for range callers {
		go func() {
			defer done.Done()
			for i, afterStop := 0, 0; afterStop < perPhase; i++ {
				if i == perPhase {
					warm.Done()
				}
				isAfter := closed(stopped)
				name, err := call()
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err)
				case isAfter:
					after[name]++
				}
				mu.Unlock()
				if isAfter {
					afterStop++
				}
			}
		}()
	}
	warm.Wait()
	a.Terminate(t)
	a.Wait(t, 30*time.Second)
	close(stopped)
	done.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d calls failed while a backend stopped; first: %v", len(failures), failures[0])
	}
	if after["backend-a"] != 0 || after["backend-b"] != callers*perPhase {
		t.Errorf("calls after backend-a exited: %v", after)
	}
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
