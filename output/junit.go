package output

import (
	"io"

	"github.com/apikit/apikit/contract"
)

// junitFormat is JUnit XML for CI: a testsuite per file, a testcase per exchange, spooled to a temporary file
// until the totals are known. See [contract.NewJUnitSink].
func junitFormat() Format {
	return Format{Name: "junit", New: func(w io.Writer, opt Options) (Sink, error) {
		return contract.NewJUnitSink(w, opt.TempDir, opt.FailOn), nil
	}}
}
