package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/internal/testserver"
)

// run interprets a body from a file and a structured code, and reports a bad
// body with its field and reason.
func TestRun(t *testing.T) {
	srv := testserver.Start(t)
	bodyFile := filepath.Join(t.TempDir(), "error.json")
	body := `{"type":"VEHICLE_STATE","code":"ASLEEP","statusCode":409,"requestId":"req-1"}`
	if err := os.WriteFile(bodyFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		args     []string
		exit     int
		contains []string
	}{
		{"body from file", []string{"-addr", srv.Addr, "-body", "@" + bodyFile, "-app", "My App"}, 0,
			[]string{"IDENTIFICATION_EXACT_CODE", "VEHICLE_STATE ASLEEP (CATEGORY_CONNECTIVITY)", "connect to My App", "request id: req-1"}},
		{"structured", []string{"-addr", srv.Addr, "-type", "VEHICLE_STATE", "-code", "in_motion"}, 0,
			[]string{"IN_MOTION", "RETRY_STRATEGY_RETRY_LATER, action ACTION_NONE", "after 10m0s", "propagate:  FAILED_PRECONDITION"}},
		{"json", []string{"-addr", srv.Addr, "-code", "DOOR_OPEN", "-json"}, 0,
			[]string{`"IDENTIFICATION_EXACT_CODE"`, `"propagationCode"`}},
		{"bad body", []string{"-addr", srv.Addr, "-body", "not json"}, 1,
			[]string{"InvalidArgument", "reason: BODY_NOT_JSON", "field body:"}},
		{"no input", []string{"-addr", srv.Addr}, 2, []string{"give -body or -code"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if exit := run(tc.args, &out, &out); exit != tc.exit {
				t.Fatalf("exit %d, want %d; output:\n%s", exit, tc.exit, out.String())
			}
			for _, want := range tc.contains {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
