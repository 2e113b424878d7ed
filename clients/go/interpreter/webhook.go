package interpreter

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	vehicleerrorsv1 "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
)

// DefaultWebhookDeadline bounds the InterpretPayload call of one delivery.
// The API waits a few seconds for the acknowledgement and re-delivers
// without one; two seconds leave room for a slow network and still answer
// in time when the interpreter is down or frozen.
const DefaultWebhookDeadline = 2 * time.Second

// DefaultMaxPayloadBytes is the server's default payload limit (1 MiB) for
// InterpretPayload. WebhookHandler reads at most this many bytes of a
// delivery; a server run with a larger limit needs WithWebhookMaxBodyBytes to
// match.
const DefaultMaxPayloadBytes = 1 << 20

// SignatureHeader is the header that carries a delivery's signature: the
// hex HMAC-SHA256 of the raw body under the application's management token.
// Every delivery carries it except VERIFY.
const SignatureHeader = "SC-Signature"

// MaxChallengeLen is the longest VERIFY challenge WebhookHandler answers.
// VERIFY is unsigned and keyed like deliveries, so a receiver that answered
// any challenge would sign any body an attacker chose (a forged delivery):
// it answers only short challenges of [A-Za-z0-9._~-], which no JSON body
// can be.
const MaxChallengeLen = 256

var (
	// ErrWebhookSignature: a delivery other than VERIFY came without
	// SC-Signature, or with one that is not the body's HMAC under the
	// management token. Answered 401; nothing is interpreted.
	ErrWebhookSignature = errors.New("interpreter: webhook delivery without a valid " + SignatureHeader)
	// ErrWebhookChallenge: a VERIFY whose challenge is missing, longer than
	// MaxChallengeLen or holds a character outside [A-Za-z0-9._~-]. Answered
	// 401 and not signed.
	ErrWebhookChallenge = errors.New("interpreter: VERIFY challenge missing or not at most 256 characters of [A-Za-z0-9._~-]")
	// ErrWebhookBodyTooLarge: the request body is over the handler's limit
	// (WithWebhookMaxBodyBytes). Answered 413 without reading further, so
	// its signature cannot be checked and nothing is interpreted.
	ErrWebhookBodyTooLarge = errors.New("interpreter: webhook body over the size limit")
)

// WebhookCallback receives what WebhookHandler made of one delivery: the
// InterpretPayload answer, or an error. It runs after the acknowledgement
// has been written and flushed, with the request's context, so a slow
// callback never delays the acknowledgement over HTTP/1.1 (over HTTP/2 the
// stream ends when the callback returns: keep it short, hand long work to
// a queue).
//
// err is either the InterpretPayload call's error (the interpreter is
// down, frozen past the deadline, or refused the request: a gRPC status;
// the delivery was still acknowledged with 200, log it), or one of
// ErrWebhookSignature, ErrWebhookChallenge and ErrWebhookBodyTooLarge (the
// delivery was refused with a 4xx). A VERIFY that was answered does not
// call it: there is nothing to interpret.
type WebhookCallback func(ctx context.Context, resp *vehicleerrorsv1.InterpretPayloadResponse, err error)

// WebhookOption changes a default of WebhookHandler.
type WebhookOption func(*webhookOptions)

type webhookOptions struct {
	deadline     time.Duration
	maxBodyBytes int64
	edits        []func(*vehicleerrorsv1.InterpretPayloadRequest)
}

// WithWebhookDeadline bounds each InterpretPayload call
// (DefaultWebhookDeadline unless set). The delivery is acknowledged when the
// call returns or the deadline passes, whichever comes first.
func WithWebhookDeadline(d time.Duration) WebhookOption {
	return func(o *webhookOptions) { o.deadline = d }
}

// WithWebhookMaxBodyBytes sets the largest body read
// (DefaultMaxPayloadBytes unless set, the server's payload limit).
func WithWebhookMaxBodyBytes(n int64) WebhookOption {
	return func(o *webhookOptions) { o.maxBodyBytes = n }
}

// WithWebhookRequest changes the InterpretPayloadRequest before it is sent
// (AppName, Locale, View), after the body and the used signals are set.
func WithWebhookRequest(edit func(*vehicleerrorsv1.InterpretPayloadRequest)) WebhookOption {
	return func(o *webhookOptions) { o.edits = append(o.edits, edit) }
}

