// Package run runs the whole-process measurements of `make bench-compare` and `make bench-hostile`: a child
// process with its wall time, peak RSS (getrusage of the child), exit code and output size, and the statistics
// and tables of the ratios. It is not part of apikit.
package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Cmd is one child process to measure.
type Cmd struct {
	Path string
	Args []string
	Dir  string
	Env  []string // added to the environment

	// MemLimit bounds the child's memory in bytes; 0: no bound. On Linux a watchdog reads its resident set
	// every 10 ms and kills it past MemLimit (Sample.OverMem), and its address space is bounded to eight
	// times MemLimit (ulimit -v through /bin/sh; a Go heap reserves several times what it touches) in case it
	// grows faster than the watchdog reads; a Go process that crosses that dies with "out of memory" (exit 2,
	// Sample.OOM).
	MemLimit int64
	// Timeout kills the child after this long; 0: no bound.
	Timeout time.Duration
	// Stdout and Stderr, when set, receive the output as well as the counters.
	Stdout, Stderr io.Writer
}

// Sample is what one run measured.
type Sample struct {
	Wall      time.Duration
	MaxRSS    int64 // bytes
	Exit      int   // -1: killed by a signal
	Signal    string
	TimedOut  bool
	OutBytes  int64 // stdout
	ErrBytes  int64 // stderr
	CtlBytes  int64 // control bytes (below 0x20 but \n and \t, and 0x7f) in stdout and stderr
	OutTail   string
	ErrTail   string
	OOM       bool // the Go runtime said "out of memory" on stderr
	OverMem   bool // killed by the watchdog: its resident set crossed Cmd.MemLimit
	StartFail error
}

// Counter counts the bytes written to it, the control characters among them, and keeps the last line.
type Counter struct {
	N, Ctl int64
	tail   []byte
	head   []byte
	Next   io.Writer
}

func (c *Counter) Write(p []byte) (int, error) {
	c.N += int64(len(p))
	for _, b := range p {
		if (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f {
			c.Ctl++
		}
	}
	if len(c.head) < 4096 {
		c.head = append(c.head, p[:min(len(p), 4096-len(c.head))]...)
	}
	c.tail = append(c.tail, p...)
	if len(c.tail) > 4096 {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-2048:]...)
	}
	if c.Next != nil {
		return c.Next.Write(p)
	}
	return len(p), nil
}

// Tail is the last non-empty line written.
func (c *Counter) Tail() string {
	s := strings.TrimRight(string(c.tail), "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strconv.QuoteToASCII(s)[1 : len(strconv.QuoteToASCII(s))-1]
}

// Run runs c to the end.
func Run(ctx context.Context, c Cmd) Sample {
	p, err := Start(ctx, c)
	if err != nil {
		return Sample{StartFail: err, Exit: -1}
	}
	return p.Wait()
}

// Proc is a started child.
type Proc struct {
	cmd      *exec.Cmd
	start    time.Time
	out, err *Counter
	cancel   context.CancelFunc
	ctx      context.Context
	overMem  atomic.Bool
	done     chan struct{}
}

// Start starts c; Wait or Stop ends it.
func Start(ctx context.Context, c Cmd) (*Proc, error) {
	var cancel context.CancelFunc = func() {}
	if c.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
	}
	path, args := c.Path, c.Args
	if c.MemLimit > 0 {
		path = "/bin/sh"
		args = append([]string{"-c", `ulimit -v ` + strconv.FormatInt(8*c.MemLimit>>10, 10) + ` && exec "$0" "$@"`, c.Path}, c.Args...)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	p := &Proc{cmd: cmd, out: &Counter{Next: c.Stdout}, err: &Counter{Next: c.Stderr}, cancel: cancel, ctx: ctx, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.err
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("starting %s: %w", c.Path, err)
	}
	if c.MemLimit > 0 {
		go p.watch(c.MemLimit)
	}
	return p, nil
}

// watch kills the child once its resident set crosses limit (Linux: /proc/PID/statm), until it ends.
func (p *Proc) watch(limit int64) {
	statm := fmt.Sprintf("/proc/%d/statm", p.cmd.Process.Pid)
	page := int64(os.Getpagesize())
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		data, err := os.ReadFile(statm)
		if err != nil {
			return // not Linux, or the child is gone
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			return
		}
		pages, _ := strconv.ParseInt(f[1], 10, 64)
		if pages*page > limit {
			p.overMem.Store(true)
			_ = p.cmd.Process.Kill()
			return
		}
	}
}

// Stop sends SIGTERM and waits.
func (p *Proc) Stop() Sample {
	_ = p.cmd.Process.Signal(terminate)
	return p.Wait()
}

// Wait waits for the child to end and returns its sample.
func (p *Proc) Wait() Sample {
	defer p.cancel()
	err := p.cmd.Wait()
	close(p.done)
	s := Sample{Wall: time.Since(p.start), OutBytes: p.out.N, ErrBytes: p.err.N, CtlBytes: p.out.Ctl + p.err.Ctl,
		OutTail: p.out.Tail(), ErrTail: p.err.Tail(),
		OOM: bytes.Contains(p.err.head, []byte("out of memory")) || bytes.Contains(p.err.tail, []byte("out of memory"))}
	s.TimedOut = errors.Is(p.ctx.Err(), context.DeadlineExceeded)
	s.OverMem = p.overMem.Load()
	if st := p.cmd.ProcessState; st != nil {
		s.Exit = st.ExitCode()
		s.MaxRSS = maxRSS(st)
		if s.Exit == -1 {
			s.Signal = st.String()
		}
	} else if err != nil {
		s.Exit = -1
		s.Signal = err.Error()
	}
	return s
}

// Stats are the median, min and max of a set of values.
type Stats struct{ Med, Min, Max float64 }

// Summarize returns the statistics of v (zero for none).
func Summarize(v []float64) Stats {
	if len(v) == 0 {
		return Stats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stats{Med: m, Min: s[0], Max: s[len(s)-1]}
}

// Table prints rows as a Markdown table, columns padded.
func Table(w io.Writer, head []string, rows [][]string) {
	width := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b bytes.Buffer
	line := func(r []string) {
		b.WriteByte('|')
		for i, c := range r {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteByte('\n')
	}
	line(head)
	b.WriteByte('|')
	for _, n := range width {
		b.WriteString(strings.Repeat("-", n+2) + "|")
	}
	b.WriteByte('\n')
	for _, r := range rows {
		line(r)
	}
	_, _ = w.Write(b.Bytes())
}

// MiB formats bytes in MiB.
func MiB(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// Size formats a byte count with a binary unit.
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
