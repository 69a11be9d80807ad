package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/apikit/apikit/capture"
)

// DefaultMaxBody is the largest request or response body a loader accepts unless [WithMaxBody] says otherwise.
const DefaultMaxBody = capture.DefaultMaxBody

// LoadOption configures the loaders ([Load], [ReadHAR], [ReadCassette], [ReadBody]); it is [capture.Option].
type LoadOption = capture.Option

// WithMaxBody sets the largest body, in bytes after base64 decoding, that a loader accepts (default
// [DefaultMaxBody], 256 MiB). A larger body is a [*LoadError] naming the file and entry, never a silent pass.
// n <= 0 restores the default. It is [capture.WithMaxBody].
func WithMaxBody(n int64) LoadOption { return capture.WithMaxBody(n) }

// LoadError is the one error type of the loaders: a file, or an entry in it, that cannot be read. It is
// [capture.LoadError].
type LoadError = capture.LoadError

// sniffLimit is how much of a file is read to tell whether it is a recording.
const sniffLimit = 64 << 10

const utf8BOM = "\xEF\xBB\xBF"

// causeError prints msg and unwraps to err, for a message that says more than err without repeating it.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// ErrBodyTooLarge is matched (with errors.Is) by the [*LoadError] for a body over the [WithMaxBody] limit.
var ErrBodyTooLarge = capture.ErrBodyTooLarge

// Load reads every recording named by paths and yields its exchanges in order, one at a time.
//
// A file is read according to its extension: *.har and *.json as HAR ([ReadHAR]), *.yaml and *.yml as go-vcr
// cassettes ([ReadCassette]); another extension is an error. A directory is walked in lexical order (skipping
// directories whose names start with a dot, and the names a folder's [IgnoreFile] lists) and its recordings are read the same way, except that files which are
// not recordings are skipped silently: a *.json file whose first key is not "log" is not a HAR, and a *.yaml
// file without a top-level "interactions" key is not a cassette. A directory that holds no recordings yields
// nothing and no error.
//
// Every error is a [*LoadError] naming the file. An error in one file does not stop the others: Load yields it
// and goes on with the next file. Load stops when ctx is done (yielding ctx's error once) or when the consumer
// stops the iteration.
func Load(ctx context.Context, paths []string, opts ...LoadOption) iter.Seq2[*Exchange, error] {
	cfg := capture.NewConfig(opts)
	return func(yield func(*Exchange, error) bool) {
		loadWith(ctx, paths, cfg, runtime.GOMAXPROCS(0), yield)
	}
}

// loadWith is Load with workers cores: on one, it reads the files in turn; on more, it reads files ahead in
// parallel (loadahead.go) and yields the same things in the same order.
func loadWith(ctx context.Context, paths []string, cfg *capture.Config, workers int, yield func(*Exchange, error) bool) {
	if workers > 1 {
		loadAhead(ctx, paths, cfg, workers, yield)
		return
	}
	loadInOrder(ctx, paths, cfg, yield)
}

// loadInOrder reads the files one after the other.
func loadInOrder(ctx context.Context, paths []string, cfg *capture.Config, yield func(*Exchange, error) bool) {
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			yield(nil, capture.FileError(p, fmt.Errorf("loading stopped: %w", err)))
			return
		}
		st, err := os.Stat(p)
		if err != nil {
			if !yield(nil, capture.FileError(p, capture.OpenError(err))) {
				return
			}
			continue
		}
		if !st.IsDir() {
			if !loadFile(ctx, p, false, cfg, yield) {
				return
			}
			continue
		}
		files, errs := recordingsIn(p)
		for _, le := range errs {
			if !yield(nil, le) {
				return
			}
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				yield(nil, capture.FileError(f, fmt.Errorf("loading stopped: %w", err)))
				return
			}
			if !loadFile(ctx, f, true, cfg, yield) {
				return
			}
		}
	}
}

// recordingsIn lists the files under dir with a recording's extension, in the lexical order filepath.WalkDir
// visits them.
func recordingsIn(dir string) ([]string, []*LoadError) {
	var files []string
	var errs []*LoadError
	ignored := map[string][]string{} // folder -> names its .apikitignore skips
	dir = filepath.Clean(dir)
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, capture.FileError(p, fmt.Errorf("cannot list: %w", capture.PathCause(err))))
			if d != nil && d.IsDir() && p != dir {
				return fs.SkipDir
			}
			return nil
		}
		if p != dir && ignored[filepath.Dir(p)] != nil && matchesAny(ignored[filepath.Dir(p)], d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			patterns, err := readIgnoreFile(filepath.Join(p, IgnoreFile))
			if err != nil {
				errs = append(errs, capture.FileError(filepath.Join(p, IgnoreFile), err))
			}
			ignored[p] = patterns
			return nil
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			switch kindOf(p) {
			case kindHAR, kindJSON, kindCassette:
				files = append(files, p)
			}
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, capture.FileError(dir, fmt.Errorf("cannot list: %w", capture.PathCause(walkErr))))
	}
	return files, errs
}

// IgnoreFile names the file that lists, one glob per line (filepath.Match syntax, matched against names in
// its own folder; blank lines and # comments ignored), what a directory walk skips. A path named explicitly is
// read whatever the ignore files say.
const IgnoreFile = ".apikitignore"

func readIgnoreFile(p string) ([]string, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", capture.PathCause(err))
	}
	var patterns []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimSuffix(line, "/")
		if _, err := filepath.Match(line, ""); err != nil {
			return nil, fmt.Errorf("line %d: bad pattern %q: %w", i+1, line, err)
		}
		patterns = append(patterns, line)
	}
	return patterns, nil
}

func matchesAny(patterns []string, name string) bool {
	for _, pat := range patterns {
		if ok, _ := filepath.Match(pat, name); ok {
			return true
		}
	}
	return false
}

type fileKind int

const (
	kindOther fileKind = iota
	kindHAR
	kindJSON
	kindCassette
)

func kindOf(p string) fileKind {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".har":
		return kindHAR
	case ".json":
		return kindJSON
	case ".yaml", ".yml":
		return kindCassette
	}
	return kindOther
}

// loadFile reads one file; sniff says it was found by walking a directory, so a file that is not a recording is
// skipped instead of reported. It returns false when the consumer stopped.
func loadFile(ctx context.Context, p string, sniff bool, cfg *capture.Config, yield func(*Exchange, error) bool) bool {
	var seq iter.Seq2[*Exchange, error]
	switch kindOf(p) {
	case kindHAR:
		seq = readHAR(ctx, p, cfg)
	case kindJSON:
		if sniff {
			ok, err := sniffHAR(p)
			if err != nil {
				return yield(nil, capture.FileError(p, err))
			}
			if !ok {
				return true
			}
		}
		seq = readHAR(ctx, p, cfg)
	case kindCassette:
		seq = readCassette(ctx, p, cfg, sniff)
	default:
		return yield(nil, capture.FileError(p, errors.New("not a recording: want a .har, .json, .yaml or .yml file")))
	}
	stopped := false
	for ex, err := range seq {
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			stopped = true // the reader reported the cancellation; Load reports it once
		}
		if !yield(ex, err) {
			return false
		}
	}
	return !stopped
}

// sniffHAR reports whether a JSON file looks like a HAR: a top-level object whose first key is "log".
func sniffHAR(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, capture.OpenError(err)
	}
	defer f.Close()
	head := make([]byte, sniffLimit)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("reading: %w", err)
	}
	head = bytes.TrimPrefix(head[:n], []byte(utf8BOM))
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false, nil
	}
	tok, err := dec.Token()
	return err == nil && tok == "log", nil
}
