// Command kinbaseline validates every exchange of HAR files (and of the *.har files under folders) with plain
// kin-openapi, as a team without apikit would: the embedded specs of package openapi, kin's legacy router, then
// openapi3filter.ValidateRequest and ValidateResponse with IncludeResponseStatus, MultiError, format validation
// and an AuthenticationFunc that checks the credential is present. It reads each HAR with encoding/json, one
// entry at a time, and prints the counts. `make bench-compare` times it beside `apikit validate` on the same
// files (internal/bench/compare); it is not part of apikit.
//
//	go run ./internal/bench/kinbaseline FILE.har DIR...
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/apikit/apikit/openapi"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: kinbaseline PATH... (HAR files, or folders walked for *.har)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	b, err := newBaseline(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kinbaseline:", err)
		os.Exit(2)
	}
	for _, p := range flag.Args() {
		if err := b.path(ctx, p); err != nil {
			fmt.Fprintln(os.Stderr, "kinbaseline:", err)
			os.Exit(2)
		}
	}
	fmt.Printf("%d exchanges: %d valid, %d invalid, %d skipped (kin-openapi, %d files)\n", b.valid+b.invalid+b.skipped, b.valid, b.invalid, b.skipped, b.files)
	if b.invalid > 0 {
		os.Exit(1)
	}
}

type baseline struct {
	routers []routers.Router
	opts    *openapi3filter.Options

	files, valid, invalid, skipped int
}

func newBaseline(ctx context.Context) (*baseline, error) {
	b := &baseline{opts: &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc:    credentialPresent,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.EnableFormatValidation(),
			openapi3.DisableSchemaErrorDetails(),
		},
	}}
	for _, vendor := range openapi.Vendors() {
		data, err := openapi.FS.ReadFile(vendor + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("reading the %s spec: %w", vendor, err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("loading the %s spec: %w", vendor, err)
		}
		if err := doc.Validate(ctx); err != nil {
			return nil, fmt.Errorf("the %s spec: %w", vendor, err)
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			return nil, fmt.Errorf("routing the %s spec: %w", vendor, err)
		}
		b.routers = append(b.routers, r)
	}
	return b, nil
}

// credentialPresent passes when the request carries an Authorization header (or the API key header) the scheme
// needs, whatever its value.
func credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	if s := in.SecurityScheme; s != nil && s.Type == "apiKey" && s.In == "header" {
		if h.Get(s.Name) == "" {
			return errors.New("no API key")
		}
		return nil
	}
	if h.Get("Authorization") == "" {
		return errors.New("no Authorization header")
	}
	return nil
}

func (b *baseline) path(ctx context.Context, p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return b.file(ctx, p)
	}
	return filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".har") {
			return err
		}
		return b.file(ctx, name)
	})
}

type harEntry struct {
	Request struct {
		Method   string      `json:"method"`
		URL      string      `json:"url"`
		Headers  []harHeader `json:"headers"`
		PostData *struct {
			Text string `json:"text"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			Text string `json:"text"`
		} `json:"content"`
	} `json:"response"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// file streams one HAR: the decoder walks the tokens down to log.entries and decodes one entry at a time.
func (b *baseline) file(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	b.files++
	dec := json.NewDecoder(f)
	if err := seekEntries(dec); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for dec.More() {
		var e harEntry
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		b.exchange(ctx, &e)
	}
	return nil
}

// seekEntries reads tokens up to the first element of log.entries.
func seekEntries(dec *json.Decoder) error {
	want := []string{"log", "entries"}
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("no log.entries: %w", err)
		}
		switch t {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if k == want[depth] {
					depth++
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
			}
			if depth == len(want) {
				t, err := dec.Token()
				if err != nil || t != json.Delim('[') {
					return fmt.Errorf("log.entries is not an array: %v", err)
				}
				return nil
			}
		default:
			return errors.New("no log.entries")
		}
	}
}

func (b *baseline) exchange(ctx context.Context, e *harEntry) {
	var body io.Reader = http.NoBody
	if e.Request.PostData != nil {
		body = strings.NewReader(e.Request.PostData.Text)
	}
	req, err := http.NewRequestWithContext(ctx, e.Request.Method, e.Request.URL, body)
	if err != nil {
		b.invalid++
		return
	}
	for _, h := range e.Request.Headers {
		if !strings.HasPrefix(h.Name, ":") {
			req.Header.Add(h.Name, h.Value)
		}
	}
	var route *routers.Route
	var params map[string]string
	for _, r := range b.routers {
		if route, params, err = r.FindRoute(req); err == nil {
			break
		}
	}
	if route == nil {
		b.skipped++
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: b.opts}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	header := http.Header{}
	for _, h := range e.Response.Headers {
		if !strings.HasPrefix(h.Name, ":") {
			header.Add(h.Name, h.Value)
		}
	}
	resErr := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{RequestValidationInput: in,
		Status: e.Response.Status, Header: header, Body: io.NopCloser(strings.NewReader(e.Response.Content.Text)), Options: b.opts})
	if reqErr != nil || resErr != nil {
		b.invalid++
		return
	}
	b.valid++
}
