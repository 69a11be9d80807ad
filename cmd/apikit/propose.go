package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/openapi"
	"github.com/apikit/apikit/propose"
)

// proposer is apikit validate --propose and apikit proxy --propose: a propose.Collector that sees each verdict with
// its exchange, and the file the overlay goes to. A nil proposer does nothing.
type proposer struct {
	c      *propose.Collector
	f      *os.File
	name   string
	cmd    string // "apikit validate", in messages
	closed bool
}

// newProposer returns nil without a file; specDir is --spec ("" for the embedded specs); cmd names the command in
// messages ("apikit validate").
func newProposer(cmd, file, specDir string) (*proposer, error) {
	if file == "" {
		return nil, nil
	}
	var (
		fsys  fs.FS = openapi.FS
		label       = "openapi"
	)
	if specDir != "" {
		fsys, label = os.DirFS(specDir), strings.TrimSuffix(specDir, "/")
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("--propose: %w", err)
	}
	c, err := propose.New(fsys, label, f)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("--propose: %w", err), f.Close())
	}
	return &proposer{c: c, f: f, name: file, cmd: cmd}, nil
}

func (p *proposer) observe(ctx context.Context, ex *contract.Exchange, res *contract.Result) {
	if p == nil {
		return
	}
	res.Exchange = ex
	_ = p.c.Observe(ctx, res) // cannot fail
	res.Exchange = nil
}

// discard closes the file unwritten, unless close did: for a command that stops before its verdicts are in.
func (p *proposer) discard() {
	if p != nil && !p.closed {
		p.closed = true
		_ = p.f.Close()
	}
}

// close writes the overlay and prints what was not proposed, and why, to stderr.
func (p *proposer) close(stderr io.Writer) error {
	if p == nil || p.closed {
		return nil
	}
	p.closed = true
	err := p.c.Close()
	if cerr := p.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--propose: %w", cerr)
	}
	for _, n := range p.c.Notes() {
		fmt.Fprintf(stderr, "%s: --propose: not proposed: %s\n", p.cmd, egress.Sanitize(n))
	}
	if err == nil {
		fmt.Fprintf(stderr, "%s: --propose: wrote %s\n", p.cmd, egress.Sanitize(p.name))
	}
	return err
}
