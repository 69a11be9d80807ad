package doorflow

import (
	"context"
	"net/http"
	"time"

	gen "github.com/apikit/apikit/gen/doorflow"
)

// SetSleep replaces the backoff sleep of c, so that retry tests record waits instead of waiting.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.doer.Sleep = sleep }

// SetClock replaces the clock c compares Retry-After dates and deadlines with.
func SetClock(c *Client, now func() time.Time) { c.doer.Now = now }

// ParseListPage is the decoding half of ListGroupReservationsPage for a page read elsewhere.
func ParseListPage(rsp *http.Response) (int, bool, error) {
	total, has := pagingHeader(rsp.Header, "Total")
	_, err := gen.ParseListGroupReservationsResponse(withoutBadPagingHeaders(rsp))
	return total, has, err
}
