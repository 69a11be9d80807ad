// Package egress is the one exit point of apikit: everything that leaves the process — recordings written to
// disk, log lines, and the text printed for a terminal — passes through it. It applies two steps and nothing
// else:
//
//   - redaction (internal/redact decides what a secret is): [URL], [Query], [Exchange] for recordings, and every
//     URL a log line carries ([Handler]);
//   - sanitising for terminals and logs: [Sanitize] escapes control characters (ESC, CR, newlines, the other C0
//     and C1 controls, DEL, bidirectional overrides) so that a hostile recording or upstream cannot clear the
//     screen, set the window title or forge an output line.
//
// Writers call it rather than internal/redact or their own escaping, so that a new output cannot skip a step:
//
//	line := egress.Sanitize(res.Source) + ": " + egress.Sanitize(v.Message)
//	logger := slog.New(egress.Handler(h)) // every string sanitised, every *url.URL redacted
//	disk := egress.Exchange(red, ex)     // a redacted copy of an exchange for a recording
//
// JSON and XML encoders escape control characters themselves: their text takes the redaction step only.
package egress

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sanitize returns s with every character a terminal would act on escaped: C0 controls (newline, carriage
// return, tab, ESC, ...) and DEL as \n, \r, \t or \xNN; C1 controls and bidirectional formatting characters as
// \uNNNN; bytes that are not UTF-8 as \xNN. Everything else, backslashes included, is left as it is, so text
// without controls is returned unchanged (and without an allocation).
func Sanitize(s string) string {
	i := unsafeIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeHex(&b, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			writeHex(&b, byte(r))
		case unsafeRune(r):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)))
			b.WriteString(h)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeIndex returns the index of the first character Sanitize escapes, or -1.
func unsafeIndex(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports the non-ASCII runes a terminal acts on or that reorder what it shows: the C1 controls
// (U+0080–U+009F, CSI among them), and the bidirectional embeddings, overrides and isolates.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func writeHex(b *strings.Builder, c byte) {
	const digits = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(digits[c>>4])
	b.WriteByte(digits[c&0xf])
}
