package interpreter_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/internal/testserver"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

// kill -9 of one of two backends under load, behind round_robin with the
// package's default service config (retries of UNAVAILABLE): every call that
// fails had already received its response headers when the connection was
// reset (gRFC A6: headers commit a call, so no retry policy may repeat it),
// at most one per caller, and once the killed process has exited the
// survivor answers every call.
//
// Sixteen callers call in a loop, every fourth call a BatchInterpret of three
// items, the rest Interpret. The backends render different default app
// names, so every answer says which backend gave it (every item of a batch
// must name the same one). SIGKILL goes to backend a once beforeKill calls
// have completed; the load goes on until afterKill calls have completed
// after a's exit, plus a window of one call per caller: a caller may have
// had a's answer in hand when a exited and record it just after. No sleeps:
// both phases end on call counts.
//
// A stats handler counts each call's attempts, so the log shows how many
// calls the retry policy saved. It observes only; the retry behaviour is
// Dial's.
func TestKillNineUnderLoadFailsOver(t *testing.T) {
	const (
		callers    = 16
		beforeKill = 1000
		afterKill  = 2000
		window     = callers
	)
	attempts := &attemptCounter{failed: map[codes.Code]int{}}
	a, _, c := twoBackends(t, grpc.WithStatsHandler(attempts))
	call := failoverCall(c)
	// So that the kill hits a balanced load.
	untilBothAnswer(t, call)

	var (
		completed atomic.Int64 // calls completed under load
		killedAt  atomic.Int64 // completed when a had exited; 0 until then
		mu        sync.Mutex
		outcomes  []outcome
		loaded    sync.WaitGroup
	)
	warm := make(chan struct{})
	stop := make(chan struct{}) // ends the load early if the test fails first
	defer close(stop)
	loaded.Add(callers)
	for range callers {
		go func() {
			defer loaded.Done()
			for i := 0; !closed(stop); i++ {
				if k := killedAt.Load(); k > 0 && completed.Load() >= k+window+afterKill {
					return
				}
				o := call(i%4 == 3)
				o.seq = completed.Add(1)
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
				if o.seq == beforeKill {
					close(warm)
				}
			}
		}()
	}
	<-warm
	a.Kill(t, 10*time.Second)
	killedAt.Store(completed.Load())
	loaded.Wait()

	k := killedAt.Load()
	var (
		failures             = map[codes.Code]int{}
		firstFailure         error
		uncommitted          []error // failed before any response headers
		before, inWin, after = map[string]int{}, map[string]int{}, map[string]int{}
		afterCalls           int
		retried, transparent int
		maxAttempts          int32
	)
	for _, o := range outcomes {
		if o.attempts > 1 {
			retried++
		}
		transparent += int(o.transparent)
		maxAttempts = max(maxAttempts, o.attempts)
		name := o.backend
		if o.err != nil {
			failures[status.Code(o.err)]++
			if firstFailure == nil {
				firstFailure = o.err
			}
			if !o.committed {
				uncommitted = append(uncommitted, o.err)
			}
			name = "failed"
		}
		switch {
		case o.seq <= k:
			before[name]++
		case o.seq <= k+window:
			inWin[name]++
		default:
			after[name]++
			afterCalls++
		}
	}
	total, failed := len(outcomes), 0
	for _, n := range failures {
		failed += n
	}
	rate := float64(total-failed) / float64(total)
	t.Logf("calls: %d (%d before a had exited, %d in the window, %d after); failed: %d %v; success rate %.4f%%",
		total, k, window, afterCalls, failed, failures, 100*rate)
	t.Logf("answers before exit %v, in the window %v, after %v", before, inWin, after)
	t.Logf("retries: %d calls needed more than one attempt (at most %d), %d transparent attempts; failed attempts by code %v; first failed attempt: %v",
		retried, maxAttempts, transparent, attempts.failedCodes(), attempts.firstError())
	if firstFailure != nil {
		t.Logf("first failed call: %v", firstFailure)
	}

	// A call whose answer had begun (headers received) when a died is lost:
	// the client may not repeat it (it may have run), and the server cannot
	// make headers, message and trailers one write (h2 queues them from the
	// call's task while the connection task writes). Every other failure is
	// one the retry policy should have saved.
	if len(uncommitted) > 0 {
		t.Errorf("%d failed calls had no response headers, so the retry policy could have retried them; first: %v",
			len(uncommitted), uncommitted[0])
	}
	if failed > callers {
		t.Errorf("%d calls failed; at most one per caller (%d) can be in flight on a when it dies", failed, callers)
	}
	if before["backend-a"] == 0 || before["backend-b"] == 0 {
		t.Errorf("both backends should have answered before the kill: %v", before)
	}
	if after["backend-b"] != afterCalls {
		t.Errorf("after a's exit and the window, the survivor answered %d of %d calls: %v",
			after["backend-b"], afterCalls, after)
	}
}

// outcome is one call under load.
type outcome struct {
	seq         int64  // completion order, from 1
	backend     string // which backend answered; "" if err
	err         error
	attempts    int32 // attempts the channel made, retries included
	transparent int32 // of which transparent retries
	committed   bool  // the last attempt received response headers
}

