package sonderplan_test

import (
	"cmp"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/apikit/apikit/client/sonderplan"
	"github.com/apikit/apikit/contract/contracttest"
	gen "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/clienttest"
)

// A live run lists at most liveMax groups, liveLimit a page.
const (
	liveLimit = 50
	liveMax   = 2 * liveLimit
)

// TestLive lists permission groups from the real Sonderplan API through the validating, recording transport: a
// contract violation fails the test, and the run is recorded, redacted (members' names and emails included), to
// a cassette and a HAR file (in a temporary folder; with APIKIT_RECORD=1 the cassette goes to
// testdata/cassettes/sonderplan/listGroups/live.yaml). It needs SONDERPLAN_TOKEN, and takes SONDERPLAN_BASE_URL
// for another host.
func TestLive(t *testing.T) {
	t.Parallel()
	token := os.Getenv("SONDERPLAN_TOKEN")
	if token == "" {
		t.Skip("SONDERPLAN_TOKEN is not set: skipping the live Sonderplan contract test")
	}
	base := cmp.Or(os.Getenv("SONDERPLAN_BASE_URL"), sonderplan.DefaultBaseURL)
	dir := t.TempDir()
	cassette, har := filepath.Join(dir, "live.yaml"), filepath.Join(dir, "live.har")
	if contracttest.Recording() {
		cassette = contracttest.CassettePath("sonderplan", "listGroups", "live")
	}
	got := listLive(t, base, token, nil, cassette, har)
	t.Logf("listed %d permission groups", len(got))
	contracttest.CheckRecordings(t, []string{cassette, har}, []string{token}, baseURLOption(base)...)
}

// TestLiveLoopback runs TestLive's code against a fake Sonderplan on 127.0.0.1 (itself held to the contract)
// whose members carry planted personal data, checks that the recordings hold neither the token nor that data
// and validate, and replays the cassette with the network off.
func TestLiveLoopback(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, "sonderplan")
	fake := &fakeSonderplan{t: t}
	var planted []string
	for i := int64(1); i <= liveMax+5; i++ {
		g := group(i)
		n := strconv.FormatInt(i, 10)
		g.Members = []gen.Member{{ID: ptr(i), FirstName: ptr("SECRET-first-" + n), LastName: ptr("SECRET-last-" + n),
			PrimaryEmail: ptr(openapi_types.Email("SECRET-pii-" + n + "@example.com"))}}
		planted = append(planted, *g.Members[0].FirstName, *g.Members[0].LastName, string(*g.Members[0].PrimaryEmail))
		fake.set(g)
	}
	srv.API.HandleFunc("GET /v2/group", fake.list)
	dir := t.TempDir()
	cassette, har := filepath.Join(dir, "loopback.yaml"), filepath.Join(dir, "loopback.har")

	got := listLive(t, srv.BaseURL, token, srv.Client().Transport, cassette, har)
	if len(got) != liveMax || *got[0].Members[0].FirstName != "SECRET-first-1" {
		t.Fatalf("got %d groups, want %d with their members as the server sent them", len(got), liveMax)
	}
	contracttest.CheckRecordings(t, []string{cassette, har}, append(planted, token), baseURLOption(srv.BaseURL)...)

	// Replay: another token, no network; the same groups, with the members' personal data replaced by the
	// spec's examples.
	hc := contracttest.Client(t, contracttest.WithReplay(cassette), contracttest.WithRoundTripper(offline{}),
		contracttest.WithBaseURL("sonderplan", srv.BaseURL))
	c, err := sonderplan.New(srv.BaseURL, sonderplan.WithHTTPClient(hc), sonderplan.WithToken("SECRET-replay-token"))
	if err != nil {
		t.Fatal(err)
	}
	var replayed []gen.Group
	for g, err := range c.ListGroups(t.Context(), &sonderplan.ListGroupsOptions{Limit: liveLimit}) {
		if err != nil {
			t.Fatal(err)
		}
		if replayed = append(replayed, g); len(replayed) == liveMax {
			break
		}
	}
	want := make([]gen.Group, len(got))
	for i, g := range got {
		m := g.Members[0]
		m.FirstName, m.LastName, m.PrimaryEmail = ptr("Jane"), ptr("Smith"), ptr(openapi_types.Email("jane.smith@example.com"))
		g.Members = []gen.Member{m}
		want[i] = g
	}
	if diff := gocmp.Diff(want, replayed); diff != "" {
		t.Errorf("replayed groups (-want +got):\n%s", diff)
	}
	if n := srv.Requests(); n != 2 {
		t.Errorf("got %d requests in all, want 2: the replay reached the server", n)
	}
}

// listLive lists up to liveMax groups from base with a client whose HTTP client is contracttest's validating
// transport, recording to cassette and har. It runs in a subtest, so the recordings are complete when it
// returns. rt sends the requests (nil: http.DefaultTransport).
func listLive(t *testing.T, base, token string, rt http.RoundTripper, cassette, har string) []gen.Group {
	t.Helper()
	var groups []gen.Group
	t.Run("list", func(t *testing.T) {
		opts := append(baseURLOption(base), contracttest.WithRecording(cassette), contracttest.WithHAR(har))
		if rt != nil {
			opts = append(opts, contracttest.WithRoundTripper(rt))
		}
		c, err := sonderplan.New(base, sonderplan.WithHTTPClient(contracttest.Client(t, opts...)), sonderplan.WithToken(token))
		if err != nil {
			t.Fatal(err)
		}
		for g, err := range c.ListGroups(t.Context(), &sonderplan.ListGroupsOptions{Limit: liveLimit}) {
			if err != nil {
				t.Fatal(err)
			}
			if groups = append(groups, g); len(groups) == liveMax {
				break
			}
		}
	})
	return groups
}

// baseURLOption maps base onto Sonderplan unless it is the spec's own server.
func baseURLOption(base string) []contracttest.Option {
	if base == sonderplan.DefaultBaseURL {
		return nil
	}
	return []contracttest.Option{contracttest.WithBaseURL("sonderplan", base)}
}

// offline is a transport with the network off.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the network is off")
}
