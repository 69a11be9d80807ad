package specdiff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Source names one version of a spec: a file on disk, or a file as it was at a git revision.
type Source struct {
	// Rev is a git revision (a branch, tag, commit or expression such as HEAD~1); empty for a file on disk.
	Rev string
	// Path is the spec's file path; with Rev, its path inside the repository.
	Path string
	// Dir is the directory git runs in and a relative Path starts from; empty means the current directory.
	Dir string
}

// ParseSource reads the command-line form of a Source: "REV:path" (for example main:openapi/doorflow.yaml or
// HEAD~1:openapi/sonderplan.yaml) names a file at a git revision, anything without a colon a file on disk.
// A revision cannot be empty (git's ":path" for the index is not supported) or start with "-".
func ParseSource(s string) (Source, error) {
	if s == "" {
		return Source{}, errors.New("empty spec source: want a file path or REV:path")
	}
	rev, path, ok := strings.Cut(s, ":")
	if !ok {
		return Source{Path: s}, nil
	}
	switch {
	case rev == "":
		return Source{}, fmt.Errorf("spec source %q: empty git revision before the colon: want REV:path", s)
	case strings.HasPrefix(rev, "-"):
		return Source{}, fmt.Errorf("spec source %q: a git revision cannot start with '-'", s)
	case path == "":
		return Source{}, fmt.Errorf("spec source %q: empty path after the git revision: want REV:path", s)
	}
	return Source{Rev: rev, Path: path}, nil
}

// String returns the Source in the form ParseSource reads.
func (s Source) String() string {
	if s.Rev == "" {
		return s.Path
	}
	return s.Rev + ":" + s.Path
}

// read returns the spec's bytes: the file's, or git's (git show REV:path) for a revision. An error names the
// revision and the path; a file missing on disk or at the revision wraps fs.ErrNotExist.
func (s Source) read(ctx context.Context) ([]byte, error) {
	if s.Rev == "" {
		p := s.Path
		if s.Dir != "" && !filepath.IsAbs(p) {
			p = filepath.Join(s.Dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading spec %s: %w", s.Path, err)
		}
		return data, nil
	}
	// Check the revision first, so that a missing revision and a missing file get different messages.
	if _, err := s.git(ctx, "rev-parse", "--verify", "--quiet", s.Rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("reading spec %s: git revision %q not found: %w", s, s.Rev, err)
	}
	data, err := s.git(ctx, "show", "--no-textconv", s.Rev+":"+s.Path)
	if err != nil {
		return nil, fmt.Errorf("reading spec %s: no file %q at git revision %q: %w (%w)", s, s.Path, s.Rev, fs.ErrNotExist, err)
	}
	return data, nil
}

// git runs git with args in s.Dir and returns its standard output. Its error carries git's first line of
// standard error, or says that git is not installed.
func (s Source) git(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = s.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil {
		return out, nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("git is not installed or not on PATH: %w", err)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("git %s: %w", args[0], ctxErr)
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
	if msg == "" {
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return nil, fmt.Errorf("git %s: %s: %w", args[0], msg, err)
}
