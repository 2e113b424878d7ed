package interpreter_test

import (
	"sync"
	"testing"
	"time"
)

// Calls spread over two backends with the client's default service config,
// and stopping one backend (SIGTERM, no lame-duck delay) fails no call.
//
// The backends and the client are twoBackends'.
func TestRoundRobinAcrossBackendsLosesNoCallOnStop(t *testing.T) {
	a, _, c := twoBackends(t)
	failover := failoverCall(c)
	call := func() (string, error) {
		o := failover(false)
		return o.backend, o.err
	}

	// Then the spread must be even.
	untilBothAnswer(t, failover)
	seen := map[string]int{}
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
