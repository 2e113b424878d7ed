// Package readme_test runs the Go programs of README.md, so the README
// cannot drift from the API.
package readme_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/vehicle-error-interpreter/vehicle-error-interpreter/clients/go/internal/testserver"
)

// A ```go block followed by "Output:" and a ```text block.
var snippet = regexp.MustCompile("(?s)```go\n(.*?)```\n\nOutput:\n\n```text\n(.*?)```")

// Every Go program in the README runs against a real server (its
// localhost:50051 replaced by the test server's address) and prints exactly
// the output the README shows after it.
func TestReadmePrograms(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	found := snippet.FindAllSubmatch(readme, -1)
	if len(found) < 2 || bytes.Count(readme, []byte("```go\n")) != len(found) {
		t.Fatalf("%d of %d go blocks have an Output block", len(found), bytes.Count(readme, []byte("```go\n")))
	}
	srv := testserver.Start(t)
	for i, m := range found {
		program := strings.ReplaceAll(string(m[1]), `"localhost:50051"`, `"`+srv.Addr+`"`)
		// Inside the module, so the program builds with this module's
		// go.mod; "go run" refuses main packages outside the main module.
		dir, err := os.MkdirTemp(".", "readme-program-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		if err := os.WriteFile(dir+"/main.go", []byte(program), 0o600); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("go", "run", "./"+dir)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("program %d: %v\n%s", i+1, err, stderr.String())
		}
		if got, want := stdout.String(), string(m[2]); got != want {
			t.Errorf("program %d printed:\n%s\nREADME says:\n%s", i+1, got, want)
		}
	}
}
