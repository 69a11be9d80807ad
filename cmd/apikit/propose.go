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

// proposer is apikit validate --propose: a propose.Collector that sees each verdict with its exchange, and the
// file the overlay goes to. A nil proposer does nothing.
type proposer struct {
	c    *propose.Collector
	f    *os.File
	name string
}

// newProposer returns nil without a file; specDir is --spec ("" for the embedded specs).
func newProposer(file, specDir string) (*proposer, error) {
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
	return &proposer{c: c, f: f, name: file}, nil
}

func (p *proposer) observe(ctx context.Context, ex *contract.Exchange, res *contract.Result) {
	if p == nil {
		return
	}
	res.Exchange = ex
	_ = p.c.Observe(ctx, res) // cannot fail
	res.Exchange = nil
}

// close writes the overlay and prints what was not proposed, and why, to stderr.
func (p *proposer) close(stderr io.Writer) error {
	if p == nil {
		return nil
	}
	err := p.c.Close()
	if cerr := p.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--propose: %w", cerr)
	}
	for _, n := range p.c.Notes() {
		fmt.Fprintf(stderr, "apikit validate: --propose: not proposed: %s\n", egress.Sanitize(n))
	}
	if err == nil {
		fmt.Fprintf(stderr, "apikit validate: --propose: wrote %s\n", egress.Sanitize(p.name))
	}
	return err
}
