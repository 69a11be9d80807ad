package run

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want Stats
	}{
		{nil, Stats{}},
		{[]float64{3, 1, 2}, Stats{2, 1, 3}},
		{[]float64{4, 1, 2, 3}, Stats{2.5, 1, 4}},
	} {
		if got := Summarize(tc.in); got != tc.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestCounter(t *testing.T) {
	t.Parallel()
	var c Counter
	_, _ = c.Write([]byte("a\tb\n\x1b[2Jc\x07\n"))
	_, _ = c.Write([]byte("last line\x1b\n"))
	if c.N != 22 || c.Ctl != 3 || c.Tail() != `last line\x1b` {
		t.Errorf("got %d bytes, %d control, tail %q", c.N, c.Ctl, c.Tail())
	}
}

// TestRunChild runs this test binary as the child: its exit code, output and peak RSS are measured.
func TestRunChild(t *testing.T) {
	if os.Getenv("RUN_TEST_CHILD") == "1" {
		os.Stdout.WriteString("hello\n")
		os.Exit(3)
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS is read on Linux")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	s := Run(t.Context(), Cmd{Path: exe, Args: []string{"-test.run", "^TestRunChild$"}, Env: []string{"RUN_TEST_CHILD=1"}, MemLimit: 4 << 30})
	if s.StartFail != nil || s.Exit != 3 || s.OutBytes != 6 || s.OutTail != "hello" || s.MaxRSS < 1<<20 {
		t.Errorf("got %+v", s)
	}
}