// twoBackends starts backends a and b, which render different default app
// names so that every answer says which one gave it, and a client with
// Dial's defaults plus opts that reaches both through a manual resolver,
// standing in for a headless Service's DNS name.
func twoBackends(t *testing.T, opts ...grpc.DialOption) (a, b *testserver.Server, c *interpreter.Client) {
	t.Helper()
	a = testserver.Start(t, "--default-app-name", "backend-a")
	b = testserver.Start(t, "--default-app-name", "backend-b")
	r := manual.NewBuilderWithScheme("test")
	r.InitialState(resolver.State{Addresses: []resolver.Address{{Addr: a.Addr}, {Addr: b.Addr}}})
	c, err := interpreter.Dial("test:///interpreter",
		interpreter.WithDialOptions(append([]grpc.DialOption{grpc.WithResolvers(r)}, opts...)...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return a, b, c
}

// untilBothAnswer calls until both backends have answered, for at most
// 10 s: until both subchannels are ready, round_robin uses the ready one.
func untilBothAnswer(t *testing.T, call func(batch bool) outcome) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for seen := map[string]bool{}; !seen["backend-a"] || !seen["backend-b"]; {
		if time.Now().After(deadline) {
			t.Fatalf("not both backends answered within 10s: %v", seen)
		}
		o := call(false)
		if o.err != nil {
			t.Fatal(o.err)
		}
		seen[o.backend] = true
	}
}

// failoverCall returns a function that makes one Interpret call, or a
// BatchInterpret call of three items, and says which backend answered.
func failoverCall(c *interpreter.Client) func(batch bool) outcome {
	item := func(code string) *pb.InterpretRequest {
		// ASLEEP's and IN_MOTION's user messages hold <app name>; with no
		// app_name in the request the backend's default fills it.
		return &pb.InterpretRequest{Input: &pb.InterpretRequest_Structured{
			Structured: &pb.StructuredError{Type: "VEHICLE_STATE", Code: code},
		}}
	}
	single := item("ASLEEP")
	batch := &pb.BatchInterpretRequest{Requests: []*pb.InterpretRequest{item("ASLEEP"), item("IN_MOTION"), item("ASLEEP")}}
	return func(isBatch bool) outcome {
		info := &callInfo{}
		ctx := context.WithValue(context.Background(), callKey{}, info)
		var o outcome
		if isBatch {
			var resp *pb.BatchInterpretResponse
			if resp, o.err = c.BatchInterpret(ctx, batch); o.err == nil {
				o.backend, o.err = batchBackend(resp)
			}
		} else {
			var resp *pb.InterpretResponse
			if resp, o.err = c.Interpret(ctx, single); o.err == nil {
				o.backend, o.err = backendOf(resp.GetUserMessage())
			}
		}
		o.attempts, o.transparent = info.attempts.Load(), info.transparent.Load()
		o.committed = info.headers.Load()
		return o
	}
}

func batchBackend(resp *pb.BatchInterpretResponse) (string, error) {
	if len(resp.GetResults()) != 3 {
		return "", fmt.Errorf("%d batch results, want 3", len(resp.GetResults()))
	}
	var name string
	for i, res := range resp.GetResults() {
		if res.GetError() != nil {
			return "", fmt.Errorf("batch item %d: %v", i, res.GetError())
		}
		n, err := backendOf(res.GetResponse().GetUserMessage())
		if err != nil {
			return "", err
		}
		if name != "" && n != name {
			return "", fmt.Errorf("one batch answered by %s and %s", name, n)
		}
		name = n
	}
	return name, nil
}

func backendOf(msg string) (string, error) {
	for _, name := range []string{"backend-a", "backend-b"} {
		if strings.Contains(msg, name) {
			return name, nil
		}
	}
	return "", errors.New("no backend name in " + msg)
}

// callKey carries a call's *callInfo in its context, where attemptCounter
// finds it: grpc-go derives each attempt's context from the call's.
type callKey struct{}

type callInfo struct {
	attempts, transparent atomic.Int32
	// The current (finally: the last) attempt received response headers.
	headers atomic.Bool
}

// attemptCounter is a client stats handler: it counts every attempt of a
// call (grpc-go reports a Begin and an End per attempt), notes whether the
// last one received response headers, and counts the codes of attempts that
// failed, retried or not.
type attemptCounter struct {
	mu     sync.Mutex
	failed map[codes.Code]int
	first  error
}

func (h *attemptCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}

func (h *attemptCounter) HandleRPC(ctx context.Context, s stats.RPCStats) {
	switch s := s.(type) {
	case *stats.Begin:
		if info, ok := ctx.Value(callKey{}).(*callInfo); ok {
			info.attempts.Add(1)
			info.headers.Store(false)
			if s.IsTransparentRetryAttempt {
				info.transparent.Add(1)
			}
		}
	case *stats.InHeader:
		if info, ok := ctx.Value(callKey{}).(*callInfo); ok {
			info.headers.Store(true)
		}
	case *stats.End:
		if s.Error != nil {
			h.mu.Lock()
			h.failed[status.Code(s.Error)]++
			if h.first == nil {
				h.first = s.Error
			}
			h.mu.Unlock()
		}
	}
}

func (h *attemptCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (h *attemptCounter) HandleConn(context.Context, stats.ConnStats) {}

func (h *attemptCounter) failedCodes() map[codes.Code]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.failed)
}

func (h *attemptCounter) firstError() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first
}
