package interpreter_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	codepb "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

// The toy service: a caller's own gRPC service whose one method sends a
// command to the car API, gets an error back, and asks the interpreter what
// to return. Its request and response are empty; each toy is built with the
// upstream error it will receive.
const (
	toyService = "toy.v1.CarService"
	toyMethod  = "/toy.v1.CarService/StartCharge"
)

// callerServiceConfig is the toy's caller's retry policy: it retries
// UNAVAILABLE and RESOURCE_EXHAUSTED at once, up to 4 attempts, as many
// gRPC clients (and this package's own Dial, for UNAVAILABLE) do.
const callerServiceConfig = `{
  "methodConfig": [{
    "name": [{"service": "toy.v1.CarService"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"]
    }
  }]
}`

type toy struct {
	interp     *interpreter.Client
	upstream   *pb.InterpretRequest  // the error the car API answers with
	answer     *pb.InterpretResponse // instead of interp and upstream: a fixed answer
	useHelper  bool                  // interpreter.Propagate, or the status as is
	okIfDone   bool                  // turn ErrAlreadyDone into success
	attempts   atomic.Int32
	sawAlready atomic.Bool // Propagate returned ErrAlreadyDone
	propErr    atomic.Value
}

var toyDesc = grpc.ServiceDesc{
	ServiceName: toyService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "StartCharge",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			if err := dec(new(emptypb.Empty)); err != nil {
				return nil, err
			}
			return srv.(*toy).startCharge(ctx)
		},
	}},
}

func (t *toy) startCharge(ctx context.Context) (*emptypb.Empty, error) {
	t.attempts.Add(1)
	// ... the command to the car API failed with t.upstream's body ...
	resp := t.answer
	if resp == nil {
		var err error
		if resp, err = t.interp.Interpret(ctx, t.upstream); err != nil {
			return nil, err
		}
	}
	if !t.useHelper {
		// What the READMEs used to say: return the ready status as is.
		return nil, status.FromProto(resp.GetPropagationStatus()).Err()
	}
	err := interpreter.Propagate(ctx, resp)
	t.propErr.Store(err)
	if errors.Is(err, interpreter.ErrAlreadyDone) {
		t.sawAlready.Store(true)
		if t.okIfDone {
			return &emptypb.Empty{}, nil // asked to start charging, and it is
		}
	}
	return nil, err
}

// serveToy starts t on a free port and returns a connection to it with the
// caller's retry policy.
func serveToy(tb testing.TB, t *toy) *grpc.ClientConn {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := grpc.NewServer()
	s.RegisterService(&toyDesc, t)
	go func() { _ = s.Serve(lis) }()
	tb.Cleanup(s.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(callerServiceConfig))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// callToy calls the toy once (with its retries) and returns the error and
// the trailer the caller received.
func callToy(tb testing.TB, conn *grpc.ClientConn) (error, metadata.MD) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var trailer metadata.MD
	err := conn.Invoke(ctx, toyMethod, &emptypb.Empty{}, &emptypb.Empty{}, grpc.Trailer(&trailer))
	return err, trailer
}

type propagationCase struct {
	name       string
	upstream   func() *pb.InterpretRequest
	reason     string
	retryDelay time.Duration // RetryInfo's; 0: none
	help       bool
	// actionURL is the answer's action_url, which must also be the first
	// Help link the caller receives; "" for none.
	actionURL string
	// scope is what the answer blocks, as ErrorInfo's metadata "scope"
	// names it: the Scope value without its SCOPE_ prefix.
	scope string
	// wantCode is the code the contract gives this answer; nil means
	// "whatever propagation_code says" (IN_MOTION, whose code moved from
	// UNAVAILABLE to FAILED_PRECONDITION: the test holds for both).
	wantCode *codes.Code
}

func codePtr(c codes.Code) *codes.Code { return &c }

