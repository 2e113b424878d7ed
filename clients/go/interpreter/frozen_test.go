package interpreter_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

// One of two backends is frozen (SIGSTOP: no FIN, no RST, the connection
// stays open and nothing answers) under load, with Dial's defaults, then
// resumed. Loose bounds, the mechanism rather than the figures (those come
// from scripts/frozen-replica, docs/reliability.md "A frozen replica"):
//
//   - no call fails, and none comes near its deadline: every call takes
//     less than maxCall (the per-attempt timeout moves a call that met the
//     frozen backend; the ejecting balancer keeps the next ones away);
//   - calls keep completing during the freeze, on b (counted on b's
//     metrics endpoint as well as from the answers);
//   - after SIGCONT, a answers calls again (seen in the answers, and in
//     a's own grpc_server_handled_total).
//
// The only sleep is the freeze itself; the phases end on call counts.
func TestFrozenReplicaLosesNoCallAndComesBack(t *testing.T) {
	const (
		callers      = 8
		beforeFreeze = 200
		freeze       = 4 * time.Second
		maxCall      = 3 * time.Second // the deadline is 5 s
		minDuring    = 100             // calls completed on b during the freeze
		backWithin   = 20 * time.Second
	)
	a, b, c := twoBackends(t)
	call := failoverCall(c)
	untilBothAnswer(t, call)

	const (
		phaseBefore = iota
		phaseFrozen
		phaseResumed
	)
	var (
		phase     atomic.Int32
		completed atomic.Int64
		mu        sync.Mutex
		slowest   time.Duration
		failures  []error
		byPhase   [3]map[string]int
	)
	for i := range byPhase {
		byPhase[i] = map[string]int{}
	}
	warm := make(chan struct{})
	back := make(chan struct{}) // a answered after SIGCONT
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(callers)
	for range callers {
		go func() {
			defer wg.Done()
			for !closed(stop) {
				p := phase.Load()
				start := time.Now()
				o := call(false)
				took := time.Since(start)
				mu.Lock()
				slowest = max(slowest, took)
				if o.err != nil {
					failures = append(failures, o.err)
				} else {
					byPhase[p][o.backend]++
					if p == phaseResumed && o.backend == "backend-a" && byPhase[p]["backend-a"] == 1 {
						close(back)
					}
				}
				mu.Unlock()
				if completed.Add(1) == beforeFreeze {
					close(warm)
				}
			}
		}()
	}
	<-warm
	aBefore, bBefore := a.Handled(t, "Interpret", "OK"), b.Handled(t, "Interpret", "OK")
	a.Pause(t)
	phase.Store(phaseFrozen)
	time.Sleep(freeze) // the deliberate freeze
	mu.Lock()
	frozenCalls := byPhase[phaseFrozen]["backend-b"]
	mu.Unlock()
	bDuring := b.Handled(t, "Interpret", "OK") - bBefore
	a.Resume(t)
	phase.Store(phaseResumed)
	select {
	case <-back:
	case <-time.After(backWithin):
	}
	close(stop)
	wg.Wait()
	aAfter := a.Handled(t, "Interpret", "OK")

	t.Logf("calls by phase: before %v, frozen %v, resumed %v; slowest %v; failed %d",
		byPhase[phaseBefore], byPhase[phaseFrozen], byPhase[phaseResumed], slowest, len(failures))
	t.Logf("b handled %d Interpret OK during the freeze; a handled %d from SIGSTOP to the end", bDuring, aAfter-aBefore)
	if len(failures) > 0 {
		t.Errorf("%d calls failed; first: %v", len(failures), failures[0])
	}
	if slowest >= maxCall {
		t.Errorf("slowest call took %v, want < %v (the deadline is %v)", slowest, maxCall, interpreter.DefaultTimeout)
	}
	if frozenCalls < minDuring || bDuring < frozenCalls {
		t.Errorf("during the %v freeze: %d calls answered by b, b's metrics count %d; want at least %d and no fewer on b",
			freeze, frozenCalls, bDuring, minDuring)
	}
	// a's own count covers at least the answers it gave after SIGCONT.
	if n := byPhase[phaseResumed]["backend-a"]; n == 0 || aAfter-aBefore < n {
		t.Errorf("a took no calls within %v of SIGCONT: answers %v, a's metrics %d -> %d",
			backWithin, byPhase[phaseResumed], aBefore, aAfter)
	}
}
