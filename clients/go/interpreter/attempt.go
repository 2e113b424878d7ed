package interpreter

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultAttemptTimeout bounds one attempt of a unary call to the service
// (see attemptTimeouts). The server answers in well under a millisecond;
// half a second is hundreds of times that, yet leaves room for several
// attempts within DefaultTimeout and keeps a call that first met a frozen
// replica well under the 3 s the reliability goal allows
// (docs/reliability.md, "A frozen replica").
const DefaultAttemptTimeout = 500 * time.Millisecond

// DefaultMaxAttempts is how many attempts attemptTimeouts makes at most; the
// last one gets all the time the call has left.
const DefaultMaxAttempts = 4

// retriedServices are the services whose unary calls attemptTimeouts
// repeats: every RPC of both is idempotent. Other services on the same
// connection (Conn) are left alone.
var retriedServices = []string{
	"/vehicle_errors.v1.InterpreterService/",
	"/grpc.health.v1.Health/",
}

// attemptTimeouts gives each attempt of a unary call its own timeout, per,
// and makes a new attempt (a fresh pick, so round_robin can choose another
// backend) when an attempt runs out of it while the call has time left.
//
// Why: a replica that is stopped, partitioned or hung (no FIN, no RST) keeps
// its connection READY, so round_robin keeps picking it, and a call there
// waits for its whole deadline. grpc-go 1.85 has no per-attempt timeout in
// its retry policy (no perAttemptRecvTimeout, no hedging) and raises client
// keepalive below 10 s to 10 s, so neither the service config nor
// keepalive alone can move such a call within a few seconds.
//
// At most maxAttempts attempts; the last one (and any attempt when less than
// per is left) runs to the call's own deadline, so a backend that is slow
// but alive can still answer, and the extra load a slow service sees from
// this is bounded by maxAttempts. Only DEADLINE_EXCEEDED of the attempt's
// own timeout is repeated; every other outcome, including the caller's
// deadline or cancellation, is returned as it is (UNAVAILABLE has already
// been retried by the service config's retryPolicy inside the attempt).
// Runs inside defaultDeadline, so the call always has a deadline here.
func attemptTimeouts(per time.Duration, maxAttempts int) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if per <= 0 || !retried(method) {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		for attempt := 1; ; attempt++ {
			deadline, ok := ctx.Deadline()
			if !ok || attempt >= maxAttempts || time.Until(deadline) <= per {
				return invoker(ctx, method, req, reply, cc, opts...)
			}
			actx, cancel := context.WithTimeout(ctx, per)
			err := invoker(actx, method, req, reply, cc, opts...)
			attemptErr := actx.Err()
			cancel()
			if err == nil || ctx.Err() != nil || attemptErr != context.DeadlineExceeded ||
				status.Code(err) != codes.DeadlineExceeded {
				return err
			}
		}
	}
}

func retried(method string) bool {
	for _, prefix := range retriedServices {
		if strings.HasPrefix(method, prefix) {
			return true
		}
	}
	return false
}
