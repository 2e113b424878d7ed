package interpreter

import (
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/roundrobin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BalancerName is the load-balancing policy ServiceConfig names:
// round_robin that sets aside, for EjectionTime, a backend whose attempt
// just ran out of time.
//
// Why: per-attempt timeouts alone (attemptTimeouts) are not enough against
// a frozen replica. Its connection stays READY until keepalive closes it
// (about 12 s with DefaultKeepalive, grpc-go's floor being 10 s), and a
// retry through plain round_robin lands on it again half the time with two
// backends: measured with a 15 s freeze, 3 of 9,311 calls still failed
// after four attempts and calls needed up to four attempts. gRPC's own
// outlier detection (gRFC A50) would do this, but grpc-go registers it only
// with its xDS packages (a large dependency tree for a small client), and
// it ejects on success-rate statistics per interval, seconds later.
//
// What it does: an attempt that ends in DEADLINE_EXCEEDED marks its
// backend's connection (SubConn) suspect for EjectionTime; picks skip
// suspect connections, by asking round_robin again (up to pickTries
// times); once EjectionTime has passed one pick is let through as a probe
// (and the connection stays suspect for another EjectionTime meanwhile);
// any successful attempt clears the mark. When every ready connection is
// suspect the pick is round_robin's own, so this never makes a call fail
// that round_robin would have placed. A backend that resumes takes
// traffic again at its first successful probe, within about EjectionTime.
const BalancerName = "vehicle_errors_round_robin"

// EjectionTime is how long a backend whose attempt timed out gets no new
// attempts, except one probe per EjectionTime.
const EjectionTime = time.Second

// pickTries bounds how often one pick asks round_robin again for a
// connection that is not suspect.
const pickTries = 8

func init() {
	balancer.Register(ejectingBuilder{})
}

type ejectingBuilder struct{}

func (ejectingBuilder) Name() string { return BalancerName }

func (ejectingBuilder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	e := &ejector{suspect: map[balancer.SubConn]time.Time{}, ejectFor: EjectionTime, now: time.Now}
	return balancer.Get(roundrobin.Name).Build(&ejectingCC{ClientConn: cc, e: e}, opts)
}

// ejectingCC hands the ClientConn every picker round_robin builds, wrapped.
type ejectingCC struct {
	balancer.ClientConn
	e *ejector
}

func (c *ejectingCC) UpdateState(s balancer.State) {
	if s.Picker != nil {
		s.Picker = &ejectingPicker{inner: s.Picker, e: c.e}
	}
	c.ClientConn.UpdateState(s)
}

// ejector holds the suspect connections of one channel.
type ejector struct {
	mu       sync.Mutex
	suspect  map[balancer.SubConn]time.Time // until when no new attempts go there
	any      atomic.Bool                    // len(suspect) > 0, read without mu
	ejectFor time.Duration
	now      func() time.Time
}

// admit says whether a pick may use sc: yes if it is not suspect, or as
// the one probe once its ejection has run out.
func (e *ejector) admit(sc balancer.SubConn) bool {
	if !e.any.Load() {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	until, ok := e.suspect[sc]
	if !ok {
		return true
	}
	now := e.now()
	if now.Before(until) {
		return false
	}
	e.suspect[sc] = now.Add(e.ejectFor) // one probe per ejectFor
	return true
}

// done records an attempt's outcome on sc.
func (e *ejector) done(sc balancer.SubConn, err error) {
	switch {
	case err == nil:
		if e.any.Load() {
			e.mu.Lock()
			delete(e.suspect, sc)
			e.any.Store(len(e.suspect) > 0)
			e.mu.Unlock()
		}
	case status.Code(err) == codes.DeadlineExceeded:
		e.mu.Lock()
		e.suspect[sc] = e.now().Add(e.ejectFor)
		e.any.Store(true)
		e.mu.Unlock()
	}
}

type ejectingPicker struct {
	inner balancer.Picker
	e     *ejector
}

func (p *ejectingPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	var res balancer.PickResult
	for try := 0; try < pickTries; try++ {
		r, err := p.inner.Pick(info)
		if err != nil {
			return r, err
		}
		res = r
		if p.e.admit(r.SubConn) {
			break
		}
		// Passed over: round_robin's picks carry no Done; report one
		// that does as not used.
		if r.Done != nil && try < pickTries-1 {
			r.Done(balancer.DoneInfo{Err: errPassedOver})
		}
	}
	sc, innerDone := res.SubConn, res.Done
	res.Done = func(di balancer.DoneInfo) {
		p.e.done(sc, di.Err)
		if innerDone != nil {
			innerDone(di)
		}
	}
	return res, nil
}

var errPassedOver = status.Error(codes.Canceled, "pick passed over: backend set aside after a timed-out attempt")
