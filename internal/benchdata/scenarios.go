package benchdata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The scenarios below are the inputs of `make bench-compare` and `make bench-hostile` (internal/bench): HARs that
// pass apikit's default rules (for comparing its speed and memory with plain kin-openapi), and the hostile
// recordings of issue 14 at a scale factor. Every exchange happens at Now unless a scenario says otherwise, so
// the time-window rule has a known clock.

// Now is the instant every generated exchange starts at (its HAR startedDateTime): 2024-01-15T10:30:00Z.
var Now = time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)

const doorflowBase = "https://api.doorflow.com/api/3/group_reservations"

// AppendPassingReservation appends reservation i of a DoorFlow list that passes the default rules at [Now]: its
// window is day 1+i%28 of January 2024, 09:00 to 17:00, and its state follows the clock (deactivated before the
// 15th, active on the 15th, pending after), so `rule.time-window` holds. Ids are 100000+i.
func AppendPassingReservation(b []byte, i int) []byte {
	day := 1 + i%28
	state := "pending"
	switch {
	case day < 15:
		state = "deactivated"
	case day == 15:
		state = "active"
	}
	return appendReservation(b, 100000+i, day, 1, state, fmt.Sprintf("2024-01-10T12:%02d:00.000Z", i%60))
}

// PassingList returns a DoorFlow listGroupReservations body of the n reservations of [AppendPassingReservation].
func PassingList(n int) []byte {
	b := make([]byte, 0, 240*n+2)
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendPassingReservation(b, i)
	}
	return append(b, ']')
}

