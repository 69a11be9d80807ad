package doorflow

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	gen "github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/internal/httpx"
)

const (
	// DefaultBaseURL is DoorFlow's production API, the spec's server.
	DefaultBaseURL = "https://api.doorflow.com"
	// DefaultUserAgent is sent unless [WithUserAgent] says otherwise.
	DefaultUserAgent = "apikit-doorflow-go"
)

// Client calls the DoorFlow API v3. Build it with [New]; it is safe for concurrent use.
type Client struct {
	gen  *gen.Client
	doer *httpx.Doer
}

// Option configures a [Client].
type Option func(*options) error

type options struct {
	httpx.Config
	tokens oauth2.TokenSource
}

// New returns a client for the DoorFlow API at baseURL ([DefaultBaseURL] when empty). Without
// [WithTokenSource] requests carry no credential (unless the [WithHTTPClient] client adds one).
func New(baseURL string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("doorflow: base URL %q is not an absolute http(s) URL", baseURL)
	}
	o := options{Config: httpx.Config{UserAgent: DefaultUserAgent}}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("doorflow: %w", err)
		}
	}
	if o.tokens != nil {
		o.Credential = bearer(o.tokens)
	}
	doer := httpx.New(o.Config)
	g, err := gen.NewClient(u.String(), gen.WithHTTPClient(doer))
	if err != nil {
		return nil, fmt.Errorf("doorflow: %w", err)
	}
	return &Client{gen: g, doer: doer}, nil
}

// WithHTTPClient sends requests through hc instead of http.DefaultClient (its Transport, proxies, TLS).
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil *http.Client")
		}
		o.Client = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header ([DefaultUserAgent] by default).
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		o.UserAgent = ua
		return nil
	}
}

// WithTimeout bounds each attempt of a request, reading the body included (30 s by default). A timed-out
// attempt is retried like a network error; the context bounds the whole call.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("WithTimeout: %v is not positive", d)
		}
		o.Timeout = d
		return nil
	}
}

// WithMaxAttempts bounds the attempts of one request, the first included (4 by default; 1 disables retries).
func WithMaxAttempts(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("WithMaxAttempts: %d is less than 1", n)
		}
		o.MaxAttempts = n
		return nil
	}
}

// WithBackoff shapes the wait before retry n: uniform in [0, min(maxWait, base·2ⁿ⁻¹)] (full jitter; 500 ms and
// 30 s by default). A Retry-After is waited for as sent, unless it is longer than maxWait: then the call
// returns an [*APIError] whose RetryAfter says when to come back.
func WithBackoff(base, maxWait time.Duration) Option {
	return func(o *options) error {
		if base <= 0 || maxWait < base {
			return fmt.Errorf("WithBackoff: want 0 < base <= max, got %v and %v", base, maxWait)
		}
		o.BackoffBase, o.BackoffMax = base, maxWait
		return nil
	}
}

// WithLogger logs each attempt at debug level and each retry at info level: operation, method, URL (with
// secrets redacted), status or error, attempt and wait. Headers and bodies are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.Logger = l
		return nil
	}
}

// Response is the HTTP response of one page. Its body has been read and closed.
type Response struct {
	*http.Response
	// NextPage is the page to ask for next, or 0 when this page was the last (short, not paginated, or the last
	// one Total allows).
	NextPage int
	// Total is the number of records the query matches over all pages, from the Total response header, and
	// HasTotal says whether the server sent it (as an integer). The vendor's pages do not promise the header;
	// DoorFlow's published OpenAPI document declares it.
	Total    int
	HasTotal bool
}
