package har

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/capturetest"
)

// FuzzParseHAR: any input gives complete exchanges within the limit or *capture.LoadErrors, and invalid JSON an error.
func FuzzParseHAR(f *testing.F) {
	capturetest.AddSeedFiles(f, "../../contract/testdata/doorflow.har", "../../contract/testdata/sonderplan.har")
	for _, s := range harSeeds() { // filter_test.go
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := capture.NewConfig([]capture.Option{capture.WithMaxBody(capturetest.FuzzLimit)})
		seq := func(yield func(*capture.Exchange, error) bool) {
			newHARStream("fuzz.har", bytes.NewReader(data), cfg).run(t.Context(), yield)
		}
		sawErr := capturetest.CheckLoaded(t, "fuzz.har", len(data), seq)
		if !json.Valid(bytes.TrimPrefix(data, []byte(utf8BOM))) && !sawErr {
			t.Fatalf("invalid JSON read without an error: %q", data)
		}
		capturetest.BreakAfterFirst(seq)
	})
}