var propagationCases = []propagationCase{{
	name: "provider failure",
	upstream: func() *pb.InterpretRequest {
		return interpreter.BodyRequest(`{"type":"SERVER","code":"INTERNAL","statusCode":500}`)
	},
	reason:     "SERVER_INTERNAL",
	retryDelay: -1, // some delay; the table's
	scope:      "CALL",
	wantCode:   codePtr(codes.Unavailable),
}, {
	name: "rate limit",
	upstream: func() *pb.InterpretRequest {
		req := interpreter.BodyRequest(`{"type":"RATE_LIMIT","code":"VEHICLE","statusCode":429}`)
		req.RetryAfter = "120"
		return req
	},
	reason:     "RATE_LIMIT_VEHICLE",
	retryDelay: 120 * time.Second,
	scope:      "VEHICLE",
	wantCode:   codePtr(codes.ResourceExhausted),
}, {
	name: "rate limit with a link",
	upstream: func() *pb.InterpretRequest {
		req := interpreter.BodyRequest(`{"type":"RATE_LIMIT","code":"VEHICLE","statusCode":429,` +
			`"resolution":{"type":"RETRY_LATER","url":"https://connect.example/limits"}}`)
		req.RetryAfter = "120"
		return req
	},
	reason:     "RATE_LIMIT_VEHICLE",
	retryDelay: 120 * time.Second,
	scope:      "VEHICLE",
	help:       true,
	actionURL:  "https://connect.example/limits",
	wantCode:   codePtr(codes.ResourceExhausted),
}, {
	name: "in motion",
	upstream: func() *pb.InterpretRequest {
		return interpreter.BodyRequest(`{"type":"VEHICLE_STATE","code":"IN_MOTION"}`)
	},
	reason:     "VEHICLE_STATE_IN_MOTION",
	retryDelay: 10 * time.Minute,
	scope:      "VEHICLE",
	help:       true,
}}

// retriedCode reports whether the caller's retry policy retries c.
func retriedCode(c codes.Code) bool { return c == codes.Unavailable || c == codes.ResourceExhausted }

// With interpreter.Propagate, a caller whose retry policy retries
// UNAVAILABLE and RESOURCE_EXHAUSTED attempts the toy service exactly once
// for a provider failure, a rate limit and an IN_MOTION, and receives the
// whole propagation status (every detail) and, for the retried codes, the
// pushback trailer. Without it (the status returned as is), the same caller
// attempts the retried codes 4 times at once.
func TestPropagateStopsRetriesAndKeepsDetails(t *testing.T) {
	interp, _ := dial(t)
	for _, tc := range propagationCases {
		for _, useHelper := range []bool{true, false} {
			name := tc.name + "/with Propagate"
			if !useHelper {
				name = tc.name + "/status as is"
			}
			t.Run(name, func(t *testing.T) {
				// What the interpreter answers for this error, asked directly.
				resp, err := interp.Interpret(context.Background(), tc.upstream())
				if err != nil {
					t.Fatal(err)
				}
				if got := resp.GetRetryAdvice().GetScope().String(); got != "SCOPE_"+tc.scope {
					t.Errorf("retry_advice.scope %s, want SCOPE_%s", got, tc.scope)
				}
				if resp.GetActionUrl() != tc.actionURL {
					t.Errorf("action_url %q, want %q", resp.GetActionUrl(), tc.actionURL)
				}
				code := codes.Code(resp.GetPropagationCode())
				if tc.wantCode != nil && code != *tc.wantCode {
					t.Errorf("propagation_code %v, the contract says %v", code, *tc.wantCode)
				}

				toy := &toy{interp: interp, upstream: tc.upstream(), useHelper: useHelper}
				err, trailer := callToy(t, serveToy(t, toy))
				attempts := toy.attempts.Load()
				t.Logf("%s: caller got %v after %d attempt(s), trailer %s=%q", name, status.Code(err), attempts, interpreter.PushbackTrailer, trailer.Get(interpreter.PushbackTrailer))

				wantAttempts := int32(1)
				if !useHelper && retriedCode(code) {
					wantAttempts = 4
				}
				if attempts != wantAttempts {
					t.Errorf("%d attempts, want %d", attempts, wantAttempts)
				}
				if !useHelper {
					return
				}

				// The caller gets the propagation status whole.
				got := status.Convert(err).Proto()
				if !proto.Equal(got, resp.GetPropagationStatus()) {
					t.Errorf("caller got status\n%v\nwant\n%v", got, resp.GetPropagationStatus())
				}
				wantTrailer := []string(nil)
				if retriedCode(code) {
					wantTrailer = []string{"-1"}
				}
				if got := trailer.Get(interpreter.PushbackTrailer); !slices.Equal(got, wantTrailer) {
					t.Errorf("trailer %s = %q, want %q", interpreter.PushbackTrailer, got, wantTrailer)
				}
				checkDetails(t, err, code, tc)
			})
		}
	}
}

