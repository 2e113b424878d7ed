package interpreter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

const originRequestID = "2f4ad3b8-6c1e-4b8f-9d2a-3e5f6a7b8c9d"

// originCase is one canned error response of the stand-in API.
type originCase struct {
	status  int
	headers map[string]string
	body    []byte
	gzip    bool // gzip the body, Content-Encoding: gzip
	chunked bool // flush in pieces, so net/http sends it chunked
	shortBy int  // promise this many bytes more than sent, then hang up
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var doorOpen = map[string]any{
	"type": "VEHICLE_STATE", "code": "DOOR_OPEN", "statusCode": 409, "requestId": originRequestID,
	"description": "Your vehicle was unable to lock. Please ensure that all doors are closed.",
}

var originCases = map[string]originCase{
	"v2-door-open": {status: 409, body: mustJSON(doorOpen),
		headers: map[string]string{"Content-Type": "application/json", "SC-Request-Id": originRequestID}},
	"gzip-door-open": {status: 409, body: mustJSON(doorOpen), gzip: true,
		headers: map[string]string{"Content-Type": "application/json"}},
	"chunked-rate-limit": {status: 429, chunked: true, body: mustJSON(map[string]any{
		"type": "RATE_LIMIT", "code": "VEHICLE", "statusCode": 429, "requestId": originRequestID,
		"description": "You have reached the throttling rate limit for this vehicle."}),
		headers: map[string]string{"Content-Type": "application/json", "Retry-After": "30"}},
	"html-502":  {status: 502, body: []byte("<html><body><h1>502 Bad Gateway</h1></body></html>"), headers: map[string]string{"Content-Type": "text/html"}},
	"empty-503": {status: 503},
	"too-large": {status: 500, chunked: true, headers: map[string]string{"Content-Type": "application/json"},
		body: mustJSON(map[string]any{"type": "VEHICLE_STATE", "detail": strings.Repeat("x", 1<<20)})},
	"cut-502": {status: 502, body: []byte(`{"type":"SERVER"`), shortBy: 100},
}

// origin serves originCases at /<name>.
func origin(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := originCases[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range c.headers {
			w.Header().Set(k, v)
		}
		body := c.body
		if c.gzip {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(body)
			zw.Close()
			body = buf.Bytes()
			w.Header().Set("Content-Encoding", "gzip")
		}
		switch {
		case c.chunked:
			w.WriteHeader(c.status)
			for i := 0; i < len(body); i += 8192 {
				if _, err := w.Write(body[i:min(i+8192, len(body))]); err != nil {
					return // the client read what it needed and hung up
				}
				w.(http.Flusher).Flush()
			}
		case c.shortBy > 0:
			// Hijack to send fewer bytes than Content-Length says.
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(buf, "HTTP/1.1 %d Bad Gateway\r\nContent-Length: %d\r\n\r\n%s", c.status, len(body)+c.shortBy, body)
			buf.Flush()
			conn.Close()
		default:
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.WriteHeader(c.status)
			w.Write(body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type want struct {
	reason    string
	warnings  string
	requestID string
	delay     int64
}

var originWant = map[string]want{
	"v2-door-open":       {reason: "VEHICLE_STATE_DOOR_OPEN", requestID: originRequestID},
	"gzip-door-open":     {reason: "VEHICLE_STATE_DOOR_OPEN", requestID: originRequestID},
	"chunked-rate-limit": {reason: "RATE_LIMIT_VEHICLE", requestID: originRequestID, delay: 30},
	"html-502":           {reason: "HTTP_502", warnings: "BODY_NOT_JSON"},
	"empty-503":          {reason: "HTTP_503", warnings: "BODY_EMPTY"},
	"too-large":          {reason: "HTTP_500", warnings: "BODY_TOO_LARGE"},
	"cut-502":            {reason: "HTTP_502", warnings: "BODY_EMPTY"},
}

func checkAnswer(t *testing.T, name string, resp *pb.InterpretResponse) {
	t.Helper()
	var warnings []string
	for _, w := range resp.GetWarnings() {
		warnings = append(warnings, w.GetReason())
	}
	w := originWant[name]
	got := want{resp.GetReason(), strings.Join(warnings, ","), resp.GetRequestId(), 0}
	if w.delay != 0 {
		got.delay = resp.GetRetryAdvice().GetSuggestedDelay().GetSeconds()
	}
	if got != w || resp.GetHttpStatus() != uint32(originCases[name].status) {
		t.Errorf("%s: got %+v (status %d), want %+v (status %d)", name, got, resp.GetHttpStatus(), w, originCases[name].status)
	}
}

// countingBody counts the bytes read through it and whether it was closed.
type countingBody struct {
	io.ReadCloser
	n      int64
	closed bool
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingBody) Close() error {
	c.closed = true
	return c.ReadCloser.Close()
}

// Real net/http responses of every shape, through the real server. Each
// body is read at most to the limit plus one byte, and closed.
func TestInterpretHTTPResponse(t *testing.T) {
	c, _ := dial(t)
	api := origin(t)
	ctx := context.Background()
	for name := range originWant {
		for _, acceptGzip := range []bool{false, true} {
			req, err := http.NewRequest(http.MethodGet, api.URL+"/"+name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if acceptGzip {
				// Set by hand, the Transport leaves the body compressed.
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := &countingBody{ReadCloser: resp.Body}
			resp.Body = body
			answer, err := interpreter.InterpretHTTPResponse(ctx, c, resp, interpreter.WithAppName("My App"))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkAnswer(t, name, answer)
			if !body.closed || body.n > interpreter.DefaultMaxBodyBytes+1 {
				t.Errorf("%s: read %d bytes, closed %v", name, body.n, body.closed)
			}
		}
	}
}

// A body closed before the call still gives the status' answer.
func TestInterpretHTTPResponseClosedBody(t *testing.T) {
	c, _ := dial(t)
	resp, err := http.Get(origin(t).URL + "/html-502")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	answer, err := interpreter.InterpretHTTPResponse(context.Background(), c, resp)
	if err != nil {
		t.Fatal(err)
	}
	if answer.GetReason() != "HTTP_502" || answer.GetWarnings()[0].GetReason() != "BODY_EMPTY" {
		t.Errorf("closed body: %v %v", answer.GetReason(), answer.GetWarnings())
	}
	// No response at all (the HTTP call failed): an error, no call.
	if _, err := interpreter.InterpretHTTPResponse(context.Background(), c, nil); err == nil {
		t.Error("nil response: no error")
	}
}

// The request carries the headers in any case, the options and the cut.
func TestHTTPResponseRequest(t *testing.T) {
	resp := &http.Response{
		StatusCode: 429,
		Header:     http.Header{"retry-after": {"30"}, "sc-request-id": {originRequestID}},
		Body:       io.NopCloser(strings.NewReader(strings.Repeat("é", 200))),
	}
	req := interpreter.HTTPResponseRequest(resp, interpreter.WithMaxBodyBytes(100),
		interpreter.WithLocale("fr-CA"), interpreter.WithView(pb.InterpretationView_INTERPRETATION_VIEW_FULL),
		interpreter.WithOperation(pb.Operation_OPERATION_STOP_CHARGE),
		interpreter.WithRequest(func(r *pb.InterpretRequest) { r.AppName = "My App" }))
	// 101 bytes cut "é" (2 bytes) in half: 50 of them and U+FFFD.
	if got := req.GetBody(); got != strings.Repeat("é", 50)+"\uFFFD" {
		t.Errorf("body %q", got)
	}
	if req.GetRetryAfter() != "30" || req.GetRequestId() != originRequestID || req.GetHttpStatus() != 429 ||
		req.GetLocale() != "fr-CA" || req.GetAppName() != "My App" || req.GetView() != pb.InterpretationView_INTERPRETATION_VIEW_FULL ||
		req.GetOperation() != pb.Operation_OPERATION_STOP_CHARGE {
		t.Errorf("request %v", req)
	}
}

// The caller's operation decides what the same response means: a
// stop-charge answered CHARGING_IN_PROGRESS did not take (RETRY_LATER,
// decided by the operation, so Propagate returns the error, not
// ErrAlreadyDone), a start-charge answered the same is done.
func TestInterpretHTTPResponseWithOperation(t *testing.T) {
	c, _ := dial(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		w.Write(mustJSON(map[string]any{"type": "VEHICLE_STATE", "code": "CHARGING_IN_PROGRESS", "statusCode": 409,
			"description": "The vehicle is currently charging."}))
	}))
	t.Cleanup(api.Close)
	answer := func(op pb.Operation) *pb.InterpretResponse {
		resp, err := http.Post(api.URL+"/v2.0/vehicles/123/charge", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := interpreter.InterpretHTTPResponse(context.Background(), c, resp, interpreter.WithOperation(op))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	stop := answer(pb.Operation_OPERATION_STOP_CHARGE)
	if stop.GetReason() != "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED" ||
		stop.GetRetryAdvice().GetStrategy() != pb.RetryStrategy_RETRY_STRATEGY_RETRY_LATER ||
		stop.GetDecidedBy() != pb.DecisionSource_DECISION_SOURCE_OPERATION {
		t.Errorf("stop-charge: %s %v %v", stop.GetReason(), stop.GetRetryAdvice().GetStrategy(), stop.GetDecidedBy())
	}
	if err := interpreter.Propagate(context.Background(), stop); err == nil || errors.Is(err, interpreter.ErrAlreadyDone) {
		t.Errorf("Propagate(stop-charge) = %v, want the status, not already done", err)
	}
	start := answer(pb.Operation_OPERATION_START_CHARGE)
	if start.GetRetryAdvice().GetStrategy() != pb.RetryStrategy_RETRY_STRATEGY_NO_RETRY_NEEDED ||
		start.GetDecidedBy() != pb.DecisionSource_DECISION_SOURCE_OPERATION {
		t.Errorf("start-charge: %s %v %v", start.GetReason(), start.GetRetryAdvice().GetStrategy(), start.GetDecidedBy())
	}
	if err := interpreter.Propagate(context.Background(), start); !errors.Is(err, interpreter.ErrAlreadyDone) {
		t.Errorf("Propagate(start-charge) = %v, want ErrAlreadyDone", err)
	}
}
