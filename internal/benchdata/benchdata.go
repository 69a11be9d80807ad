// Package benchdata generates the recordings apikit's benchmarks and memory measurements read: DoorFlow
// reservation lists of any size and HAR files around them. Nothing it writes is committed; the benchmarks
// generate their input in a temporary directory, and genhar writes a large HAR for measuring a whole process.
package benchdata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

var states = [...]string{"pending", "active", "deactivated"}

// AppendReservation appends reservation i of a generated DoorFlow list (a valid GroupReservation, about 235
// bytes) to b.
func AppendReservation(b []byte, i int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(100000+i), 10)
	b = append(b, `,"person_id":`...)
	b = strconv.AppendInt(b, int64(12345+i%1000), 10)
	day := 1 + i%28
	b = fmt.Appendf(b, `,"start_time":"2024-01-%02dT09:00:00.000Z","end_time":"2024-01-%02dT17:00:00.000Z","state":%q,"group_ids":[%d,%d,%d],`,
		day, day, states[i%3], i%7, i%11, i%13)
	b = fmt.Appendf(b, `"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:%02d:00.000Z"}`, i%60)
	return b
}

// ReservationList returns a DoorFlow listGroupReservations body of n valid reservations.
func ReservationList(n int) []byte {
	b := make([]byte, 0, 240*n+2)
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendReservation(b, i)
	}
	return append(b, ']')
}

// ListEntryPrefix and ListEntrySuffix surround the JSON-escaped text of a listGroupReservations response body in
// one HAR entry, as browser devtools export it (content.size before content.text).
func listEntryPrefix(page, size int) string {
	return `{"startedDateTime":"2024-01-15T10:30:00.000Z","time":12,"request":{"method":"GET",` +
		`"url":"https://api.doorflow.com/api/3/group_reservations?page=` + strconv.Itoa(page) + `","httpVersion":"HTTP/1.1",` +
		`"headers":[{"name":"Authorization","value":"Bearer REDACTED"},{"name":"Accept","value":"application/json"}],` +
		`"queryString":[{"name":"page","value":"` + strconv.Itoa(page) + `"}],"cookies":[],"headersSize":-1,"bodySize":0},` +
		`"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1",` +
		`"headers":[{"name":"Content-Type","value":"application/json; charset=utf-8"},{"name":"X-Request-Id","value":"0b6f7c1e-2d0a-4f5e-8a61-3c9d2e7f4a10"}],` +
		`"cookies":[],"content":{"size":` + strconv.Itoa(size) + `,"mimeType":"application/json","text":`
}

const listEntrySuffix = `},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":10,"receive":2}}`

const (
	harHead = `{"log":{"version":"1.2","creator":{"name":"apikit benchdata","version":"1"},"entries":[`
	harTail = "]}}\n"
)

// WriteListHAR writes a HAR 1.2 file with one entry per body in bodies: GET listGroupReservations?page=i+1
// answered 200 with that body, escaped into response.content.text.
func WriteListHAR(w io.Writer, bodies ...[]byte) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(harHead)
	for i, body := range bodies {
		if i > 0 {
			bw.WriteString(",\n")
		}
		bw.WriteString(listEntryPrefix(i+1, len(body)))
		text, err := json.Marshal(string(body))
		if err != nil {
			return err
		}
		bw.Write(text)
		bw.WriteString(listEntrySuffix)
	}
	bw.WriteString(harTail)
	return bw.Flush()
}

// WriteLargeListHAR writes a HAR with one listGroupReservations entry whose body lists n reservations (about
// 235n bytes: n = 430,000 gives 100 MB), streaming: it never holds the body or its escaped text whole. It
// returns the body's size.
func WriteLargeListHAR(w io.Writer, n int) (int64, error) {
	var size int64 = 2 + int64(n-1)
	var item []byte
	for i := range n {
		item = AppendReservation(item[:0], i)
		size += int64(len(item))
	}
	if n == 0 {
		size = 2
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(harHead)
	bw.WriteString(listEntryPrefix(1, int(size)))
	bw.WriteString(`"[`)
	var esc []byte
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		item = AppendReservation(item[:0], i)
		esc = appendEscaped(esc[:0], item)
		bw.Write(esc)
	}
	bw.WriteString(`]"`)
	bw.WriteString(listEntrySuffix)
	bw.WriteString(harTail)
	return size, bw.Flush()
}

// appendEscaped escapes generated JSON (ASCII, no control characters) as the inside of a JSON string.
func appendEscaped(dst, s []byte) []byte {
	for _, c := range s {
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}
