package specdiff

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes a git repository in a temporary directory with two commits of openapi/sonderplan.yaml: the real
// spec, then the spec without the enum value "--". The working copy holds a third version that drops "R-" as well.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), "git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "openapi"), 0o700); err != nil {
		t.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	writeSpec(t, filepath.Join(dir, "openapi"), "sonderplan.yaml", "sonderplan", nil)
	git("add", ".")
	git("commit", "-q", "-m", "v1")
	writeSpec(t, filepath.Join(dir, "openapi"), "sonderplan.yaml", "sonderplan", edit(`enum: ["--", "R-", "RW"]`, `enum: ["R-", "RW"]`))
	git("commit", "-q", "-am", "v2")
	writeSpec(t, filepath.Join(dir, "openapi"), "sonderplan.yaml", "sonderplan", edit(`enum: ["--", "R-", "RW"]`, `enum: ["RW"]`))
	return dir
}

func TestCompareGitRevisions(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	cases := []struct {
		name, base, rev string
		wantValues      []string // the enum values the breaking changes name, in order, without repeats
		wantErr         []string // substrings of the error
		wantNotExist    bool     // errors.Is(err, fs.ErrNotExist)
	}{
		{name: "commit to commit", base: "HEAD~1:openapi/sonderplan.yaml", rev: "main:openapi/sonderplan.yaml", wantValues: []string{"`--`"}},
		{name: "commit to working copy", base: "HEAD:openapi/sonderplan.yaml", rev: "openapi/sonderplan.yaml", wantValues: []string{"`R-`"}},
		{name: "same revision", base: "HEAD:openapi/sonderplan.yaml", rev: "main:openapi/sonderplan.yaml"},
		{name: "missing revision", base: "nope:openapi/sonderplan.yaml", rev: "openapi/sonderplan.yaml",
			wantErr: []string{`revision "nope" not found`, "nope:openapi/sonderplan.yaml"}},
		{name: "missing path at revision", base: "HEAD~1:openapi/doorflow.yaml", rev: "openapi/sonderplan.yaml",
			wantErr: []string{`no file "openapi/doorflow.yaml" at git revision "HEAD~1"`, "does not exist"}, wantNotExist: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, err := ParseSource(tc.base)
			if err != nil {
				t.Fatal(err)
			}
			rev, err := ParseSource(tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			base.Dir, rev.Dir = dir, dir
			res, err := Compare(t.Context(), base, rev)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatal("got no error")
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if got := errors.Is(err, fs.ErrNotExist); got != tc.wantNotExist {
					t.Errorf("errors.Is(err, fs.ErrNotExist): got %v, want %v", got, tc.wantNotExist)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Base != tc.base || res.Revision != tc.rev {
				t.Errorf("Base, Revision: got %q, %q, want %q, %q", res.Base, res.Revision, tc.base, tc.rev)
			}
			var values []string
			for _, c := range res.Breaking() {
				v, _, _ := strings.Cut(strings.SplitN(c.Message, "`", 2)[1], "`")
				if v = "`" + v + "`"; !slices.Contains(values, v) {
					values = append(values, v)
				}
			}
			if !slices.Equal(values, tc.wantValues) {
				t.Errorf("removed enum values: got %q, want %q (changes %+v)", values, tc.wantValues, res.Changes)
			}
		})
	}
}

func TestGitErrorOutsideRepository(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	src := Source{Rev: "main", Path: "openapi/doorflow.yaml", Dir: dir}
	_, err := Compare(t.Context(), src, src)
	if err == nil || !strings.Contains(err.Error(), `revision "main" not found`) || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("got %v, want an error naming the revision and saying there is no repository", err)
	}
}

// TestGitMissing changes PATH, so it cannot run in parallel.
func TestGitMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Compare(t.Context(), Source{Rev: "main", Path: "openapi/doorflow.yaml"}, Source{Path: "openapi/doorflow.yaml"})
	if err == nil || !strings.Contains(err.Error(), "git is not installed") || !strings.Contains(err.Error(), "main:openapi/doorflow.yaml") {
		t.Errorf("got %v, want an error naming the source and saying git is not installed", err)
	}
}
