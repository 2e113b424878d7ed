// Command interpret asks vehicle-error-interpreter about one error and
// prints the interpretation.
//
//	go run ./cmd/interpret -addr localhost:50051 -body @error.json -app "My App"
//	go run ./cmd/interpret -type VEHICLE_STATE -code DOOR_OPEN
//
// With -json it prints the whole response as JSON. An RPC error prints its
// code, message, ErrorInfo reason and BadRequest field violations, and the
// exit status is 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status (0 ok, 1 the
// call failed, 2 bad usage).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("interpret", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "localhost:50051", "server `target` (host:port or dns:///host:port)")
	body := fs.String("body", "", "the error body as received; @FILE reads it from FILE, @- from stdin")
	typ := fs.String("type", "VEHICLE_STATE", "error type, with -code")
	code := fs.String("code", "", "error code such as DOOR_OPEN, instead of -body")
	app := fs.String("app", "", "app name for <app name> (default: the server's)")
	timeout := fs.Duration("timeout", interpreter.DefaultTimeout, "deadline of the call")
	asJSON := fs.Bool("json", false, "print the whole response as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}

	var req *pb.InterpretRequest
	switch {
	case *body != "" && *code != "":
		fmt.Fprintln(stderr, "interpret: give -body or -code, not both")
		return 2
	case *body != "":
		text, err := readArg(*body)
		if err != nil {
			fmt.Fprintln(stderr, "interpret:", err)
			return 2
		}
		req = interpreter.BodyRequest(text)
	case *code != "":
		req = interpreter.StructuredRequest(*typ, *code)
	default:
		fmt.Fprintln(stderr, "interpret: give -body or -code")
		return 2
	}

	req.AppName = *app

	c, err := interpreter.Dial(*addr, interpreter.WithTimeout(*timeout))
	if err != nil {
		fmt.Fprintln(stderr, "interpret:", err)
		return 1
	}
	defer c.Close()
	resp, err := c.Interpret(context.Background(), req)
	if err != nil {
		printError(stderr, err)
		return 1
	}
	if *asJSON {
		fmt.Fprintln(stdout, protojson.Format(resp))
		return 0
	}
	printInterpretation(stdout, resp)
	return 0
}

// readArg returns s, or the contents of the file after "@" ("@-": stdin).
func readArg(s string) (string, error) {
	name, ok := strings.CutPrefix(s, "@")
	if !ok {
		return s, nil
	}
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	return string(b), err
}

func printInterpretation(w io.Writer, r *pb.InterpretResponse) {
	advice := r.GetRetryAdvice()
	fmt.Fprintf(w, "reason:     %s (%s, decided by %s)\n", r.GetReason(), r.GetIdentification(), r.GetDecidedBy())
	fmt.Fprintf(w, "error:      %s %s (%s)\n", r.GetErrorType(), r.GetErrorCode(), r.GetCategory())
	fmt.Fprintf(w, "retry:      %s, action %s, after %s\n",
		advice.GetStrategy(), advice.GetAction(),
		advice.GetSuggestedDelay().AsDuration().Round(time.Second))
	fmt.Fprintf(w, "propagate:  %s\n", r.GetPropagationCode())
	fmt.Fprintf(w, "message:    %s\n", r.GetUserMessage())
	for _, w8 := range r.GetWarnings() {
		fmt.Fprintf(w, "warning:    %s (%s): %s\n", w8.GetReason(), w8.GetField(), w8.GetMessage())
	}
	if id := r.GetRequestId(); id != "" {
		fmt.Fprintf(w, "request id: %s\n", id)
	}
}

func printError(w io.Writer, err error) {
	st, ok := status.FromError(err)
	if !ok {
		fmt.Fprintln(w, "interpret:", err)
		return
	}
	fmt.Fprintf(w, "interpret: %s: %s\n", st.Code(), st.Message())
	if info := interpreter.ErrorInfo(err); info != nil {
		fmt.Fprintf(w, "  reason: %s\n", info.GetReason())
	}
	for _, v := range interpreter.BadRequest(err).GetFieldViolations() {
		fmt.Fprintf(w, "  field %s: %s\n", v.GetField(), v.GetDescription())
	}
	if st.Code() == codes.DeadlineExceeded {
		fmt.Fprintln(w, "  (the call timed out; see -timeout)")
	}
}
