// Package load reads recordings named by paths, files and folders alike, in any format it knows: it walks
// folders (skipping what an [IgnoreFile] lists), picks each file's format from a small table ([Format]), and
// yields the exchanges one at a time, reading files ahead on several cores.
//
// Adding a capture format is one new file (its reader, in a package of its own under capture/) and one line in
// [Formats].
package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/capture/cassette"
	"github.com/apikit/apikit/capture/har"
)

// Reader reads one file and yields its exchanges one at a time; every error is a [*capture.LoadError] naming the
// file.
type Reader func(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error]

// Format is one kind of recording the walk reads.
type Format struct {
	// Name names the format: "HAR", "go-vcr cassette".
	Name string
	// Extensions are the file name extensions of the format, in lower case with the dot: ".har". An extension
	// belongs to the first format in the list that names it.
	Extensions []string
	// Sniff reads a file found by walking a folder (never one named explicitly): as Read, except that a file
	// which is not of this format yields nothing, and the walk passes over it silently. nil takes every file with
	// one of Extensions for one of this format, and reads it with Read.
	Sniff Reader
	// Read reads a file of this format.
	Read Reader
}

// Formats returns the formats apikit reads, a new list each time: HAR (*.har; *.json files whose first key is
// "log") and go-vcr v4 cassettes (*.yaml, *.yml with a top-level "interactions" key).
func Formats() []Format {
	return []Format{
		{Name: "HAR", Extensions: []string{".har"}, Read: har.Read},
		{Name: "HAR", Extensions: []string{".json"}, Sniff: har.Sniff, Read: har.Read},
		{Name: "go-vcr cassette", Extensions: []string{".yaml", ".yml"}, Sniff: cassette.Sniff, Read: cassette.Read},
	}
}

// Loader reads recordings in the formats it was made with.
type Loader struct {
	formats []Format
	wanted  string // the extensions, for the error about a file in none of the formats: "a .har, .json or .yaml file"
}

// New returns a Loader for formats; with none, for [Formats]. To read one more format, pass
// append(load.Formats(), yours).
func New(formats ...Format) *Loader {
	if len(formats) == 0 {
		formats = Formats()
	}
	var exts []string
	for _, f := range formats {
		exts = append(exts, f.Extensions...)
	}
	wanted := strings.Join(exts, ", ")
	if i := strings.LastIndex(wanted, ", "); i >= 0 {
		wanted = wanted[:i] + " or " + wanted[i+2:]
	}
	return &Loader{formats: slices.Clone(formats), wanted: "a " + wanted + " file"}
}

// Files reads every recording named by paths with the shipped [Formats]: see [Loader.Files].
func Files(ctx context.Context, paths []string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return New().Files(ctx, paths, opts...)
}

// Files reads every recording named by paths and yields its exchanges in order, one at a time.
//
// A file is read according to its extension, by the format that names it ([Format.Read]); another extension is
// an error. A directory is walked in lexical order (skipping directories whose names start with a dot, and the
// names a folder's [IgnoreFile] lists) and its recordings are read the same way, except that files which are not
// recordings are skipped silently ([Format.Sniff]): a *.json file whose first key is not "log" is not a HAR, and a
// *.yaml file without a top-level "interactions" key is not a cassette. A directory that holds no recordings
// yields nothing and no error.
//
// Every error is a [*capture.LoadError] naming the file. An error in one file does not stop the others: Files
// yields it and goes on with the next file. Files stops when ctx is done (yielding ctx's error once) or when the
// consumer stops the iteration.
func (l *Loader) Files(ctx context.Context, paths []string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return func(yield func(*capture.Exchange, error) bool) {
		l.loadWith(ctx, paths, opts, runtime.GOMAXPROCS(0), yield)
	}
}

// loadWith is Files with workers cores: on one, it reads the files in turn; on more, it reads files ahead in
// parallel (ahead.go) and yields the same things in the same order.
func (l *Loader) loadWith(ctx context.Context, paths []string, opts []capture.Option, workers int, yield func(*capture.Exchange, error) bool) {
	if workers > 1 {
		l.loadAhead(ctx, paths, opts, workers, yield)
		return
	}
	l.loadInOrder(ctx, paths, opts, yield)
}

// loadInOrder reads the files one after the other.
func (l *Loader) loadInOrder(ctx context.Context, paths []string, opts []capture.Option, yield func(*capture.Exchange, error) bool) {
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
			if !l.loadFile(ctx, p, namedFile, opts, yield) {
				return
			}
			continue
		}
		files, errs := l.recordingsIn(p)
		for _, le := range errs {
			if !yield(nil, le) {
				return
			}
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				yield(nil, capture.FileError(f.path, fmt.Errorf("loading stopped: %w", err)))
				return
			}
			if !l.loadFile(ctx, f.path, walkedFile(f), opts, yield) {
				return
			}
		}
	}
}

// walked is a file a walk found.
type walked struct {
	path    string
	regular bool // the directory lists it as a regular file (not a symbolic link)
}

// recordingsIn lists the files under dir with a recording's extension, in the lexical order filepath.WalkDir
// visits them.
func (l *Loader) recordingsIn(dir string) ([]walked, []*capture.LoadError) {
	var files []walked
	var errs []*capture.LoadError
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
		if l.formatOf(p) != nil { // loadFile lists what is not a regular file as skipped
			files = append(files, walked{p, d.Type().IsRegular()})
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

// formatOf is the format a file's extension names; nil for none.
func (l *Loader) formatOf(p string) *Format {
	ext := strings.ToLower(filepath.Ext(p))
	for i := range l.formats {
		if slices.Contains(l.formats[i].Extensions, ext) {
			return &l.formats[i]
		}
	}
	return nil
}

// fileKind is how loadFile came to a file.
type fileKind uint8

const (
	namedFile     fileKind = iota // named by a path
	walkedOther                   // found by walking a directory, listed as something else than a regular file
	walkedRegular                 // found by walking a directory, listed as a regular file
)

func walkedFile(w walked) fileKind {
	if w.regular {
		return walkedRegular
	}
	return walkedOther
}

// loadFile reads one file; a file found by walking a directory (kind) that is not a recording is skipped instead
// of reported. It returns false when the consumer stopped.
func (l *Loader) loadFile(ctx context.Context, p string, kind fileKind, opts []capture.Option, yield func(*capture.Exchange, error) bool) bool {
	sniff := kind != namedFile
	// A FIFO, device or socket is never opened (reading one blocks or never ends): named, it is an input error;
	// found by a walk (a symlink to one), it is listed as skipped (capture.ErrSkipped). A walk's regular file
	// needs no Stat: its directory said what it is (the reader checks again before it opens it).
	if kind != walkedRegular {
		if st, err := os.Stat(p); err == nil {
			if err := capture.NotRegular(st, sniff); err != nil {
				return yield(nil, capture.FileError(p, err))
			}
		}
	}
	f := l.formatOf(p)
	if f == nil {
		return yield(nil, capture.FileError(p, errors.New("not a recording: want "+l.wanted)))
	}
	read := f.Read
	if sniff && f.Sniff != nil {
		read = f.Sniff
	}
	stopped := false
	for ex, err := range read(ctx, p, opts...) {
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			stopped = true // the reader reported the cancellation; Files reports it once
		}
		if !yield(ex, err) {
			return false
		}
	}
	return !stopped
}
