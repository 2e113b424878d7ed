package interpreter_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/internal/testserver"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

const serviceName = "vehicle_errors.v1.InterpreterService"

// dial starts a server with args and returns a client for it.
func dial(t *testing.T, args ...string) (*interpreter.Client, *testserver.Server) {
	t.Helper()
	srv := testserver.Start(t, args...)
	c, err := interpreter.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, srv
}

// seedBody is the documented JSON body of one catalog entry.
func seedBody(t *testing.T, code string) string {
	t.Helper()
	for _, e := range catalog(t) {
		if e.Code == code {
			return string(e.Body)
		}
	}
	t.Fatalf("no seed body for %s", code)
	return ""
}

type catalogEntry struct {
	Code string          `json:"code"`
	Body json.RawMessage `json:"body"`
}

// catalog is the repository's catalog file, the source the server embeds.
func catalog(t *testing.T) []catalogEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "catalog", "vehicle_state_errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Errors []catalogEntry }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	return file.Errors
}

// A seed body is matched exactly, classified, and rendered with the app name.
func TestInterpretSeedBody(t *testing.T) {
	c, _ := dial(t)
	resp, err := c.Interpret(context.Background(), &pb.InterpretRequest{
		Input:   &pb.InterpretRequest_Body{Body: seedBody(t, "DOOR_OPEN")},
		AppName: "My App",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetIdentification() != pb.Identification_IDENTIFICATION_EXACT_CODE || resp.GetCatalogCode() != "DOOR_OPEN" {
		t.Fatalf("identification %v code %q", resp.GetIdentification(), resp.GetCatalogCode())
	}
	if resp.GetCategory() != pb.Category_CATEGORY_CLOSURE {
		t.Errorf("category %v", resp.GetCategory())
	}
	advice := resp.GetRetryAdvice()
	if advice.GetStrategy() != pb.RetryStrategy_RETRY_STRATEGY_RETRY_AFTER_ACTION || advice.GetAction() != pb.Action_ACTION_DRIVER_AT_VEHICLE {
		t.Errorf("retry advice %v", advice)
	}
	if resp.GetRequestId() != "5dea93a1-3f79-4246-90c5-89610a20471b" {
		t.Errorf("request id %q", resp.GetRequestId())
	}
	// The ready status is what a caller returns to its own callers.
	st := status.FromProto(resp.GetPropagationStatus())
	if st.Code() != codes.FailedPrecondition || codes.Code(resp.GetPropagationCode()) != codes.FailedPrecondition {
		t.Errorf("status %v, propagation code %v", st.Code(), resp.GetPropagationCode())
	}
	if info := interpreter.ErrorInfo(st.Err()); info == nil || info.GetMetadata()["code"] != "DOOR_OPEN" {
		t.Errorf("ErrorInfo %v", info)
	}
}

// A structured type and code renders the app name into the user message, and
// a retry-later error carries retry advice and a RetryInfo.
func TestInterpretStructured(t *testing.T) {
	c, _ := dial(t)
	resp, err := c.Interpret(context.Background(), &pb.InterpretRequest{
		Input:   &pb.InterpretRequest_Structured{Structured: &pb.StructuredError{Type: "vehicle_state", Code: "in_motion"}},
		AppName: "My App",
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := resp.GetUserMessage()
	if !strings.Contains(msg, "My App") || strings.Contains(msg, "<app name>") {
		t.Errorf("user message %q", msg)
	}
	advice := resp.GetRetryAdvice()
	if advice.GetStrategy() != pb.RetryStrategy_RETRY_STRATEGY_RETRY_LATER || advice.GetSuggestedDelay().AsDuration() != 10*time.Minute {
		t.Errorf("retry advice %v", advice)
	}
	// A vehicle-state wait: FAILED_PRECONDITION, which no retry layer
	// retries at once; RetryInfo is advice to the application.
	st := status.FromProto(resp.GetPropagationStatus())
	if st.Code() != codes.FailedPrecondition {
		t.Errorf("status code %v", st.Code())
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry.GetRetryDelay().AsDuration() != 10*time.Minute {
		t.Errorf("RetryInfo %v", retry)
	}
}

// A gateway's HTML page with a 504 is no caller mistake: it is answered from
// the status (a timeout: DEADLINE_EXCEEDED, the command may have run), with
// a warning saying the body was not used.
func TestInterpretGatewayPageAnswersFromTheStatus(t *testing.T) {
	c, _ := dial(t)
	resp, err := c.Interpret(context.Background(), &pb.InterpretRequest{
		Input:      &pb.InterpretRequest_Body{Body: "<html>504 Gateway Time-out</html>"},
		HttpStatus: 504,
		AppName:    "My App",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetReason() != "HTTP_504" || resp.GetIdentification() != pb.Identification_IDENTIFICATION_NO_ERROR_BODY ||
		resp.GetDecidedBy() != pb.DecisionSource_DECISION_SOURCE_HTTP_STATUS {
		t.Errorf("reason %q, identification %v, decided by %v", resp.GetReason(), resp.GetIdentification(), resp.GetDecidedBy())
	}
	if resp.GetCategory() != pb.Category_CATEGORY_PROVIDER || resp.GetRetryAdvice().GetStrategy() != pb.RetryStrategy_RETRY_STRATEGY_RETRY_LATER {
		t.Errorf("category %v, advice %v", resp.GetCategory(), resp.GetRetryAdvice())
	}
	if st := status.FromProto(resp.GetPropagationStatus()); st.Code() != codes.DeadlineExceeded {
		t.Errorf("propagation code %v", st.Code())
	}
	if !strings.Contains(resp.GetUserMessage(), "My App") {
		t.Errorf("user message %q", resp.GetUserMessage())
	}
	if w := resp.GetWarnings(); len(w) != 1 || w[0].GetReason() != "BODY_NOT_JSON" || w[0].GetField() != "body" {
		t.Errorf("warnings %v", w)
	}
}

// One bad item fails alone, with the details Interpret would have returned.
func TestBatchInterpret(t *testing.T) {
	c, _ := dial(t)
	resp, err := c.BatchInterpret(context.Background(), &pb.BatchInterpretRequest{Requests: []*pb.InterpretRequest{
		{Input: &pb.InterpretRequest_Body{Body: seedBody(t, "ASLEEP")}},
		{Input: &pb.InterpretRequest_Body{Body: "not json"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetResults()) != 2 {
		t.Fatalf("%d results", len(resp.GetResults()))
	}
	ok, bad := resp.GetResults()[0], resp.GetResults()[1]
	if ok.GetError() != nil || ok.GetResponse().GetCatalogCode() != "ASLEEP" {
		t.Errorf("first result %v", ok)
	}
	badErr := status.FromProto(bad.GetError()).Err()
	if status.Code(badErr) != codes.InvalidArgument || bad.GetResponse() != nil {
		t.Errorf("second result %v", bad)
	}
	if br := interpreter.BadRequest(badErr); br == nil || br.GetFieldViolations()[0].GetField() != "requests[1].body" {
		t.Errorf("BadRequest %v", br)
	}
}

// Codes are found in any case and by legacy code; a miss is NOT_FOUND with
// an ErrorInfo naming the code.
func TestGetVehicleStateError(t *testing.T) {
	c, _ := dial(t)
	ctx := context.Background()
	resp, err := c.GetVehicleStateError(ctx, &pb.GetVehicleStateErrorRequest{Code: "vs_001"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetVehicleStateError().GetCode() != "DOOR_OPEN" {
		t.Errorf("VS_001 is %q", resp.GetVehicleStateError().GetCode())
	}

	_, err = c.GetVehicleStateError(ctx, &pb.GetVehicleStateErrorRequest{Code: "NOPE"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown code: %v", err)
	}
	info := interpreter.ErrorInfo(err)
	if info.GetReason() != "UNKNOWN_CODE" || info.GetDomain() != "vehicle-error-interpreter" || info.GetMetadata()["code"] != "NOPE" {
		t.Errorf("ErrorInfo %v", info)
	}
}

// The list is the catalog in the documentation's order, filters work, and
// pages add up to the whole list.
func TestListVehicleStateErrors(t *testing.T) {
	c, _ := dial(t)
	ctx := context.Background()
	all, err := c.ListVehicleStateErrors(ctx, &pb.ListVehicleStateErrorsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range catalog(t) {
		want = append(want, e.Code)
	}
	if got := codesOf(all.GetVehicleStateErrors()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("list %v, want %v", got, want)
	}

	closures, err := c.ListVehicleStateErrors(ctx, &pb.ListVehicleStateErrorsRequest{Category: pb.Category_CATEGORY_CLOSURE})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(codesOf(closures.GetVehicleStateErrors()), ","); got != "DOOR_OPEN,HOOD_OPEN,TRUNK_OPEN" {
		t.Errorf("closures %s", got)
	}

	var paged []string
	req := &pb.ListVehicleStateErrorsRequest{PageSize: 5}
	for range 10 {
		page, err := c.ListVehicleStateErrors(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, codesOf(page.GetVehicleStateErrors())...)
		if req.PageToken = page.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if strings.Join(paged, ",") != strings.Join(want, ",") {
		t.Errorf("paged %v", paged)
	}
}

func codesOf(entries []*pb.VehicleStateError) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.GetCode())
	}
	return out
}

// A body that is not JSON is INVALID_ARGUMENT with a BadRequest naming the
// field and an ErrorInfo with a stable reason.
func TestBadRequestDetails(t *testing.T) {
	c, _ := dial(t)
	_, err := c.Interpret(context.Background(), &pb.InterpretRequest{Input: &pb.InterpretRequest_Body{Body: "not json"}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("got %v", err)
	}
	br := interpreter.BadRequest(err)
	if len(br.GetFieldViolations()) != 1 || br.GetFieldViolations()[0].GetField() != "body" || br.GetFieldViolations()[0].GetDescription() == "" {
		t.Errorf("BadRequest %v", br)
	}
	info := interpreter.ErrorInfo(err)
	if info.GetReason() != "BODY_NOT_JSON" || info.GetDomain() != "vehicle-error-interpreter" || info.GetMetadata()["field"] != "body" {
		t.Errorf("ErrorInfo %v", info)
	}

	// An app name with a control character names app_name.
	_, err = c.Interpret(context.Background(), &pb.InterpretRequest{
		Input:   &pb.InterpretRequest_Structured{Structured: &pb.StructuredError{Type: "VEHICLE_STATE", Code: "ASLEEP"}},
		AppName: "bad\napp",
	})
	if br := interpreter.BadRequest(err); status.Code(err) != codes.InvalidArgument || br.GetFieldViolations()[0].GetField() != "app_name" {
		t.Errorf("app_name: %v %v", err, br)
	}
}

// Both registered health names are SERVING; an unregistered one is NOT_FOUND.
func TestHealthCheck(t *testing.T) {
	c, _ := dial(t)
	for _, name := range []string{"", serviceName} {
		resp, err := c.Health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: name})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, %v", name, resp, err)
		}
	}
	_, err := c.Health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Check(nope) = %v", err)
	}
}

// On SIGTERM an open Watch sees NOT_SERVING at once, a new Check says
// NOT_SERVING while the server is a lame duck, and the server exits 0.
func TestHealthWatchSeesNotServingOnSigterm(t *testing.T) {
	c, srv := dial(t, "--shutdown-delay", "2s")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	watch, err := c.Health.Watch(ctx, &healthpb.HealthCheckRequest{Service: serviceName})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch update %v, %v", first, err)
	}

	srv.Terminate(t)
	next, err := watch.Recv()
	if err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch after SIGTERM: %v, %v", next, err)
	}
	check, err := c.Health.Check(ctx, &healthpb.HealthCheckRequest{Service: ""})
	if err != nil || check.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("Check after SIGTERM: %v, %v", check, err)
	}

	// An open Watch would hold the drain until the server's drain timeout;
	// a client that saw NOT_SERVING lets go, and the server exits at once.
	cancel()
	srv.Wait(t, 10*time.Second)
}

// A call whose context has no deadline still ends: the client's default
// deadline fails it with DEADLINE_EXCEEDED when the server hangs (SIGSTOP:
// the connection stays open and nothing answers).
func TestDefaultDeadlineBoundsACallToAHungServer(t *testing.T) {
	srv := testserver.Start(t)
	c, err := interpreter.Dial(srv.Addr, interpreter.WithTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Health.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err) // connected before the server hangs
	}
	srv.Pause(t)
	defer srv.Resume(t)

	errs := make(chan error, 1)
	go func() {
		_, err := c.Interpret(context.Background(), &pb.InterpretRequest{
			Input: &pb.InterpretRequest_Structured{Structured: &pb.StructuredError{Type: "VEHICLE_STATE", Code: "ASLEEP"}},
		})
		errs <- err
	}()
	select {
	case err := <-errs:
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("got %v, want DEADLINE_EXCEEDED", err)
		}
	case <-time.After(10 * time.Second): // bounded, so a missing deadline fails instead of hanging
		t.Fatal("call without a deadline did not end")
	}
}
