package output

import (
	"io"

	"github.com/apikit/apikit/contract"
)

// jsonFormat is one indented JSON object ({"exchanges", "errors", "summary", "coverage"}), its exchanges
// written as they come. See [contract.NewJSONSink].
func jsonFormat() Format {
	return Format{Name: "json", New: func(w io.Writer, opt Options) (Sink, error) {
		return contract.NewJSONSink(w, opt.Coverage), nil
	}}
}
