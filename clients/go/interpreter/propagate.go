package interpreter

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	vehicleerrorsv1 "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
)

// PushbackTrailer is the trailer Propagate sets on UNAVAILABLE and
// RESOURCE_EXHAUSTED (gRFC A6). Its value -1 tells a gRPC client with a retry
// policy not to retry this call: the application waits the advised delay
// instead.
const PushbackTrailer = "grpc-retry-pushback-ms"

// ErrAlreadyDone matches, with errors.Is, the error Propagate returns for a
// RETRY_STRATEGY_NO_RETRY_NEEDED answer (CHARGING_IN_PROGRESS,
// FULLY_CHARGED): the vehicle is already in the state the request asked
// for. Where the caller's own operation makes that true (it asked to start
// charging), it should answer success instead; otherwise it can return the
// error as is, which still carries the FAILED_PRECONDITION status with its
// details.
var ErrAlreadyDone = errors.New("interpreter: the vehicle is already in the requested state (RETRY_STRATEGY_NO_RETRY_NEEDED)")

// ErrNoPropagationStatus is the error Propagate returns for an answer that
// has no propagation status: an item of a webhook delivery's
// InterpretPayload answer (there is no caller to propagate to: the API
// re-delivers and sends RESOLVED itself), or a nil or empty response.
// Returned from a gRPC handler it fails the call with UNKNOWN; it never
// turns an answer into success.
var ErrNoPropagationStatus = errors.New("interpreter: the answer has no propagation_status (a webhook item?): there is nothing to propagate")

// alreadyDone is the NO_RETRY_NEEDED outcome: the propagation status,
// recognisable as ErrAlreadyDone.
type alreadyDone struct{ st *status.Status }

func (e *alreadyDone) Error() string { return e.st.Err().Error() }

// GRPCStatus lets status.FromError, status.Code and a gRPC server read the
// status (FAILED_PRECONDITION with its details).
func (e *alreadyDone) GRPCStatus() *status.Status { return e.st }

// Is makes errors.Is(err, ErrAlreadyDone) true.
func (e *alreadyDone) Is(target error) bool { return target == ErrAlreadyDone }

// Propagate turns an interpretation into the error a caller's own gRPC
// handler returns to its callers: the status built from
// resp.GetPropagationStatus() (its code with ErrorInfo, RetryInfo,
// PreconditionFailure or QuotaFailure, LocalizedMessage and Help).
//
// ctx must be the context of the server handler that will return the error
// (or one derived from it), because for UNAVAILABLE and RESOURCE_EXHAUSTED
// Propagate also sets the trailer "grpc-retry-pushback-ms: -1" with
// grpc.SetTrailer. Without that trailer every gRPC client whose retry policy
// retries those codes (a common default) would send the request again at
// once, ignoring the RetryInfo delay, and each attempt could send a command
// to the vehicle again. Outside a server handler there is no trailer to set,
// and Propagate returns the same error without it.
//
// For RETRY_STRATEGY_NO_RETRY_NEEDED it returns an error for which
// errors.Is(err, ErrAlreadyDone) is true; it still carries the status.
//
// The status carries the answer's action_url as its first Help link and
// its retry_advice.scope in the ErrorInfo metadata ("scope"), so the
// caller's callers can send their user there and know what to pause.
//
// It refuses an answer without a propagation status (a webhook item of an
// InterpretPayload answer, or a nil response) with ErrNoPropagationStatus,
// never nil: Propagate is for answers to calls that failed.
func Propagate(ctx context.Context, resp *vehicleerrorsv1.InterpretResponse) error {
	if resp.GetPropagationStatus() == nil || resp.GetPropagationStatus().GetCode() == int32(codes.OK) {
		return ErrNoPropagationStatus
	}
	st := status.FromProto(resp.GetPropagationStatus())
	switch st.Code() {
	case codes.Unavailable, codes.ResourceExhausted:
		// Fails only outside a server handler: documented above.
		_ = grpc.SetTrailer(ctx, metadata.Pairs(PushbackTrailer, "-1"))
	}
	if resp.GetRetryAdvice().GetStrategy() == vehicleerrorsv1.RetryStrategy_RETRY_STRATEGY_NO_RETRY_NEEDED {
		return &alreadyDone{st: st}
	}
	return st.Err()
}
