package redact_test

import (
	"encoding/base64"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/internal/redact"
)

func TestScan(t *testing.T) {
	t.Parallel()
	token := "tok9Fh2kLq8Zx7Vb3Nm1Pw4Rt6Ys0Ua5"
	jsonBody := base64.StdEncoding.EncodeToString([]byte(`[{"id":461,"person_id":12402,"state":"active","note":"long enough to be encoded"}]`))
	leaky := base64.StdEncoding.EncodeToString([]byte(`{"access_token":"abc","note":"long enough to be encoded"}`))
	cases := []struct {
		name, text string
		want       []string // kinds found
	}{
		{"redacted bearer", `"value": "Bearer REDACTED"`, nil},
		{"challenge", `{"name":"WWW-Authenticate","value":"Bearer realm=\"api\", error_description=\"REDACTED\""}`, nil},
		{"bearer", `Authorization: Bearer abc.def-123`, []string{"bearer credential"}},
		{"basic in a HAR header", `{"name":"Authorization","value":"Basic dXNlcjpwYXNz"}`, []string{"basic credential", "authorization header"}},
		{"query token", "https://h/x?page=1&access_token=abc123", []string{"access_token value"}},
		{"redacted query", "https://h/x?access_token=REDACTED&code=REDACTED", nil},
		{"form secret", "grant_type=refresh_token&client_secret=s3cr3t", []string{"client_secret value"}},
		{"JSON token", `{"refresh_token": "r-123"}`, []string{"refresh_token value"}},
		{"JSON error code kept", `{"code":"not_found"}`, nil},
		{"cassette form", "        form:\n            access_token:\n                - abc\n", []string{"access_token value"}},
		{"cassette cookie", "            Cookie:\n                - session=abc\n", []string{"cookie header"}},
		{"redacted cassette set-cookie", "            Set-Cookie:\n                - sid=REDACTED; Path=/\n", nil},
		{"HAR api key", `{"name": "X-Api-Key", "value": "k-1"}`, []string{"x-api-key header"}},
		{"JWT", "id: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl", []string{"JWT"}},
		{"random token", "secret: " + token, []string{"long random string"}},
		{"UUID and paths", "0b6f7c1e-2d0a-4f5e-8a61-3c9d2e7f4a10 com/api/3/group_reservations/457 response-body-property-enum-value-removed", nil},
		{"base64 JSON body", `"text":"` + jsonBody + `"`, nil},
		{"base64 body with a token", "line 1\n\"text\":\"" + leaky + `"`, []string{"access_token value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, f := range redact.Scan([]byte(tc.text)) {
				got = append(got, f.Kind)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanLines(t *testing.T) {
	t.Parallel()
	leaky := base64.StdEncoding.EncodeToString([]byte(`{"token":"abc","note":"long enough to be encoded"}`))
	got := redact.Scan([]byte("a\nb\nAuthorization: Bearer xyzxyz\n\n" + leaky))
	want := []redact.Finding{{Line: 3, Kind: "bearer credential"}, {Line: 5, Kind: "token value"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
