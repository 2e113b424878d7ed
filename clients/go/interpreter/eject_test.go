package interpreter

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeSubConn stands for a backend's connection; only its identity counts.
type fakeSubConn struct {
	balancer.SubConn
	name string
}

// rr is round_robin's picker over fixed connections.
type rr struct {
	scs  []balancer.SubConn
	next int
}

func (p *rr) Pick(balancer.PickInfo) (balancer.PickResult, error) {
	sc := p.scs[p.next%len(p.scs)]
	p.next++
	return balancer.PickResult{SubConn: sc}, nil
}

// A backend whose attempt timed out gets no picks for ejectFor, then one
// probe per ejectFor; a success clears it; with every backend set aside the
// pick is round_robin's own.
func TestEjectingPickerSetsATimedOutBackendAside(t *testing.T) {
	a, b := &fakeSubConn{name: "a"}, &fakeSubConn{name: "b"}
	now := time.Unix(0, 0)
	e := &ejector{suspect: map[balancer.SubConn]time.Time{}, ejectFor: time.Second, now: func() time.Time { return now }}
	p := &ejectingPicker{inner: &rr{scs: []balancer.SubConn{a, b}}, e: e}
	pick := func() *fakeSubConn {
		t.Helper()
		res, err := p.Pick(balancer.PickInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return res.SubConn.(*fakeSubConn)
	}
	pickDone := func(err error) *fakeSubConn {
		t.Helper()
		res, perr := p.Pick(balancer.PickInfo{})
		if perr != nil {
			t.Fatal(perr)
		}
		res.Done(balancer.DoneInfo{Err: err})
		return res.SubConn.(*fakeSubConn)
	}
	timedOut := status.Error(codes.DeadlineExceeded, "context deadline exceeded")

	if got := pickDone(timedOut); got != a {
		t.Fatalf("first pick %s, want a", got.name)
	}
	for i := range 4 {
		if got := pick(); got != b {
			t.Fatalf("pick %d while a is set aside: %s", i, got.name)
		}
	}
	now = now.Add(time.Second)
	if got := pick(); got != a {
		t.Fatalf("after ejectFor the probe should go to a, got %s", got.name)
	}
	if got := pick(); got != b {
		t.Fatalf("one probe per ejectFor: got %s", got.name)
	}
	// Another timed-out attempt on b as well: both set aside, so the pick
	// is round_robin's own rather than none.
	res, _ := p.inner.Pick(balancer.PickInfo{})
	e.done(res.SubConn, timedOut)
	if got := pick(); got == nil {
		t.Fatal("no pick with every backend set aside")
	}
	// A success clears a backend.
	e.done(a, nil)
	e.done(b, nil)
	if e.any.Load() || len(e.suspect) != 0 {
		t.Fatalf("suspects left after successes: %v", e.suspect)
	}
	// Other errors do not set a backend aside.
	e.done(a, status.Error(codes.Unavailable, "gone"))
	e.done(a, context.Canceled)
	if e.any.Load() {
		t.Fatal("UNAVAILABLE or a cancellation set a backend aside")
	}
}
