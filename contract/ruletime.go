package contract

import (
	"strconv"
	"time"
)

// instant is a point in time as Unix nanoseconds: comparisons of timestamps in a 10,000-item list stay cheap.
// Years 1678 to 2261 fit; a timestamp outside them is treated as not parseable (the rules skip it).
type instant int64

func instantOf(t time.Time) (instant, bool) {
	if t.Year() < 1678 || t.Year() > 2261 {
		return 0, false
	}
	return instant(t.UnixNano()), true
}

// parseDateTime reads a JSON value holding an RFC 3339 date-time (with its quotes). The common form
// 2024-01-15T09:00:00.000Z or ...+01:00 is parsed by hand; anything else goes through time.Parse.
func parseDateTime(raw []byte) (instant, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return 0, false
	}
	b := raw[1 : len(raw)-1]
	if i, ok := fastDateTime(b); ok {
		return i, true
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0, false
	}
	return instantOf(t)
}

// fastDateTime parses YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM) exactly as time.Parse(time.RFC3339Nano) would,
// and reports false for any other shape (the caller then asks time.Parse).
func fastDateTime(b []byte) (instant, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || year < 1678 || year > 2261 || month < 1 || month > 12 ||
		day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	rest := b[19:]
	var nanos int64
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return 0, false
		}
		frac := rest[1:n]
		for i := range 9 {
			nanos *= 10
			if i < len(frac) {
				nanos += int64(frac[i] - '0')
			}
		}
		rest = rest[n:]
	}
	var offset int64
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		offset = int64(oh*3600 + om*60)
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec) - offset
	return instant(secs*1e9 + nanos), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseQueryTime reads a timestamp parameter such as since or since_utc: RFC 3339 (its offset wins), or a local
// date-time without offset (2024-01-15T09:00:00, with or without fraction; 2024-01-15 09:00:00; 2024-01-15T09:00;
// 2024-01-15) taken in loc.
func parseQueryTime(v string, loc *time.Location) (instant, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return instantOf(t)
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return instantOf(t)
		}
	}
	return 0, false
}

// parseUnixOrDateTime reads a version field: an RFC 3339 string, or an integer of Unix seconds.
func parseUnixOrDateTime(raw []byte) (instant, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		return parseDateTime(raw)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < -9e9 || n > 9e9 {
		return 0, false
	}
	return instant(n * 1e9), true
}
