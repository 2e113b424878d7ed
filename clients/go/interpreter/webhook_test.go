package interpreter_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/internal/testserver"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

// The management token of the tests' application; it must never reach the
// interpreter.
const testToken = "mgmt-token-7f3e2a"

// A VEHICLE_ERROR delivery in the v4 envelope (the API's event page): a
// PERMISSION error scoped to two signals the application does not use, and
// a COMPATIBILITY error scoped to one it does.
const vehicleErrorDelivery = `{"eventId":"1821c036-71cb-408f-8dee-2989b9764307","eventType":"VEHICLE_ERROR",
"data":{"user":{"id":"2fbd0033"},"vehicle":{"id":"a1d50709","make":"VOLKSWAGEN","model":"ID.4","year":2021},
"errors":[
 {"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR",
  "signals":[{"name":"Permissions","group":"VehicleUserAccount","code":"vehicleuseraccount-permissions"}]},
 {"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE","description":"The vehicle is incapable of performing your request.",
  "resolution":{"type":null},"state":"ERROR","signals":["InternalCombustionEngine.FuelLevel"]}]},
"meta":{"version":"4.0","deliveryId":"49c3f6bb","deliveredAt":1758224204078,"webhookId":"5a8e5e38","mode":"LIVE"}}`

// The signal the application relies on, as a Group.Name string.
var usedSignals = []string{"InternalCombustionEngine.FuelLevel"}

// sign is the test's own HMAC-SHA256, hex, for the deliveries it sends.
func sign(body string) string {
	mac := hmac.New(sha256.New, []byte(testToken))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// recorder records what the handler passed to the callback and what the
// interpreter client sent.
type recorder struct {
	// got receives each callback call. The handler calls back after it
	// has flushed the acknowledgement, so the test waits on this channel
	// rather than reading a field once the response is in.
	got      chan callbackCall
	mu       sync.Mutex
	sent     [][]byte
	sentMD   []metadata.MD
	rpcCount int
}

type callbackCall struct {
	resp *pb.InterpretPayloadResponse
	err  error
}

func (r *recorder) callback(_ context.Context, resp *pb.InterpretPayloadResponse, err error) {
	r.got <- callbackCall{resp, err}
}

// interceptor records every request the client sends, serialized, with
// its outgoing metadata.
func (r *recorder) interceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	raw, _ := proto.Marshal(req.(proto.Message))
	md, _ := metadata.FromOutgoingContext(ctx)
	r.mu.Lock()
	r.sent = append(r.sent, raw)
	r.sentMD = append(r.sentMD, md)
	r.rpcCount++
	r.mu.Unlock()
	return invoker(ctx, method, req, reply, cc, opts...)
}

// next waits (bounded) for the next callback call.
func (r *recorder) next(t *testing.T) (*pb.InterpretPayloadResponse, error) {
	t.Helper()
	select {
	case c := <-r.got:
		return c.resp, c.err
	case <-time.After(10 * time.Second):
		t.Fatal("the callback was not called")
		return nil, nil
	}
}

func (r *recorder) rpcs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rpcCount
}

