// Package interpreter connects to vehicle-error-interpreter with the defaults
// a production caller needs, so every service does not have to rediscover
// them:
//
//   - a deadline on every call (DefaultTimeout unless the context already has
//     one), because a call without a deadline can hang forever;
//   - round_robin over every address the target resolves to, because one
//     HTTP/2 connection otherwise pins all calls to one pod behind a
//     Kubernetes headless Service;
//   - retries of UNAVAILABLE only (every RPC of the service is idempotent, and
//     no other code is worth retrying blindly);
//   - a short timeout per attempt (DefaultAttemptTimeout), after which the
//     call is tried again on another pick, and client keepalive
//     (DefaultKeepalive), because a replica that is frozen or cut off (no
//     FIN, no RST) otherwise holds every call routed to it for its whole
//     deadline (docs/reliability.md, "A frozen replica").
//
// In a cluster, dial the headless Service through DNS:
//
//	c, err := interpreter.Dial("dns:///vehicle-error-interpreter-headless.<ns>.svc.cluster.local:50051")
package interpreter

import (
	"context"
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	vehicleerrorsv1 "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
)

// DefaultTimeout bounds a call whose context has no deadline. The server
// answers in well under a millisecond; five seconds (the server's own
// request timeout) leaves room for retries and a slow network.
const DefaultTimeout = 5 * time.Second

// ServiceConfig is the default gRPC service config: round_robin (as
// BalancerName, which sets aside a backend whose attempt timed out), and up
// to 4 attempts of any InterpreterService call that fails with UNAVAILABLE
// (a pod going away, a connection refused), with jittered exponential
// backoff.
// A service config from the resolver would take precedence; DNS provides none.
// The Python client's retry policy is the same: config_test.go writes Dial's
// defaults where the Python tests compare them with that client's.
const ServiceConfig = `{
  "loadBalancingConfig": [{"vehicle_errors_round_robin": {}}],
  "methodConfig": [{
    "name": [{"service": "vehicle_errors.v1.InterpreterService"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// DefaultKeepalive is the client keepalive Dial sets: a PING after 10 s
// without reads (grpc-go's floor: it raises anything lower to 10 s), the
// connection closed if no answer comes within 2 s, also while no call is in
// flight. A frozen replica's connection is then closed after about 12 s, so
// round_robin stops picking it and reconnects (the new connection becomes
// ready only once the server answers again); until then the per-attempt
// timeout moves the calls it gets. The server polices no ping rate of its
// own except --max-control-frames-per-second (10/s after a burst of 100),
// which one PING per 10 s cannot reach. For one client, override it with
// WithDialOptions(grpc.WithKeepaliveParams(...)).
var DefaultKeepalive = keepalive.ClientParameters{
	Time:                10 * time.Second,
	Timeout:             2 * time.Second,
	PermitWithoutStream: true,
}

// Client is a connection to the service: the generated InterpreterService
// client plus the standard health client, sharing one *grpc.ClientConn.
type Client struct {
	vehicleerrorsv1.InterpreterServiceClient
	// Health is the server's grpc.health.v1 service.
	Health healthpb.HealthClient

	conn *grpc.ClientConn
}

type options struct {
	timeout        time.Duration
	attemptTimeout time.Duration
	dialOpts       []grpc.DialOption
}

// Option changes a default of Dial.
type Option func(*options)

// WithTimeout sets the deadline given to calls whose context has none.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithAttemptTimeout sets the timeout of one attempt of a unary call
// (DefaultAttemptTimeout by default; 0 turns per-attempt timeouts off, so
// an attempt may take the call's whole deadline).
func WithAttemptTimeout(d time.Duration) Option {
	return func(o *options) { o.attemptTimeout = d }
}

// WithDialOptions adds gRPC dial options after the defaults, so they win:
// for example grpc.WithTransportCredentials for TLS.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOpts = append(o.dialOpts, opts...) }
}

// Dial creates a client for target, a gRPC target such as "localhost:50051"
// or "dns:///svc-headless.ns.svc.cluster.local:50051" (plain host:port means
// dns:///host:port). Like grpc.NewClient it does not connect yet: the first
// call does. The connection is plaintext unless WithDialOptions says
// otherwise.
func Dial(target string, opts ...Option) (*Client, error) {
	o := options{timeout: DefaultTimeout, attemptTimeout: DefaultAttemptTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if o.timeout <= 0 {
		return nil, errors.New("interpreter: timeout must be positive")
	}
	if o.attemptTimeout < 0 {
		return nil, errors.New("interpreter: attempt timeout must not be negative")
	}
	dialOpts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(ServiceConfig),
		grpc.WithKeepaliveParams(DefaultKeepalive),
		// defaultDeadline first: attemptTimeouts splits the call's deadline.
		grpc.WithChainUnaryInterceptor(defaultDeadline(o.timeout),
			attemptTimeouts(o.attemptTimeout, DefaultMaxAttempts)),
	}, o.dialOpts...)
	conn, err := grpc.NewClient(target, dialOpts...)
	if err != nil {
		return nil, err
	}
	return &Client{
		InterpreterServiceClient: vehicleerrorsv1.NewInterpreterServiceClient(conn),
		Health:                   healthpb.NewHealthClient(conn),
		conn:                     conn,
	}, nil
}

// Conn returns the underlying connection, for other clients on the same
// server (reflection, for example).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection; calls in flight fail with CANCELED.
func (c *Client) Close() error { return c.conn.Close() }

// defaultDeadline gives every unary call without a deadline one of d. The
// deadline covers all retry attempts and travels to the server as
// grpc-timeout.
func defaultDeadline(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// ErrorInfo returns the google.rpc.ErrorInfo detail of a gRPC error, or nil.
// Every error the service returns carries one; branch on its Reason, never
// on the message text.
func ErrorInfo(err error) *errdetails.ErrorInfo {
	return detail[*errdetails.ErrorInfo](err)
}

// BadRequest returns the google.rpc.BadRequest detail of an INVALID_ARGUMENT
// error (which request field was wrong, and why), or nil.
func BadRequest(err error) *errdetails.BadRequest {
	return detail[*errdetails.BadRequest](err)
}

func detail[T any](err error) T {
	var zero T
	st, ok := status.FromError(err)
	if !ok {
		return zero
	}
	for _, d := range st.Details() {
		if t, ok := d.(T); ok {
			return t
		}
	}
	return zero
}
