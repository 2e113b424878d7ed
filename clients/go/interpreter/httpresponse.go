package interpreter

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"google.golang.org/grpc"

	vehicleerrorsv1 "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
)

// DefaultMaxBodyBytes is the server's default --max-body-bytes (16 KiB).
// InterpretHTTPResponse reads at most one byte more, so the server sees that
// a longer body is over its limit and answers from the status (warning
// BODY_TOO_LARGE) without the whole body ever being in memory. A server run
// with a larger limit needs WithMaxBodyBytes to match.
const DefaultMaxBodyBytes = 16 * 1024

// HTTPOption changes the request InterpretHTTPResponse sends, or the call.
// Request fields added to the API later get options of their own; until
// then WithRequest sets any field.
type HTTPOption func(*httpOptions)

type httpOptions struct {
	maxBodyBytes int64
	edits        []func(*vehicleerrorsv1.InterpretRequest)
	callOpts     []grpc.CallOption
}

// WithAppName sets the app name rendered into the user message.
func WithAppName(name string) HTTPOption {
	return WithRequest(func(r *vehicleerrorsv1.InterpretRequest) { r.AppName = name })
}

// WithLocale sets the BCP 47 language tag of the rendered messages.
func WithLocale(tag string) HTTPOption {
	return WithRequest(func(r *vehicleerrorsv1.InterpretRequest) { r.Locale = tag })
}

// WithView sets how much of the answer to return (BASIC unless set).
func WithView(v vehicleerrorsv1.InterpretationView) HTTPOption {
	return WithRequest(func(r *vehicleerrorsv1.InterpretRequest) { r.View = v })
}

// WithOperation says what the failed request asked the vehicle to do
// (pb.Operation_OPERATION_START_CHARGE, ...), so that "already done" is
// decided instead of guessed: a start-charge answered CHARGING_IN_PROGRESS
// is done, a stop-charge answered the same did not take.
func WithOperation(op vehicleerrorsv1.Operation) HTTPOption {
	return WithRequest(func(r *vehicleerrorsv1.InterpretRequest) { r.Operation = op })
}

// WithRequest changes the built request before it is sent, after the
// fields read from the response are set.
func WithRequest(edit func(*vehicleerrorsv1.InterpretRequest)) HTTPOption {
	return func(o *httpOptions) { o.edits = append(o.edits, edit) }
}

// WithMaxBodyBytes sets the server's body limit (DefaultMaxBodyBytes unless
// set); at most n+1 bytes of the body are read.
func WithMaxBodyBytes(n int64) HTTPOption {
	return func(o *httpOptions) { o.maxBodyBytes = n }
}

// WithCallOptions adds gRPC call options to the Interpret call.
func WithCallOptions(opts ...grpc.CallOption) HTTPOption {
	return func(o *httpOptions) { o.callOpts = append(o.callOpts, opts...) }
}

func httpOpts(opts []HTTPOption) httpOptions {
	o := httpOptions{maxBodyBytes: DefaultMaxBodyBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// InterpretHTTPResponse interprets the error response an HTTP call
// returned: its status, Retry-After and SC-Request-Id headers and its body,
// read up to the server's limit plus one byte. It closes resp.Body. A body
// that cannot be read (closed, cut short) still gives an answer, from the
// status alone. client is a *Client, or any InterpreterServiceClient.
func InterpretHTTPResponse(ctx context.Context, client vehicleerrorsv1.InterpreterServiceClient, resp *http.Response, opts ...HTTPOption) (*vehicleerrorsv1.InterpretResponse, error) {
	if resp == nil {
		// The usual slip: passing the response of a call that failed
		// (err != nil, resp == nil). There is no API answer to interpret.
		return nil, errors.New("interpreter: nil *http.Response (the HTTP call itself failed?)")
	}
	o := httpOpts(opts)
	return client.Interpret(ctx, httpResponseRequest(resp, o), o.callOpts...)
}

// HTTPResponseRequest builds the InterpretRequest InterpretHTTPResponse
// sends, for a BatchInterpret of several responses. It closes resp.Body.
func HTTPResponseRequest(resp *http.Response, opts ...HTTPOption) *vehicleerrorsv1.InterpretRequest {
	return httpResponseRequest(resp, httpOpts(opts))
}

func httpResponseRequest(resp *http.Response, o httpOptions) *vehicleerrorsv1.InterpretRequest {
	req := BodyRequest(readBody(resp, o.maxBodyBytes))
	req.HttpStatus = uint32(max(resp.StatusCode, 0))
	req.RetryAfter = header(resp.Header, "Retry-After")
	req.RequestId = header(resp.Header, "SC-Request-Id")
	for _, edit := range o.edits {
		edit(req)
	}
	return req
}

// readBody returns at most limit+1 bytes of the decoded body as valid UTF-8
// (invalid bytes become U+FFFD, which never shortens the text, so a cut body
// stays over the limit), or "" when it cannot be read. It closes the body.
func readBody(resp *http.Response, limit int64) string {
	if resp.Body == nil {
		return ""
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	// The Transport decodes gzip itself only when it asked for it; a caller
	// that set Accept-Encoding gets the compressed bytes.
	if !resp.Uncompressed && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return ""
		}
		defer zr.Close()
		r = zr
	}
	// Bounded after decompression too, so a small gzip bomb stays small.
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return ""
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// header looks name up case-insensitively: Header.Get canonicalizes the
// name, which finds what net/http read from the wire, but not a key set
// directly in a hand-built map ("sc-request-id").
func header(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