// checkDetails checks the details the contract (docs/design.md 5.4) puts in
// a status of this code.
func checkDetails(t *testing.T, err error, code codes.Code, tc propagationCase) {
	t.Helper()
	var (
		info     *errdetails.ErrorInfo
		retry    *errdetails.RetryInfo
		precond  *errdetails.PreconditionFailure
		quota    *errdetails.QuotaFailure
		message  *errdetails.LocalizedMessage
		helpLink *errdetails.Help
	)
	for _, d := range status.Convert(err).Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			info = d
		case *errdetails.RetryInfo:
			retry = d
		case *errdetails.PreconditionFailure:
			precond = d
		case *errdetails.QuotaFailure:
			quota = d
		case *errdetails.LocalizedMessage:
			message = d
		case *errdetails.Help:
			helpLink = d
		}
	}
	if status.Code(err) != code {
		t.Errorf("code %v, want %v", status.Code(err), code)
	}
	if info.GetReason() != tc.reason {
		t.Errorf("ErrorInfo %v, want reason %s", info, tc.reason)
	}
	// The scope travels to the caller: what to pause, per call, operation,
	// vehicle, user or app.
	if got := info.GetMetadata()["scope"]; got != tc.scope {
		t.Errorf("ErrorInfo metadata scope %q, want %q", got, tc.scope)
	}
	switch {
	case retry == nil:
		t.Error("no RetryInfo")
	case tc.retryDelay > 0 && retry.GetRetryDelay().AsDuration() != tc.retryDelay:
		t.Errorf("RetryInfo %v, want %v", retry.GetRetryDelay().AsDuration(), tc.retryDelay)
	}
	if v := precond.GetViolations(); code == codes.FailedPrecondition && (len(v) != 1 || v[0].GetType() != "WAIT_REQUIRED") {
		t.Errorf("PreconditionFailure %v, want type WAIT_REQUIRED", precond)
	}
	if code == codes.ResourceExhausted && len(quota.GetViolations()) == 0 {
		t.Errorf("QuotaFailure %v", quota)
	}
	if message.GetMessage() == "" {
		t.Errorf("LocalizedMessage %v", message)
	}
	if tc.help && len(helpLink.GetLinks()) == 0 {
		t.Errorf("Help %v", helpLink)
	}
	// The action_url travels as the first Help link, for callers of the
	// caller to send their user to.
	if tc.actionURL != "" && (len(helpLink.GetLinks()) == 0 || helpLink.GetLinks()[0].GetUrl() != tc.actionURL) {
		t.Errorf("Help %v, want %s first", helpLink, tc.actionURL)
	}
}

// "Already done" reaches the toy as ErrAlreadyDone, which still carries the
// FAILED_PRECONDITION status with PreconditionFailure
// ALREADY_IN_REQUESTED_STATE; a toy asked to start charging turns it into
// success, and one that returns it as is fails its caller with that status,
// attempted once either way.
func TestPropagateAlreadyDone(t *testing.T) {
	interp, _ := dial(t)
	for _, okIfDone := range []bool{true, false} {
		toy := &toy{
			interp:    interp,
			upstream:  interpreter.BodyRequest(`{"type":"VEHICLE_STATE","code":"FULLY_CHARGED"}`),
			useHelper: true,
			okIfDone:  okIfDone,
		}
		err, trailer := callToy(t, serveToy(t, toy))
		t.Logf("already done, turned into success %v: caller got %v after %d attempt(s)", okIfDone, status.Code(err), toy.attempts.Load())
		if !toy.sawAlready.Load() {
			t.Fatalf("Propagate returned %v, want ErrAlreadyDone", toy.propErr.Load())
		}
		if toy.attempts.Load() != 1 {
			t.Errorf("%d attempts", toy.attempts.Load())
		}
		if len(trailer.Get(interpreter.PushbackTrailer)) != 0 {
			t.Errorf("pushback trailer on %v", status.Code(err))
		}
		if okIfDone {
			if err != nil {
				t.Errorf("caller got %v, want success", err)
			}
			continue
		}
		if status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("caller got %v, want FailedPrecondition", err)
		}
		if info := interpreter.ErrorInfo(err); info.GetReason() != "VEHICLE_STATE_FULLY_CHARGED" {
			t.Errorf("ErrorInfo %v", info)
		}
	}

	// The error itself, without a server in between.
	resp, err := interp.Interpret(context.Background(), interpreter.StructuredRequest("VEHICLE_STATE", "CHARGING_IN_PROGRESS"))
	if err != nil {
		t.Fatal(err)
	}
	err = interpreter.Propagate(context.Background(), resp)
	if !errors.Is(err, interpreter.ErrAlreadyDone) {
		t.Fatalf("Propagate: %v, want ErrAlreadyDone", err)
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.FailedPrecondition || !proto.Equal(st.Proto(), resp.GetPropagationStatus()) {
		t.Errorf("status of ErrAlreadyDone: %v", st)
	}
	var precond *errdetails.PreconditionFailure
	for _, d := range st.Details() {
		if p, ok := d.(*errdetails.PreconditionFailure); ok {
			precond = p
		}
	}
	if got := precond.GetViolations(); len(got) != 1 || got[0].GetType() != "ALREADY_IN_REQUESTED_STATE" {
		t.Errorf("PreconditionFailure %v, want one violation of type ALREADY_IN_REQUESTED_STATE", precond)
	}
}

