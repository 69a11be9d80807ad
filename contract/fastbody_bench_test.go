package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/apikit/apikit/gen/doorflow"
)

// Benchmarks of apikit's Validator beside plain kin-openapi (openapi3filter with the options apikit uses) on the
// same spec and data. BENCHMARKS.md has the figures and the command.

// reservationList is a DoorFlow list body of n valid reservations (about 235 bytes each).
func reservationList(n int) []byte {
	states := []string{"pending", "active", "deactivated"}
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"person_id":%d,"start_time":"2024-01-%02dT09:00:00.000Z","end_time":"2024-01-%02dT17:00:00.000Z",`+
			`"state":%q,"group_ids":[%d,%d,%d],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:%02d:00.000Z"}`,
			100000+i, 12345+i%1000, 1+i%28, 1+i%28, states[i%3], i%7, i%11, i%13, i%60)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// kinEngine is plain kin-openapi: its legacy router and openapi3filter, configured as apikit configures it.
type kinEngine struct {
	v    *Validator
	find func(*http.Request) (*openapi3filter.RequestValidationInput, error)
}

func newKinEngine(b testing.TB, v *Validator, vendor string) *kinEngine {
	var s *spec
	for _, sp := range v.router.specs {
		if sp.vendor == vendor {
			s = sp
		}
	}
	r, err := legacy.NewRouter(s.doc)
	if err != nil {
		b.Fatal(err)
	}
	return &kinEngine{v: v, find: func(req *http.Request) (*openapi3filter.RequestValidationInput, error) {
		route, params, err := r.FindRoute(req)
		if err != nil {
			return nil, err
		}
		return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.opts}, nil
	}}
}

// exchange validates a request and its response with kin-openapi.
func (k *kinEngine) exchange(req *http.Request, status int, header http.Header, body []byte, request bool) error {
	in, err := k.find(req)
	if err != nil {
		return err
	}
	if request {
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			return err
		}
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Options: k.v.opts})
}

func BenchmarkLargeList(b *testing.B) {
	body := reservationList(10000)
	v := newValidator(b)
	url := "https://api.doorflow.com/api/3/group_reservations"
	header := http.Header{"Content-Type": {"application/json"}}
	ex := &Exchange{Source: "bench", Index: -1, Method: "GET", URL: mustURL(b, url), RequestHeader: bearer(),
		Status: 200, ResponseHeader: header, ResponseBody: body, NoRequest: true}
	if res := v.Validate(b.Context(), ex); !res.Valid || len(res.Warnings) > 0 {
		b.Fatalf("benchmark body is not valid: %v", res.Violations)
	}

	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
	// What a client does with the body: encoding/json into the generated types (no schema check beyond Go's types).
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var list []doorflow.GroupReservation
			if err := json.Unmarshal(body, &list); err != nil || len(list) != 10000 {
				b.Fatal(err, len(list))
			}
		}
	})
	b.Run("kin", func(b *testing.B) {
		k := newKinEngine(b, v, "doorflow")
		req, _ := http.NewRequestWithContext(b.Context(), "GET", url, nil)
		req.Header = bearer()
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if err := k.exchange(req, 200, header, body, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("apikit", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if res := v.ValidateResponse(b.Context(), ex); !res.Valid {
				b.Fatal(res.Violations)
			}
		}
	})
}

func BenchmarkSmallExchange(b *testing.B) {
	body := []byte(reservation)
	v := newValidator(b)
	url := "https://api.doorflow.com/api/3/group_reservations/456"
	header := http.Header{"Content-Type": {"application/json"}}
	ex := &Exchange{Source: "bench", Index: -1, Method: "GET", URL: mustURL(b, url), RequestHeader: bearer(),
		Status: 200, ResponseHeader: header, ResponseBody: body}
	if res := v.Validate(b.Context(), ex); !res.Valid || res.OperationID != "getGroupReservation" {
		b.Fatalf("benchmark exchange is not valid: %+v", res)
	}

	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var r doorflow.GroupReservation
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kin", func(b *testing.B) {
		k := newKinEngine(b, v, "doorflow")
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(b.Context(), "GET", url, nil)
			req.Header = ex.RequestHeader
			if err := k.exchange(req, 200, header, body, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("apikit", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if res := v.Validate(b.Context(), ex); !res.Valid {
				b.Fatal(res.Violations)
			}
		}
	})
}
