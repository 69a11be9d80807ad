package output

import (
	"io"

	"github.com/apikit/apikit/contract"
)

// textFormat is the terminal output (the default): a line per violation as it is found, a summary line, and the
// coverage table when asked for. See [contract.NewTextSink].
func textFormat() Format {
	return Format{Name: "text", Terminal: true, New: func(w io.Writer, opt Options) (Sink, error) {
		return contract.NewTextSink(w, opt.Text, opt.Coverage), nil
	}, Quiet: textQuiet}
}

// textQuiet reports the verdicts the text output prints nothing of but its count: without --verbose, one with no
// violation, no warning (or warnings not asked for) and not "not completed". It says less than the text sink
// leaves out (never more): an exchange it misses is merely redacted for nothing.
func textQuiet(opt Options, res *contract.Result) bool {
	return !opt.Text.Verbose && len(res.Violations) == 0 && (len(res.Warnings) == 0 || !opt.Text.Warnings) &&
		res.NotCompleted == ""
}