// Propagate refuses an answer without a propagation status (a webhook
// item, an empty or nil response) with ErrNoPropagationStatus, never
// success: a toy that returns it fails its caller with UNKNOWN, once, and
// without the pushback trailer. A webhook-like item (propagation_code set,
// no status, as InterpretPayload answers webhook items) is refused too,
// whatever its strategy, even NO_RETRY_NEEDED.
func TestPropagateRefusesAnswersWithoutStatus(t *testing.T) {
	webhookItem := &pb.InterpretResponse{
		Reason:          "VEHICLE_STATE_CHARGING_IN_PROGRESS",
		PropagationCode: codepb.Code_FAILED_PRECONDITION,
		RetryAdvice:     &pb.RetryAdvice{Strategy: pb.RetryStrategy_RETRY_STRATEGY_NO_RETRY_NEEDED, Scope: pb.Scope_SCOPE_OPERATION},
	}
	for name, resp := range map[string]*pb.InterpretResponse{
		"webhook item": webhookItem,
		"empty":        {},
		"nil":          nil,
	} {
		err := interpreter.Propagate(context.Background(), resp)
		if !errors.Is(err, interpreter.ErrNoPropagationStatus) || errors.Is(err, interpreter.ErrAlreadyDone) {
			t.Errorf("%s: %v, want ErrNoPropagationStatus", name, err)
		}
	}
	toy := &toy{answer: webhookItem, useHelper: true}
	err, trailer := callToy(t, serveToy(t, toy))
	if status.Code(err) != codes.Unknown || !strings.Contains(status.Convert(err).Message(), "no propagation_status") {
		t.Errorf("caller got %v, want UNKNOWN saying why", err)
	}
	if toy.attempts.Load() != 1 || len(trailer.Get(interpreter.PushbackTrailer)) != 0 {
		t.Errorf("%d attempts, trailer %q", toy.attempts.Load(), trailer.Get(interpreter.PushbackTrailer))
	}
}

// The same mechanism without the real server: fixed answers with the codes
// the retry policy retries, built as the contract (docs/design.md 5.1, 5.4)
// describes them. With Propagate: 1 attempt and every detail; as is: 4.
func TestPropagateStopsRetriesOfFixedAnswers(t *testing.T) {
	for _, code := range []codes.Code{codes.Unavailable, codes.ResourceExhausted} {
		details := []protoadapt.MessageV1{
			&errdetails.ErrorInfo{Reason: "TEST_" + strings.ToUpper(code.String()), Domain: "vehicle-error-interpreter"},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Minute)},
			&errdetails.LocalizedMessage{Locale: "en", Message: "Try again later."},
		}
		if code == codes.ResourceExhausted {
			details = append(details, &errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{Subject: "RATE_LIMIT:VEHICLE"}}})
		}
		st, err := status.New(code, "test").WithDetails(details...)
		if err != nil {
			t.Fatal(err)
		}
		answer := &pb.InterpretResponse{
			RetryAdvice:       &pb.RetryAdvice{Strategy: pb.RetryStrategy_RETRY_STRATEGY_RETRY_LATER, Action: pb.Action_ACTION_NONE},
			PropagationCode:   codepb.Code(code),
			PropagationStatus: st.Proto(),
		}
		for _, useHelper := range []bool{true, false} {
			toy := &toy{answer: answer, useHelper: useHelper}
			err, trailer := callToy(t, serveToy(t, toy))
			t.Logf("fixed %v answer, Propagate %v: caller got %v after %d attempt(s), trailer %q", code, useHelper, status.Code(err), toy.attempts.Load(), trailer.Get(interpreter.PushbackTrailer))
			want := int32(4)
			if useHelper {
				want = 1
				if !proto.Equal(status.Convert(err).Proto(), st.Proto()) {
					t.Errorf("caller got %v, want %v", status.Convert(err).Proto(), st.Proto())
				}
				if got := trailer.Get(interpreter.PushbackTrailer); !slices.Equal(got, []string{"-1"}) {
					t.Errorf("trailer %q", got)
				}
			}
			if toy.attempts.Load() != want {
				t.Errorf("%v, Propagate %v: %d attempts, want %d", code, useHelper, toy.attempts.Load(), want)
			}
		}
	}
}
