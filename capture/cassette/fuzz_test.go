package cassette

import (
	"testing"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/capturetest"
)

// FuzzParseCassette: any input gives complete exchanges within the limit or *capture.LoadErrors.
func FuzzParseCassette(f *testing.F) {
	capturetest.AddSeedFiles(f, "../../contract/testdata/doorflow_cassette.yaml")
	good := capturetest.Interaction("200", `{}`)
	for _, s := range []string{
		"", "version: 2\n", "interactions: []\n", "version: 2\ninteractions:\n", capturetest.CassetteOf(good, good), capturetest.CassetteOf(good)[:120],
		capturetest.CassetteOf(capturetest.Interaction("abc", "x"), "    - just a string\n", "    - response:\n        code: 200\n"),
		"version: 1\ninteractions: []\n", "version: 2\ninteractions: {a: 1}\n",
		`{"version": 2, "interactions": [{"request": {"method": "GET", "url": "https://x/"}, "response": {"code": 204}}]}`,
		"version: 2\na: &a [x, x]\nb: &b [*a, *a]\ninteractions: [*b, *b]\n",
		"version: 2\ninteractions:\n  - &i {request: {method: GET, url: 'https://x'}, response: {code: 200, body: '{}'}}\n  - *i\n  - <<: *i\n",
		"\x00\x9f\x92\x96garbage\xff", "[[[[[[[[", "a: b: c",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := capture.NewConfig([]capture.Option{capture.WithMaxBody(capturetest.FuzzLimit)})
		seq := cassetteExchanges(t.Context(), "fuzz.yaml", data, cfg, false)
		capturetest.CheckLoaded(t, "fuzz.yaml", len(data), seq)
		capturetest.BreakAfterFirst(seq)
	})
}
