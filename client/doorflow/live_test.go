package doorflow_test

import (
	"cmp"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/apikit/apikit/client/doorflow"
	"github.com/apikit/apikit/contract/contracttest"
	gen "github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/internal/clienttest"
)

// liveMax bounds how many reservations a live run lists (two pages of livePerPage).
const (
	livePerPage = 50
	liveMax     = 2 * livePerPage
)

// TestLive lists group reservations from the real DoorFlow API through the validating, recording transport: a
// contract violation fails the test, and the run is recorded, redacted, to a cassette and a HAR file (in a
// temporary folder; with APIKIT_RECORD=1 the cassette goes to
// testdata/cassettes/doorflow/listGroupReservations/live.yaml). It needs DOORFLOW_ACCESS_TOKEN, and takes
// DOORFLOW_BASE_URL for another host.
func TestLive(t *testing.T) {
	t.Parallel()
	token := os.Getenv("DOORFLOW_ACCESS_TOKEN")
	if token == "" {
		t.Skip("DOORFLOW_ACCESS_TOKEN is not set: skipping the live DoorFlow contract test")
	}
	base := cmp.Or(os.Getenv("DOORFLOW_BASE_URL"), doorflow.DefaultBaseURL)
	dir := t.TempDir()
	cassette, har := filepath.Join(dir, "live.yaml"), filepath.Join(dir, "live.har")
	if contracttest.Recording() {
		cassette = contracttest.CassettePath("doorflow", "listGroupReservations", "live")
	}
	items := listLive(t, base, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), nil, cassette, har)
	t.Logf("listed %d group reservations", len(items))
	contracttest.CheckRecordings(t, []string{cassette, har}, []string{token}, baseURLOption(base)...)
}

// TestLiveLoopback runs TestLive's code against a fake DoorFlow on 127.0.0.1 (itself held to the contract),
// checks that the recordings hold no credential and validate, and replays the cassette with the network off.
func TestLiveLoopback(t *testing.T) {
	t.Parallel()
	const token = "SECRET-loopback-access"
	e := &env{srv: clienttest.NewServer(t, "doorflow")}
	e.fake = &fakeDoorFlow{t: t}
	e.fake.set(reservations(liveMax + 20)...)
	e.srv.API.Handle("GET /api/3/group_reservations", http.HandlerFunc(e.fake.list))
	dir := t.TempDir()
	cassette, har := filepath.Join(dir, "cassettes", "loopback.yaml"), filepath.Join(dir, "loopback.har")

	got := listLive(t, e.srv.BaseURL, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), e.srv.Client().Transport, cassette, har)
	if diff := gocmp.Diff(ids(e.fake.Items()[:liveMax]), ids(got)); diff != "" {
		t.Errorf("listed IDs (-want +got):\n%s", diff)
	}
	if n := e.srv.Requests(); n != 2 {
		t.Errorf("got %d requests, want 2 (two pages)", n)
	}
	contracttest.CheckRecordings(t, []string{cassette, har}, []string{token}, baseURLOption(e.srv.BaseURL)...)

	// Replay: another token, no network, the same reservations.
	hc := contracttest.Client(t, contracttest.WithReplay(cassette), contracttest.WithRoundTripper(offline{}),
		contracttest.WithBaseURL("doorflow", e.srv.BaseURL))
	c, err := doorflow.New(e.srv.BaseURL, doorflow.WithHTTPClient(hc),
		doorflow.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "SECRET-replay-access"})))
	if err != nil {
		t.Fatal(err)
	}
	var replayed []gen.GroupReservation
	for r, err := range c.ListGroupReservations(t.Context(), &doorflow.ListOptions{PerPage: livePerPage}) {
		if err != nil {
			t.Fatal(err)
		}
		if replayed = append(replayed, r); len(replayed) == liveMax {
			break
		}
	}
	if diff := gocmp.Diff(got, replayed); diff != "" {
		t.Errorf("replayed reservations (-live +replayed):\n%s", diff)
	}
	if n := e.srv.Requests(); n != 2 {
		t.Errorf("the replay reached the server: %d requests in all, want 2", n)
	}
}

// listLive lists up to liveMax reservations from base with a client whose HTTP client is contracttest's
// validating transport, recording to cassette and har. It runs in a subtest, so the recordings are complete
// when it returns. rt sends the requests (nil: http.DefaultTransport).
func listLive(t *testing.T, base string, ts oauth2.TokenSource, rt http.RoundTripper, cassette, har string) []gen.GroupReservation {
	t.Helper()
	var items []gen.GroupReservation
	t.Run("list", func(t *testing.T) {
		opts := append(baseURLOption(base), contracttest.WithRecording(cassette), contracttest.WithHAR(har))
		if rt != nil {
			opts = append(opts, contracttest.WithRoundTripper(rt))
		}
		c, err := doorflow.New(base, doorflow.WithHTTPClient(contracttest.Client(t, opts...)), doorflow.WithTokenSource(ts))
		if err != nil {
			t.Fatal(err)
		}
		for r, err := range c.ListGroupReservations(t.Context(), &doorflow.ListOptions{PerPage: livePerPage}) {
			if err != nil {
				t.Fatal(err)
			}
			if items = append(items, r); len(items) == liveMax {
				break
			}
		}
	})
	return items
}

// baseURLOption maps base onto DoorFlow unless it is the spec's own server.
func baseURLOption(base string) []contracttest.Option {
	if base == doorflow.DefaultBaseURL {
		return nil
	}
	return []contracttest.Option{contracttest.WithBaseURL("doorflow", base)}
}

// offline is a transport with the network off.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the network is off")
}
