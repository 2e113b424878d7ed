// Command goclient makes a few calls to the server through the Go client
// package with otelgrpc's client instrumentation, for the tracing stage
// (scripts/test.d/70-tracing.sh, tests/tracing/test_tracing.py).
//
// Its client spans are exported over OTLP/gRPC (OTEL_EXPORTER_OTLP_ENDPOINT,
// the collector the server exports to, so Jaeger holds whole traces) and
// also printed, one JSON line per call, so the test knows which trace and
// parent span each server span must have.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	vehicleerrorsv1 "github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/gen/vehicle_errors/v1"
	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/interpreter"
)

// call is one RPC's client span, as the test reads it.
type call struct {
	Name    string `json:"name"`
	RPC     string `json:"rpc"`
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Code    string `json:"code"`
}

func main() {
	addr := flag.String("addr", "", "the server's host:port")
	flag.Parse()
	if *addr == "" {
		log.Fatal("-addr is required")
	}
	ctx := context.Background()

	exporter, err := otlptracegrpc.New(ctx, otlptracegrpc.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(recorder),
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("vei-tracing-test-go"))),
	)
	propagator := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	client, err := interpreter.Dial(*addr, interpreter.WithDialOptions(grpc.WithStatsHandler(
		otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(provider), otelgrpc.WithPropagators(propagator)),
	)))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// Baggage travels to the server; it must not show up in its spans.
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx = baggage.ContextWithBaggage(ctx, bag)

	calls := []struct {
		name string
		do   func() error
	}{
		{"interpret-body", func() error {
			_, err := client.Interpret(ctx, &vehicleerrorsv1.InterpretRequest{
				Input: &vehicleerrorsv1.InterpretRequest_Body{
					Body: `{"type":"VEHICLE_STATE","code":"DOOR_OPEN","description":"The door is open.","requestId":"req-secret-42"}`,
				},
				AppName: "SecretApp",
			})
			return err
		}},
		{"interpret-unknown-code", func() error {
			_, err := client.Interpret(ctx, &vehicleerrorsv1.InterpretRequest{
				Input: &vehicleerrorsv1.InterpretRequest_Structured{
					Structured: &vehicleerrorsv1.StructuredError{Type: "VEHICLE_STATE", Code: "MADE_UP_BY_A_CALLER"},
				},
			})
			return err
		}},
		{"batch", func() error {
			item := func(code string) *vehicleerrorsv1.InterpretRequest {
				return &vehicleerrorsv1.InterpretRequest{Input: &vehicleerrorsv1.InterpretRequest_Structured{
					Structured: &vehicleerrorsv1.StructuredError{Type: "VEHICLE_STATE", Code: code},
				}}
			}
			_, err := client.BatchInterpret(ctx, &vehicleerrorsv1.BatchInterpretRequest{
				Requests: []*vehicleerrorsv1.InterpretRequest{item("DOOR_OPEN"), item("MADE_UP_BY_A_CALLER")},
			})
			return err
		}},
		{"get-unknown-code", func() error {
			_, err := client.GetVehicleStateError(ctx, &vehicleerrorsv1.GetVehicleStateErrorRequest{Code: "MADE_UP_BY_A_CALLER"})
			return err
		}},
		{"health", func() error {
			_, err := client.Health.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		}},
	}
	out := json.NewEncoder(os.Stdout)
	for _, c := range calls {
		before := len(recorder.Ended())
		err := c.do()
		ended := recorder.Ended()
		if len(ended) != before+1 {
			log.Fatalf("%s: %d client spans ended, want 1", c.name, len(ended)-before)
		}
		span := ended[len(ended)-1]
		if err := out.Encode(call{
			Name:    c.name,
			RPC:     span.Name(),
			TraceID: span.SpanContext().TraceID().String(),
			SpanID:  span.SpanContext().SpanID().String(),
			Code:    status.Code(err).String(),
		}); err != nil {
			log.Fatal(err)
		}
	}
	if err := provider.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "exporting the client spans:", err)
		os.Exit(1)
	}
}
