// Package testserver runs the real vehicle-error-interpreter binary for
// tests: on 127.0.0.1:0, with the port read from its "serving" log line, so
// tests need no fixed ports and no sleeps.
package testserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds the wait for the "serving" line; the server is ready
// within milliseconds, the rest is headroom for a loaded CI machine.
const startTimeout = 15 * time.Second

// Server is one server process.
type Server struct {
	// Addr is the host:port the server listens on.
	Addr string
	// MetricsAddr is the host:port of its Prometheus endpoint (GET /metrics).
	MetricsAddr string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done closes
	last string        // the last log line, set before done closes
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary returns the server binary: $VEI_SERVER_BIN (set by the test
// stages), else what scripts/lib/server.sh builds.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binPath = os.Getenv("VEI_SERVER_BIN"); binPath != "" {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		script := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "scripts", "lib", "server.sh")
		out, err := exec.Command("bash", script).Output()
		binPath, binErr = strings.TrimSpace(string(out)), err
	})
	if binErr != nil || binPath == "" {
		t.Fatalf("no server binary (set VEI_SERVER_BIN or make scripts/lib/server.sh work): %v", binErr)
	}
	return binPath
}

// Start starts a server with JSON logs and extra args, and stops it (SIGKILL)
// when the test ends if the test did not. Both the gRPC and the metrics
// listener take a free port: the metrics default (0.0.0.0:9090) would make a
// second server in the same test, or in a test binary running in parallel,
// fail to start.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	base := []string{"--listen-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--log-format", "json"}
	cmd := exec.Command(Binary(t), append(base, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	addrs := make(chan [2]string, 1) // gRPC, metrics
	go func() {
		// Read the whole log (so the server never blocks on a full pipe),
		// then reap the process: Wait must follow the last read.
		scanner := bufio.NewScanner(stderr)
		var metrics string
		for scanner.Scan() {
			s.last = scanner.Text()
			var line struct {
				Message string `json:"message"`
				Addr    string `json:"addr"`
			}
			if json.Unmarshal(scanner.Bytes(), &line) == nil {
				switch line.Message {
				case "serving metrics": // logged before "serving"
					metrics = line.Addr
				case "serving":
					addrs <- [2]string{line.Addr, metrics}
				}
			}
			if testing.Verbose() {
				os.Stderr.Write(append([]byte("server: "), append(scanner.Bytes(), '\n')...))
			}
		}
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	select {
	case a := <-addrs:
		s.Addr, s.MetricsAddr = a[0], a[1]
		return s
	case <-s.done:
		t.Fatalf("server exited before serving: %v; last log line: %s", s.err, s.last)
	case <-time.After(startTimeout):
		t.Fatalf("server did not report serving within %v", startTimeout)
	}
	return nil
}

// Handled returns the server's grpc_server_handled_total for method (such
// as "Interpret") and code (such as "OK"), from its metrics endpoint.
func (s *Server) Handled(t testing.TB, method, code string) int {
	t.Helper()
	resp, err := http.Get("http://" + s.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	want := []string{`grpc_method="` + method + `"`, `grpc_code="` + code + `"`}
	total := 0
	for _, line := range strings.Split(string(body), "\n") {
		name, rest, ok := strings.Cut(line, "{")
		if !ok || name != "grpc_server_handled_total" || !strings.Contains(rest, want[0]) || !strings.Contains(rest, want[1]) {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			t.Fatalf("scrape: %q: %v", line, err)
		}
		total += int(n)
	}
	return total
}

// Terminate sends SIGTERM, as the kubelet does.
func (s *Server) Terminate(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
}

// Kill sends SIGKILL, as the kernel's OOM killer or a node failure would:
// no drain, no GOAWAY, the kernel closes the sockets. It waits up to timeout
// for the process to have exited (kill(2) returns before that, and until
// then a thread could still answer a call) and fails the test unless the
// process died of SIGKILL.
func (s *Server) Kill(t testing.TB, timeout time.Duration) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-s.done:
		ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("server exited with %v, want death by SIGKILL", s.err)
		}
	case <-time.After(timeout):
		t.Fatalf("server did not exit within %v of SIGKILL", timeout)
	}
}

// Pause stops the process (SIGSTOP) and waits (bounded) until every one of
// its threads is stopped: kill(2) returns before that, and a thread still
// running could answer a call. The connection stays open and nothing
// answers: a hung server. Linux only (/proc). Resume with Resume.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !allThreadsStopped(s.cmd.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatal("server threads did not stop within 5s of SIGSTOP")
		}
		time.Sleep(time.Millisecond) // poll interval; the loop checks /proc
	}
}

// Resume continues a paused process (SIGCONT).
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("SIGCONT: %v", err)
	}
}

// allThreadsStopped reports whether every thread of pid is in state T.
func allThreadsStopped(pid int) bool {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if len(stats) == 0 {
		return false
	}
	for _, stat := range stats {
		b, err := os.ReadFile(stat)
		// The state follows the parenthesised command name: "pid (comm) T ...".
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
			return false
		}
	}
	return true
}

// Wait waits up to timeout for the process to exit and fails the test unless
// it exited 0.
func (s *Server) Wait(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case <-s.done:
		if s.err != nil {
			t.Fatalf("server exited with %v", s.err)
		}
	case <-time.After(timeout):
		t.Fatalf("server did not exit within %v", timeout)
	}
}

// Exited is closed when the process has exited.
func (s *Server) Exited() <-chan struct{} { return s.done }