// webhookEndpoint serves WebhookHandler on a real HTTP server, with a
// client of srv that records what it sends.
func webhookEndpoint(t *testing.T, srv *testserver.Server, opts ...interpreter.WebhookOption) (string, *recorder) {
	t.Helper()
	rec := &recorder{got: make(chan callbackCall, 100)}
	c, err := interpreter.Dial(srv.Addr, interpreter.WithDialOptions(grpc.WithChainUnaryInterceptor(rec.interceptor)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	endpoint := httptest.NewServer(interpreter.WebhookHandler(c, testToken, usedSignals, rec.callback, opts...))
	t.Cleanup(endpoint.Close)
	return endpoint.URL + "/webhooks/vehicle", rec
}

// deliver POSTs body with the given SC-Signature ("" for none). The
// client's timeout is a bound so a hung handler fails the test instead of
// hanging it; the handler's own deadline is far shorter.
func deliver(t *testing.T, url, body, signature string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(interpreter.SignatureHeader, signature)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("delivery: %v", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, answer
}

// A signed VEHICLE_ERROR delivery is acknowledged with 200 and interpreted
// by the real server: the callback gets its answer, built with the used
// signals (the PERMISSION error touches no used signal, so the
// COMPATIBILITY one decides), and the request the interpreter got holds the
// body and the used signals but not the token.
func TestWebhookSignedDeliveryIsInterpreted(t *testing.T) {
	url, rec := webhookEndpoint(t, testserver.Start(t),
		interpreter.WithWebhookRequest(func(r *pb.InterpretPayloadRequest) { r.AppName = "My App" }))

	code, _, _ := deliver(t, url, vehicleErrorDelivery, sign(vehicleErrorDelivery))
	if code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	resp, err := rec.next(t)
	if err != nil {
		t.Fatalf("callback error %v", err)
	}
	if resp.GetPayloadKind() != pb.PayloadKind_PAYLOAD_KIND_WEBHOOK ||
		resp.GetEvent().GetType() != pb.WebhookEventType_WEBHOOK_EVENT_TYPE_VEHICLE_ERROR ||
		resp.GetEvent().GetDeliveryId() != "49c3f6bb" || resp.GetEvent().GetVehicleId() != "a1d50709" {
		t.Errorf("payload kind %v, event %v", resp.GetPayloadKind(), resp.GetEvent())
	}
	relevant := map[string]bool{}
	for _, item := range resp.GetItems() {
		relevant[item.GetInterpretation().GetErrorType()] = item.GetRelevant()
		// A webhook item has nothing to propagate; Propagate refuses it.
		if err := interpreter.Propagate(context.Background(), item.GetInterpretation()); !errors.Is(err, interpreter.ErrNoPropagationStatus) {
			t.Errorf("Propagate(webhook item) = %v, want ErrNoPropagationStatus", err)
		}
	}
	if !relevant["COMPATIBILITY"] || relevant["PERMISSION"] || len(relevant) != 2 {
		t.Errorf("items by type, relevant: %v", relevant)
	}
	verdict := resp.GetVerdict()
	if verdict.GetOutcome() != pb.VerdictOutcome_VERDICT_OUTCOME_UNSUPPORTED ||
		!strings.HasPrefix(verdict.GetReason(), "COMPATIBILITY") {
		t.Errorf("verdict %v, want UNSUPPORTED decided by the COMPATIBILITY error", verdict)
	}

	sent := &pb.InterpretPayloadRequest{}
	rec.mu.Lock()
	raw, md := rec.sent[0], rec.sentMD[0]
	rec.mu.Unlock()
	if err := proto.Unmarshal(raw, sent); err != nil {
		t.Fatal(err)
	}
	if sent.GetBody() != vehicleErrorDelivery || strings.Join(sent.GetUsedSignals(), ",") != strings.Join(usedSignals, ",") || sent.GetAppName() != "My App" {
		t.Errorf("sent %v", sent)
	}
	if bytes.Contains(raw, []byte(testToken)) || strings.Contains(strings.Join(mdValues(md), " "), testToken) {
		t.Error("the management token was sent to the interpreter")
	}
}

func mdValues(md metadata.MD) []string {
	var out []string
	for k, vs := range md {
		out = append(out, k)
		out = append(out, vs...)
	}
	return out
}

// A missing signature, a wrong one, the signature of another body and one
// under another key are refused with 401; the interpreter is never called,
// and the callback gets ErrWebhookSignature. The right signature in upper
// case passes.
func TestWebhookRefusesBadSignatures(t *testing.T) {
	url, rec := webhookEndpoint(t, testserver.Start(t))
	otherKey := hmac.New(sha256.New, []byte("another-token"))
	otherKey.Write([]byte(vehicleErrorDelivery))
	for name, signature := range map[string]string{
		"missing":           "",
		"not hex":           "not-a-signature",
		"another body":      sign(vehicleErrorDelivery + " "),
		"another key":       hex.EncodeToString(otherKey.Sum(nil)),
		"truncated":         sign(vehicleErrorDelivery)[:32],
		"the token in full": testToken,
	} {
		before := rec.rpcs()
		code, _, body := deliver(t, url, vehicleErrorDelivery, signature)
		_, err := rec.next(t)
		if code != http.StatusUnauthorized || !errors.Is(err, interpreter.ErrWebhookSignature) {
			t.Errorf("%s: status %d, callback error %v; want 401, ErrWebhookSignature", name, code, err)
		}
		if rec.rpcs() != before {
			t.Errorf("%s: the interpreter was called", name)
		}
		if strings.Contains(string(body), testToken) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: the token is in the answer or the error", name)
		}
	}

	code, _, _ := deliver(t, url, vehicleErrorDelivery, strings.ToUpper(sign(vehicleErrorDelivery)))
	if _, err := rec.next(t); code != http.StatusOK || rec.rpcs() != 1 || errors.Is(err, interpreter.ErrWebhookSignature) {
		t.Errorf("upper-case signature: status %d, %d calls, error %v", code, rec.rpcs(), err)
	}
}

// VERIFY, in the v4 and in the legacy 2.0 envelope, unsigned: answered 200
// with {"challenge": HMAC-SHA256 of the challenge} as JSON, checked
// against a value computed outside this package (openssl dgst -sha256
// -hmac) and the test's own HMAC; the interpreter is not called, nor the
// callback.
func TestWebhookAnswersVerify(t *testing.T) {
	url, rec := webhookEndpoint(t, testserver.Start(t))
	const challenge = "c3bd7a9e-4f1b.VERIFY_challenge~01"
	// printf '%s' "$challenge" | openssl dgst -sha256 -hmac "$testToken"
	const opensslHMAC = "062667b86da27389c57ae4f2102dbaf2e362bf7befced5041ef0070517f28076"
	if sign(challenge) != opensslHMAC {
		t.Fatal("the test's own HMAC disagrees with openssl")
	}
	long := strings.Repeat("a", interpreter.MaxChallengeLen)
	for name, tc := range map[string]struct{ body, challenge string }{
		"v4": {`{"eventId":"e1","eventType":"VERIFY","data":{"challenge":"` + challenge + `"},` +
			`"meta":{"version":"4.0","webhookId":"w1","deliveryId":"d1","deliveredAt":"2025-09-18T19:36:44.078Z","mode":"TEST"}}`, challenge},
		"legacy 2.0": {`{"version":"2.0","webhookId":"w1","eventName":"verify","payload":{"challenge":"` + challenge + `"}}`, challenge},
		"v4, type in another case, 256 characters": {`{"eventType":" Verify ","data":{"challenge":"` + long + `"}}`, long},
	} {
		code, header, body := deliver(t, url, tc.body, "")
		var answer map[string]string
		if err := json.Unmarshal(body, &answer); err != nil || code != http.StatusOK || len(answer) != 1 {
			t.Fatalf("%s: status %d, body %q", name, code, body)
		}
		if answer["challenge"] != sign(tc.challenge) || (tc.challenge == challenge && answer["challenge"] != opensslHMAC) {
			t.Errorf("%s: answered %q, want the HMAC of the challenge", name, answer["challenge"])
		}
		if header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", name, header.Get("Content-Type"))
		}
	}
	if len(rec.got) != 0 || rec.rpcs() != 0 {
		t.Errorf("VERIFY called the callback %d times, the interpreter %d times", len(rec.got), rec.rpcs())
	}
}

// A VERIFY whose challenge is not at most 256 characters of
// [A-Za-z0-9._~-] is refused with 401 and nothing is signed: otherwise the
// endpoint would sign any body an attacker chose, such as a forged
// delivery.
func TestWebhookRefusesBadChallenges(t *testing.T) {
	url, rec := webhookEndpoint(t, testserver.Start(t))
	forged := `{"eventType":"VEHICLE_ERROR","data":{"errors":[]}}`
	for name, challenge := range map[string]string{
		"a forged delivery": strconvQuote(forged),
		"257 characters":    `"` + strings.Repeat("a", interpreter.MaxChallengeLen+1) + `"`,
		"a space":           `"abc def"`,
		"non-ASCII":         `"caf\u00e9"`,
		"a slash":           `"abc/def"`,
		"empty":             `""`,
		"a number":          `12345`,
		"null":              `null`,
	} {
		for envelope, body := range map[string]string{
			"v4":         `{"eventType":"VERIFY","data":{"challenge":` + challenge + `}}`,
			"legacy 2.0": `{"eventName":"verify","payload":{"challenge":` + challenge + `}}`,
		} {
			code, _, answer := deliver(t, url, body, "")
			_, err := rec.next(t)
			if code != http.StatusUnauthorized || !errors.Is(err, interpreter.ErrWebhookChallenge) {
				t.Errorf("%s, %s: status %d, callback error %v; want 401, ErrWebhookChallenge", name, envelope, code, err)
			}
			if strings.Contains(string(answer), sign(forged)) {
				t.Errorf("%s, %s: signed the forged delivery", name, envelope)
			}
		}
	}
	code, _, _ := deliver(t, url, `{"eventType":"VERIFY","data":{}}`, "")
	if _, err := rec.next(t); code != http.StatusUnauthorized || !errors.Is(err, interpreter.ErrWebhookChallenge) {
		t.Errorf("VERIFY without a challenge: status %d", code)
	}
	if rec.rpcs() != 0 {
		t.Errorf("the interpreter was called %d times", rec.rpcs())
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// With the interpreter killed (connection refused) or frozen (SIGSTOP: the
// connection stays open and nothing answers), a signed delivery is still
// acknowledged with 200, and the callback gets the call's error to log:
// UNAVAILABLE, or DEADLINE_EXCEEDED from the handler's own deadline (far
// inside the HTTP client's timeout, which would fail the test instead).
func TestWebhookAcknowledgesWhenTheInterpreterIsDown(t *testing.T) {
	t.Run("killed", func(t *testing.T) {
		srv := testserver.Start(t)
		url, rec := webhookEndpoint(t, srv)
		srv.Kill(t, 10*time.Second)
		code, _, _ := deliver(t, url, vehicleErrorDelivery, sign(vehicleErrorDelivery))
		resp, err := rec.next(t)
		if code != http.StatusOK || resp != nil || status.Code(err) != codes.Unavailable {
			t.Errorf("status %d; callback answer %v, error %v; want 200 and UNAVAILABLE", code, resp, err)
		}
	})
	t.Run("frozen", func(t *testing.T) {
		srv := testserver.Start(t)
		url, rec := webhookEndpoint(t, srv, interpreter.WithWebhookDeadline(300*time.Millisecond))
		// Connected first, so the call meets a frozen server, not a refused port.
		if code, _, _ := deliver(t, url, `{}`, sign(`{}`)); code != http.StatusOK {
			t.Fatalf("warm-up delivery: %d", code)
		}
		rec.next(t)
		srv.Pause(t)
		defer srv.Resume(t)
		code, _, _ := deliver(t, url, vehicleErrorDelivery, sign(vehicleErrorDelivery))
		resp, err := rec.next(t)
		if code != http.StatusOK || resp != nil || status.Code(err) != codes.DeadlineExceeded {
			t.Errorf("status %d; callback answer %v, error %v; want 200 and DEADLINE_EXCEEDED", code, resp, err)
		}
	})
}

// The body is read up to the limit: one byte over is refused with 413
// before any signature check or call. Only POST is served.
func TestWebhookBodyLimitAndMethod(t *testing.T) {
	url, rec := webhookEndpoint(t, testserver.Start(t), interpreter.WithWebhookMaxBodyBytes(int64(len(vehicleErrorDelivery))))
	over := vehicleErrorDelivery + " "
	code, _, _ := deliver(t, url, over, sign(over))
	if _, err := rec.next(t); code != http.StatusRequestEntityTooLarge || !errors.Is(err, interpreter.ErrWebhookBodyTooLarge) || rec.rpcs() != 0 {
		t.Errorf("over the limit: status %d, error %v, %d calls", code, err, rec.rpcs())
	}
	if code, _, _ := deliver(t, url, vehicleErrorDelivery, sign(vehicleErrorDelivery)); code != http.StatusOK || rec.rpcs() != 1 {
		t.Errorf("at the limit: status %d, %d calls", code, rec.rpcs())
	}
	rec.next(t)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
