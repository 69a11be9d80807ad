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
	}}
}