// appendReservation appends a reservation with id whose window is day of the month, 09:00 to 17:00.
func appendReservation(b []byte, id, day, month int, state, updated string) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"person_id":`...)
	b = strconv.AppendInt(b, int64(12345+id%1000), 10)
	b = fmt.Appendf(b, `,"start_time":"2024-%02d-%02dT09:00:00.000Z","end_time":"2024-%02d-%02dT17:00:00.000Z","state":%q,"group_ids":[%d,%d],`,
		month, day, month, day, state, id%7, id%11)
	return fmt.Appendf(b, `"created_at":"2024-01-10T12:00:00.000Z","updated_at":%q}`, updated)
}

// HARWriter writes a HAR 1.2 file entry by entry; bodies are generated straight into the file (escaped on the
// way), so a writer never holds a large body whole.
type HARWriter struct {
	bw  *bufio.Writer
	n   int
	buf []byte
	esc []byte
}

// NewHARWriter starts a HAR on w.
func NewHARWriter(w io.Writer) *HARWriter {
	h := &HARWriter{bw: bufio.NewWriterSize(w, 1<<16)}
	h.bw.WriteString(harHead)
	return h
}

// Entry describes one exchange: Method and URL of the request (a bearer token is sent when Auth), Status, and a
// JSON response body of Items items made by Item (a bare array), or Body when Item is nil. At is when it
// started (Now when zero).
type Entry struct {
	At     time.Time
	Method string
	URL    string
	Auth   bool
	Status int
	Body   []byte
	Items  int
	Item   func(b []byte, i int) []byte
}

// Write appends e to the file.
func (h *HARWriter) Write(e Entry) {
	if h.n > 0 {
		h.bw.WriteString(",\n")
	}
	h.n++
	at := e.At
	if at.IsZero() {
		at = Now
	}
	h.bw.WriteString(`{"startedDateTime":"` + at.Format("2006-01-02T15:04:05.000Z07:00") + `","time":3,"request":{"method":`)
	h.bw.Write(jsonString(e.Method))
	h.bw.WriteString(`,"url":`)
	h.bw.Write(jsonString(e.URL))
	h.bw.WriteString(`,"httpVersion":"HTTP/1.1","headers":[`)
	if e.Auth {
		h.bw.WriteString(`{"name":"Authorization","value":"Bearer REDACTED"},`)
	}
	h.bw.WriteString(`{"name":"Accept","value":"application/json"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},`)
	h.bw.WriteString(`"response":{"status":` + strconv.Itoa(e.Status) + `,"statusText":"","httpVersion":"HTTP/1.1",` +
		`"headers":[{"name":"Content-Type","value":"application/json; charset=utf-8"}],"cookies":[],` +
		`"content":{"mimeType":"application/json","text":"`)
	if e.Item == nil {
		h.esc = appendEscapedText(h.esc[:0], e.Body)
		h.bw.Write(h.esc)
	} else {
		h.bw.WriteByte('[')
		for i := range e.Items {
			if i > 0 {
				h.bw.WriteByte(',')
			}
			h.buf = e.Item(h.buf[:0], i)
			h.esc = appendEscapedText(h.esc[:0], h.buf)
			h.bw.Write(h.esc)
		}
		h.bw.WriteByte(']')
	}
	h.bw.WriteString(`"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":2,"receive":1}}`)
}

// Close ends the file and flushes it; it does not close the underlying writer.
func (h *HARWriter) Close() error {
	h.bw.WriteString(harTail)
	return h.bw.Flush()
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// appendEscapedText escapes s as the inside of a JSON string (any bytes; invalid UTF-8 is left to the reader).
func appendEscapedText(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// WritePassingListHAR writes a HAR with one DoorFlow listGroupReservations page of n reservations that passes the
// default rules (`?page=1&per_page=n`; see [AppendPassingReservation]).
func WritePassingListHAR(w io.Writer, n int) error {
	h := NewHARWriter(w)
	h.Write(Entry{Method: "GET", URL: doorflowBase + "?page=1&per_page=" + strconv.Itoa(n), Auth: true, Status: 200,
		Items: n, Item: AppendPassingReservation})
	return h.Close()
}

// SmallHARExchanges is how many exchanges [WriteSmallHAR] writes.
const SmallHARExchanges = 5

// WriteSmallHAR writes recording number file of a folder of small DoorFlow HARs that pass the default rules:
// a walk of two pages (per_page=2: two reservations, then one), a get by id of two of them (the same objects),
// and a complete since_utc answer later than every version (empty). Files differ by their ids.
func WriteSmallHAR(w io.Writer, file int) error {
	h := NewHARWriter(w)
	first := file * 3
	item := func(b []byte, i int) []byte { return AppendPassingReservation(b, first+i) }
	page2 := func(b []byte, i int) []byte { return AppendPassingReservation(b, first+2+i) }
	h.Write(Entry{Method: "GET", URL: doorflowBase + "?per_page=2&page=1", Auth: true, Status: 200, Items: 2, Item: item})
	h.Write(Entry{At: Now.Add(time.Second), Method: "GET", URL: doorflowBase + "?per_page=2&page=2", Auth: true, Status: 200, Items: 1, Item: page2})
	for i := range 2 {
		h.Write(Entry{At: Now.Add(time.Duration(2+i) * time.Second), Method: "GET", URL: doorflowBase + "/" + strconv.Itoa(100000+first+i),
			Auth: true, Status: 200, Body: AppendPassingReservation(nil, first+i)})
	}
	h.Write(Entry{At: Now.Add(4 * time.Second), Method: "GET", URL: doorflowBase + "?since_utc=2024-01-15T00:00:00.000Z", Auth: true,
		Status: 200, Body: []byte("[]")})
	return h.Close()
}

// futureReservation is a pending reservation in February 2024 (after [Now]: it is still listed), updated on
// 2024-01-10.
func futureReservation(b []byte, i int) []byte {
	return appendReservation(b, 200000+i, 1+i%28, 2, "pending", "2024-01-10T12:00:00.000Z")
}

// WriteAmplifyHAR writes issue 14's violation amplification: one DoorFlow page of n reservations (a complete
// walk: per_page=n+1), then m answers lacking all of them, each an empty page. With skip false they are complete
// `since_utc` answers one second apart (each should hold the n reservations: n×m `invariant.sync-lost-change`
// today); with skip true they are `skip_pagination=true` answers at the same instant as the page (n×m
// `invariant.skip-pagination-union` today).
func WriteAmplifyHAR(w io.Writer, n, m int, skip bool) error {
	h := NewHARWriter(w)
	h.Write(Entry{Method: "GET", URL: doorflowBase + "?page=1&per_page=" + strconv.Itoa(n+1), Auth: true, Status: 200,
		Items: n, Item: futureReservation})
	for j := range m {
		e := Entry{Method: "GET", URL: doorflowBase + "?skip_pagination=true", Auth: true, Status: 200, Body: []byte("[]")}
		if !skip {
			e.At = Now.Add(time.Duration(j+1) * time.Second)
			e.URL = doorflowBase + "?since_utc=2024-01-01T00:00:00.000Z&page=1"
		}
		h.Write(e)
	}
	return h.Close()
}

// WriteTinyHAR writes n tiny entries (about 230 bytes each): a DoorFlow get by id with a bearer token, answered
// 404 with an empty error object, which apikit routes and validates (valid).
func WriteTinyHAR(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(harHead)
	var b []byte
	for i := range n {
		b = b[:0]
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, `{"startedDateTime":"2024-01-15T10:30:00.000Z","request":{"method":"GET","url":"`+doorflowBase+`/`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `","headers":[{"name":"Authorization","value":"Bearer x"}]},"response":{"status":404,"headers":[],`+
			`"content":{"mimeType":"application/json","text":"{}"}}}`...)
		bw.Write(b)
	}
	bw.WriteString(harTail)
	return bw.Flush()
}

// WriteAliasCassette writes a go-vcr v4 cassette of refs+1 interactions whose response is one YAML anchor (a
// DoorFlow page of items passing reservations) defined by the first and referenced by the refs others: the file
// holds the page once, a reader that expands aliases holds it refs+1 times.
func WriteAliasCassette(w io.Writer, refs, items int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	body := PassingList(items)
	quoted, err := json.Marshal(string(body)) // a JSON string is a YAML double-quoted scalar
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "---\nversion: 2\ninteractions:\n")
	for i := range refs + 1 {
		fmt.Fprintf(bw, "    - id: %d\n      request:\n        proto: HTTP/1.1\n        proto_major: 1\n        proto_minor: 1\n"+
			"        host: api.doorflow.com\n        headers:\n            Authorization:\n                - Bearer REDACTED\n"+
			"        url: %s?page=1&per_page=%d\n        method: GET\n", i, doorflowBase, items)
		if i == 0 {
			fmt.Fprintf(bw, "      response: &page\n        proto: HTTP/1.1\n        proto_major: 1\n        proto_minor: 1\n"+
				"        body: %s\n        headers:\n            Content-Type:\n                - application/json; charset=utf-8\n"+
				"            Date:\n                - Mon, 15 Jan 2024 10:30:00 GMT\n        status: 200 OK\n        code: 200\n        duration: 5ms\n", quoted)
		} else {
			bw.WriteString("      response: *page\n")
		}
	}
	return bw.Flush()
}

// HostileName is a file name with terminal escape sequences (set the window title, clear the screen, move the
// cursor home), for [WriteHostileNamesHAR].
const HostileName = "names-\x1b]0;pwned\x07-\x1b[2J\x1b[H.har"

// WriteHostileNamesHAR writes n pairs of entries that carry terminal escape sequences into apikit's output: a
// request whose method is "GET" followed by a clear-screen sequence, and a DoorFlow get by id whose body has an
// undeclared property whose name clears the screen and forges an "ok" line (it reaches the text output as a
// JSON pointer). Name the file [HostileName] to add the file name's sequences.
func WriteHostileNamesHAR(w io.Writer, n int) error {
	h := NewHARWriter(w)
	for i := range n {
		h.Write(Entry{Method: "GET\x1b[2J", URL: doorflowBase + "/" + strconv.Itoa(100000+i), Auth: true, Status: 200,
			Body: AppendPassingReservation(nil, i)})
		body := AppendPassingReservation(nil, i)
		body = append(body[:len(body)-1], `,"\u001b[2K\r\u001b[32m✓ forged ok\u001b[0m\u001b]0;pwned\u0007":1}`...)
		h.Write(Entry{Method: "GET", URL: doorflowBase + "/" + strconv.Itoa(100000+i), Auth: true, Status: 200, Body: body})
	}
	return h.Close()
}
