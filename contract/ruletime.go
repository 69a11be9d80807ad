package contract

import (
	"bytes"
	"cmp"
	"strconv"
	"strings"
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

func (i instant) time() time.Time { return time.Unix(0, int64(i)).UTC() }

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
	if len(b) < 20 {
		return 0, false
	}
	_ = b[19]
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y0, y1, y2, y3 := b[0]-'0', b[1]-'0', b[2]-'0', b[3]-'0'
	mo0, mo1, d0, d1 := b[5]-'0', b[6]-'0', b[8]-'0', b[9]-'0'
	h0, h1, mi0, mi1, s0, s1 := b[11]-'0', b[12]-'0', b[14]-'0', b[15]-'0', b[17]-'0', b[18]-'0'
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || mo0 > 9 || mo1 > 9 || d0 > 9 || d1 > 9 ||
		h0 > 9 || h1 > 9 || mi0 > 9 || mi1 > 9 || s0 > 9 || s1 > 9 {
		return 0, false
	}
	year := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	month, day := int(mo0)*10+int(mo1), int(d0)*10+int(d1)
	hour, minute, sec := int(h0)*10+int(h1), int(mi0)*10+int(mi1), int(s0)*10+int(s1)
	if year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	rest := b[19:]
	var nanos int64
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n]-'0' <= 9 {
			n++
		}
		if n == 1 || n > 10 {
			return 0, false
		}
		digits := n - 1
		for _, c := range rest[1:n] {
			nanos = nanos*10 + int64(c-'0')
		}
		for ; digits < 9; digits++ {
			nanos *= 10
		}
		rest = rest[n:]
	}
	var offset int64
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh0, oh1, om0, om1 := rest[1]-'0', rest[2]-'0', rest[4]-'0', rest[5]-'0'
		oh, om := int64(oh0)*10+int64(oh1), int64(om0)*10+int64(om1)
		if oh0 > 9 || oh1 > 9 || om0 > 9 || om1 > 9 || oh > 23 || om > 59 {
			return 0, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec) - offset
	return instant(secs*1e9 + nanos), true
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

// zuluShape reports whether raw is a quoted date-time of the fixed-width UTC shape YYYY-MM-DDTHH:MM:SS[.digits]Z.
// Two values of that shape and the same length compare byte-wise as they compare in time, with no parsing.
func zuluShape(raw []byte) bool {
	n := len(raw)
	if n < 22 || raw[0] != '"' || raw[n-1] != '"' || raw[n-2] != 'Z' {
		return false
	}
	b := raw[1 : n-2]
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' ||
		b[0]-'0' > 9 || b[1]-'0' > 9 || b[2]-'0' > 9 || b[3]-'0' > 9 || b[5]-'0' > 9 || b[6]-'0' > 9 ||
		b[8]-'0' > 9 || b[9]-'0' > 9 || b[11]-'0' > 9 || b[12]-'0' > 9 || b[14]-'0' > 9 || b[15]-'0' > 9 ||
		b[17]-'0' > 9 || b[18]-'0' > 9 {
		return false
	}
	if len(b) > 19 {
		if b[19] != '.' || len(b) == 20 {
			return false
		}
		for _, c := range b[20:] {
			if c-'0' > 9 {
				return false
			}
		}
	}
	return true
}

// cmpDateTimeZ compares two raw date-time values (JSON strings) whose zuluShape is az and bz; ok is false when
// either is not a date-time.
func cmpDateTimeZ(a, b []byte, az, bz bool) (int, bool) {
	if len(a) == len(b) && az && bz {
		return bytes.Compare(a, b), true
	}
	ta, ok := parseDateTime(a)
	if !ok {
		return 0, false
	}
	tb, ok := parseDateTime(b)
	if !ok {
		return 0, false
	}
	return cmp.Compare(ta, tb), true
}

// instantRef is an instant that raw date-time values are compared with. It renders itself once in the zulu shape
// of each fraction width it meets, so that comparing a value of that shape is a byte comparison.
type instantRef struct {
	t      instant
	floors [10][zuluMax]byte // per fraction width: t truncated to it, rendered and quoted (perf: in place)
	lens   [10]uint8         // the length of each rendering; 0 before it is made
	exact  [10]bool          // t has no digits beyond that width
}

// zuluMax is the length of the longest zulu shape of an instant: "2006-01-02T15:04:05.999999999Z", quoted.
const zuluMax = 32

// zuluLayouts are the time layouts of the zulu shape, quoted, per fraction width (0 to 9 digits).
var zuluLayouts = func() (l [10]string) {
	for d := range l {
		l[d] = `"2006-01-02T15:04:05`
		if d > 0 {
			l[d] += "." + strings.Repeat("0", d)
		}
		l[d] += `Z"`
	}
	return l
}()

// cmp compares a raw date-time value with the instant; ok is false when raw is not a date-time.
func (r *instantRef) cmp(raw []byte) (int, bool) { return r.cmpZ(raw, zuluShape(raw)) }

// cmpZ is cmp with the zuluShape of raw known.
func (r *instantRef) cmpZ(raw []byte, z bool) (int, bool) {
	if z {
		d := 0
		if len(raw) > 22 {
			d = len(raw) - 23
		}
		if d < len(r.floors) && r.lens[d] == 0 {
			unit := instant(1)
			for range 9 - d {
				unit *= 10
			}
			floor := r.t - ((r.t%unit)+unit)%unit
			r.exact[d] = floor == r.t
			if b := time.Unix(0, int64(floor)).UTC().AppendFormat(r.floors[d][:0], zuluLayouts[d]); len(b) <= zuluMax {
				r.lens[d] = uint8(len(b)) // in r.floors[d]: AppendFormat had room
			}
		}
		if d < len(r.floors) && r.lens[d] > 0 {
			c := bytes.Compare(raw, r.floors[d][:r.lens[d]])
			if c == 0 && !r.exact[d] {
				c = -1 // raw is the truncation of t: earlier than t
			}
			return c, true
		}
	}
	t, ok := parseDateTime(raw)
	if !ok {
		return 0, false
	}
	return cmp.Compare(t, r.t), true
}

// versionOf reads a version or time field as the invariants compare it: a date-time string (the zulu shape by
// arithmetic, anything else by parsing) or an integer of Unix seconds.
func versionOf(raw []byte) (instant, bool) {
	if zuluShape(raw) {
		return zuluInstant(raw), true
	}
	return parseUnixOrDateTime(raw)
}

// zuluInstant converts a value of the zuluShape. The calendar is not checked (the schema's date-time format is).
func zuluInstant(raw []byte) instant {
	b := raw[1 : len(raw)-2]
	d2 := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	year, month, day := d2(0)*100+d2(2), d2(5), d2(8)
	secs := daysFromCivil(year, month, day)*86400 + int64(d2(11)*3600+d2(14)*60+d2(17))
	var nanos int64
	if len(b) > 20 {
		frac := b[20:]
		for i := range 9 {
			nanos *= 10
			if i < len(frac) {
				nanos += int64(frac[i] - '0')
			}
		}
	}
	return instant(secs*1e9 + nanos)
}
