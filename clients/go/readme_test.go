// Package readme_test runs the Go programs of README.md, so the README
// cannot drift from the API.
package readme_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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

// The README's go.mod lines: require v0.0.0 plus replace by a directory.
var installBlock = regexp.MustCompile("(?s)```go.mod\n(.*?)```")

// The README's install route works: a module outside this one, with the
// README's require and replace lines (its placeholder path pointing at this
// module), passes go mod tidy and builds the README's first program.
func TestReadmeInstallRoute(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := installBlock.FindSubmatch(readme)
	if m == nil || !bytes.Contains(m[1], []byte("=> ../path/to/clients/go")) {
		t.Fatal("README has no go.mod block replacing the module by ../path/to/clients/go")
	}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.ReplaceAll(string(m[1]), "../path/to/clients/go", self)
	program := snippet.FindSubmatch(readme)
	if program == nil {
		t.Fatal("README has no program")
	}

	dir := t.TempDir() // outside this module
	files := map[string]string{
		"go.mod":  "module example.com/readme-install\n\ngo 1.26.0\n\n" + lines,
		"main.go": string(program[1]),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", os.DevNull, "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
