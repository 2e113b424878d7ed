package interpreter

import (
	vehicleerrorsv1 "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
)

// BodyRequest returns an InterpretRequest for an error response body exactly
// as received. Set the other fields (AppName, HttpStatus, RetryAfter,
// RequestId, Locale, View, Operation) on the result:
//
//	req := interpreter.BodyRequest(body)
//	req.AppName, req.RetryAfter = "My App", resp.Header.Get("Retry-After")
//	req.Operation = pb.Operation_OPERATION_START_CHARGE // what the failed request asked
//
// Operation lets "already done" be decided instead of guessed (a
// start-charge answered CHARGING_IN_PROGRESS is done; a stop-charge
// answered the same did not take); unset keeps the answers that do not
// depend on it. For an *http.Response, InterpretHTTPResponse with
// WithOperation sets it.
func BodyRequest(body string) *vehicleerrorsv1.InterpretRequest {
	return &vehicleerrorsv1.InterpretRequest{Input: &vehicleerrorsv1.InterpretRequest_Body{Body: body}}
}

// StructuredRequest returns an InterpretRequest for an error the caller
// already parsed: its type (such as "VEHICLE_STATE") and code (such as
// "DOOR_OPEN"; empty for the API's null code), in any letter case. Set the
// other fields on the result, as with BodyRequest.
func StructuredRequest(errorType, code string) *vehicleerrorsv1.InterpretRequest {
	return &vehicleerrorsv1.InterpretRequest{Input: &vehicleerrorsv1.InterpretRequest_Structured{
		Structured: &vehicleerrorsv1.StructuredError{Type: errorType, Code: code},
	}}
}
