package specdiff

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
)

// Changelog is the unreleased section of a CHANGELOG.md, which acknowledges breaking spec changes.
//
// The convention: the section starts at the first level-two heading ("## ") whose text contains the word
// "Unreleased" (any case; "## Unreleased", "## [Unreleased]" and "## v0.4.0 (unreleased)" all qualify) and ends
// at the next level-two heading. A line in it acknowledges a breaking change when it contains the change's id and,
// for a change to an operation, the operation's operationId or its path template, each as a whole word:
//
//   - Breaking: `response-property-enum-value-removed` in listGroupReservations: DoorFlow dropped state `pending`.
//
// A change outside paths (a removed security scheme, say) needs only its id. A path matches as a whole word, so a
// line naming /api/3/group_reservations does not acknowledge a change to /api/3/group_reservations/{id}.
type Changelog struct {
	lines []string
}

// ErrNoUnreleased is returned by ParseChangelog for a changelog without an unreleased section.
var ErrNoUnreleased = errors.New(`no "## Unreleased" heading: add one above the latest release`)

// ParseChangelog returns the unreleased section of a changelog in Markdown, or ErrNoUnreleased.
func ParseChangelog(data []byte) (*Changelog, error) {
	var (
		c     Changelog
		found bool
		in    bool
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			if in {
				break
			}
			if !found && containsWord(strings.ToLower(line), "unreleased") {
				found, in = true, true
			}
			continue
		}
		if in {
			c.lines = append(c.lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNoUnreleased
	}
	return &c, nil
}

// Acknowledges reports whether a line of the unreleased section names the change (see Changelog).
func (c *Changelog) Acknowledges(ch Change) bool {
	for _, line := range c.lines {
		if !containsWord(line, ch.ID) {
			continue
		}
		if ch.OperationID == "" && ch.Path == "" {
			return true
		}
		if (ch.OperationID != "" && containsWord(line, ch.OperationID)) || (ch.Path != "" && containsWord(line, ch.Path)) {
			return true
		}
	}
	return false
}

// Acknowledge marks each breaking change that the changelog acknowledges, and returns how many it marked.
func (r *Result) Acknowledge(c *Changelog) int {
	n := 0
	for i := range r.Changes {
		if r.Changes[i].Breaking() && c.Acknowledges(r.Changes[i]) {
			r.Changes[i].Acknowledged = true
			n++
		}
	}
	return n
}

// containsWord reports whether word occurs in s with no word character right before or after it. Word characters
// are those of ids, operationIds and path templates: letters, digits, '-', '_', '/', '{' and '}'.
func containsWord(s, word string) bool {
	if word == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		if (start == 0 || !isWordByte(s[start-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '-' || b == '_' || b == '/' || b == '{' || b == '}'
}
