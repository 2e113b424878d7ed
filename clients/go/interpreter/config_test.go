package interpreter

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

// effectiveConfigFile holds what Dial gives a connection by default, in the
// shape clients/python/tests/test_service_config.py builds for the Python
// client's channel. That test compares the two (same retry policy; the
// differences there on purpose, and no others), so neither client's
// defaults can drift from the other's unnoticed.
const effectiveConfigFile = "testdata/effective_config.json"

var update = flag.Bool("update", false, "rewrite "+effectiveConfigFile+" from the code")

// effectiveConfig reads Dial's defaults from the values Dial uses.
func effectiveConfig(t *testing.T) map[string]any {
	t.Helper()
	var serviceConfig map[string]any
	if err := json.Unmarshal([]byte(ServiceConfig), &serviceConfig); err != nil {
		t.Fatalf("ServiceConfig is not JSON: %v", err)
	}
	services := make([]string, len(retriedServices))
	for i, prefix := range retriedServices {
		services[i] = strings.Trim(prefix, "/")
	}
	return map[string]any{
		"defaultTimeoutSeconds": DefaultTimeout.Seconds(),
		// grpc-go applies a retryPolicy unless grpc.WithDisableRetry is
		// given, and Dial does not give it.
		"retriesEnabled": true,
		"serviceConfig":  serviceConfig,
		"keepalive": map[string]any{
			"timeSeconds":        DefaultKeepalive.Time.Seconds(),
			"timeoutSeconds":     DefaultKeepalive.Timeout.Seconds(),
			"permitWithoutCalls": DefaultKeepalive.PermitWithoutStream,
		},
		"attemptTimeout": map[string]any{
			"seconds":     DefaultAttemptTimeout.Seconds(),
			"maxAttempts": DefaultMaxAttempts,
			"services":    services,
		},
		"ejectionSeconds": EjectionTime.Seconds(),
	}
}

// The committed file is what the code says; `go test ./interpreter -run
// TestEffectiveConfig -update` rewrites it after a deliberate change (then
// the Python test says whether the clients still agree).
func TestEffectiveConfig(t *testing.T) {
	got, err := json.MarshalIndent(effectiveConfig(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(effectiveConfigFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(effectiveConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Dial's defaults differ from %s (after a deliberate change: go test ./interpreter -run TestEffectiveConfig -update)\ncode:\n%s\nfile:\n%s",
			effectiveConfigFile, got, want)
	}
}