// WebhookHandler returns the http.Handler of a webhook endpoint: mount it
// on the URL the API delivers to, for example
//
//	http.Handle("/webhooks/vehicle", interpreter.WebhookHandler(c, token, used, callback))
//
// For each POST it reads at most the body limit (413 above it), then:
//
//   - VERIFY (v4 `eventType: "VERIFY"` with `data.challenge`, or the
//     legacy 2.0 `eventName: "verify"` with `payload.challenge`): answers
//     200 with `{"challenge": "<hex HMAC-SHA256 of the challenge under the
//     token>"}` itself, without calling the interpreter; 401 for a
//     challenge that is not at most MaxChallengeLen characters of
//     [A-Za-z0-9._~-] (see MaxChallengeLen).
//   - any other delivery: checks SC-Signature (hex HMAC-SHA256 of the raw
//     body under the token, compared in constant time; 401 when missing or
//     wrong), then calls InterpretPayload with usedSignals and a deadline
//     (DefaultWebhookDeadline), and acknowledges with 200 whatever the
//     verdict and whether or not the call succeeded: the API re-delivers
//     anything else, and a re-delivery would not interpret any better.
//
// Then it hands the answer or the error to callback (see WebhookCallback).
// managementToken is the application's management token: it keys the
// HMACs and never leaves this process (it is not sent to the interpreter
// and is in no error). usedSignals are the signal codes the application
// relies on (see InterpretPayloadRequest.used_signals); nil means all.
// client is a *Client, or any InterpreterServiceClient.
func WebhookHandler(client vehicleerrorsv1.InterpreterServiceClient, managementToken string, usedSignals []string, callback WebhookCallback, opts ...WebhookOption) http.Handler {
	o := webhookOptions{deadline: DefaultWebhookDeadline, maxBodyBytes: DefaultMaxPayloadBytes}
	for _, opt := range opts {
		opt(&o)
	}
	if callback == nil {
		callback = func(context.Context, *vehicleerrorsv1.InterpretPayloadResponse, error) {}
	}
	return &webhookHandler{
		client:  client,
		key:     []byte(managementToken),
		signals: append([]string(nil), usedSignals...),
		call:    callback,
		opts:    o,
	}
}

type webhookHandler struct {
	client  vehicleerrorsv1.InterpreterServiceClient
	key     []byte // the management token; never printed, never sent
	signals []string
	call    WebhookCallback
	opts    webhookOptions
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "deliveries are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.opts.maxBodyBytes+1))
	if err != nil {
		// The sender went away mid-body: nobody is left to answer.
		return
	}
	if int64(len(body)) > h.opts.maxBodyBytes {
		refuse(w, http.StatusRequestEntityTooLarge)
		h.call(r.Context(), nil, ErrWebhookBodyTooLarge)
		return
	}

	if challenge, isVerify := verifyChallenge(body); isVerify {
		if !saneChallenge(challenge) {
			refuse(w, http.StatusUnauthorized)
			h.call(r.Context(), nil, ErrWebhookChallenge)
			return
		}
		answer, _ := json.Marshal(map[string]string{"challenge": h.sign([]byte(challenge))})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(answer)
		return
	}

	if !h.signedBy(body, r.Header.Values(SignatureHeader)) {
		refuse(w, http.StatusUnauthorized)
		h.call(r.Context(), nil, ErrWebhookSignature)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.deadline)
	resp, err := h.client.InterpretPayload(ctx, h.request(body))
	cancel()
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	h.call(r.Context(), resp, err)
}

func (h *webhookHandler) request(body []byte) *vehicleerrorsv1.InterpretPayloadRequest {
	req := &vehicleerrorsv1.InterpretPayloadRequest{
		// A proto string must be UTF-8; invalid bytes become U+FFFD (the
		// signature was checked on the raw bytes).
		Body:        strings.ToValidUTF8(string(body), "\uFFFD"),
		UsedSignals: h.signals,
	}
	for _, edit := range h.opts.edits {
		edit(req)
	}
	return req
}

// sign returns the hex HMAC-SHA256 of msg under the management token.
func (h *webhookHandler) sign(msg []byte) string {
	mac := hmac.New(sha256.New, h.key)
	mac.Write(msg)
	return hex.EncodeToString(mac.Sum(nil))
}

// signedBy reports whether the first SC-Signature value is the body's
// HMAC, in either letter case, compared in constant time.
func (h *webhookHandler) signedBy(body []byte, values []string) bool {
	if len(values) == 0 {
		return false
	}
	got, err := hex.DecodeString(strings.TrimSpace(values[0]))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, h.key)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// refuse answers a delivery it will not interpret, saying nothing about
// why beyond the status (the callback gets the reason).
func refuse(w http.ResponseWriter, code int) {
	http.Error(w, http.StatusText(code), code)
}

// verifyChallenge reports whether body is a VERIFY delivery, read as the
// interpreter reads envelopes (src/payload/scan.rs): v4 when the top level
// has a string `eventType` and an object `data`, else the legacy 2.0 one
// when it has a string `eventName` and an object `payload`; the type
// compared trimmed and in any letter case. challenge is the envelope's
// challenge when it is a JSON string, else "".
func verifyChallenge(body []byte) (challenge string, isVerify bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return "", false
	}
	for _, envelope := range [][2]string{{"eventType", "data"}, {"eventName", "payload"}} {
		var name string
		var inner map[string]json.RawMessage
		if json.Unmarshal(top[envelope[0]], &name) != nil || json.Unmarshal(top[envelope[1]], &inner) != nil || inner == nil {
			continue
		}
		if !strings.EqualFold(strings.TrimSpace(name), "VERIFY") {
			return "", false
		}
		_ = json.Unmarshal(inner["challenge"], &challenge) // not a string: ""
		return challenge, true
	}
	return "", false
}

// saneChallenge: 1 to MaxChallengeLen characters of [A-Za-z0-9._~-].
func saneChallenge(c string) bool {
	if c == "" || len(c) > MaxChallengeLen {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("._~-", b) >= 0) {
			return false
		}
	}
	return true
}
