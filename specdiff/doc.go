// Package specdiff compares two versions of an OpenAPI spec and says which changes break clients, using the
// oasdiff library's diff and checks. It backs `apikit diff` and `make check-breaking`.
//
// A version is a file on disk or a file at a git revision ("main:openapi/doorflow.yaml", read with git show).
// Compare returns every change with oasdiff's stable check id and level, breaking ones (ERR) first. For code that
// imports gen/, apikit rates two changes ERR that oasdiff rates informational, because each removes a Go
// identifier: a response enum value (a constant) and an optional response property (a struct field). And it rates
// one change WARN that oasdiff rates ERR: a new response enum value that an action of the revision's overlay marked
// x-apikit-evidence (proposed from recorded traffic by apikit validate --propose) adds, since it records what the
// vendor already sends; Change.Evidence names the evidence.
//
//	base, _ := specdiff.ParseSource("main:openapi/doorflow.yaml")
//	rev, _ := specdiff.ParseSource("openapi/doorflow.yaml")
//	res, err := specdiff.Compare(ctx, base, rev)
//	if err != nil {
//		return err
//	}
//	if cl, err := specdiff.ParseChangelog(changelogBytes); err == nil {
//		res.Acknowledge(cl) // breaking changes that CHANGELOG.md's unreleased section names
//	}
//	_ = res.WriteText(os.Stdout)
//	if len(res.Unacknowledged()) > 0 {
//		// fail
//	}
package specdiff
