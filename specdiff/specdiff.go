package specdiff

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Level is how much a change matters to a client, as oasdiff rates it (after apikit's raises, see Compare).
type Level string

// The levels, from most to least severe. Only LevelErr counts as breaking.
const (
	LevelErr  Level = "ERR"  // breaks existing clients: Change.Breaking
	LevelWarn Level = "WARN" // may break some clients; reported, never fails the check
	LevelInfo Level = "INFO" // for the changelog
)

// rank orders levels for sorting: higher is more severe.
func (l Level) rank() int {
	switch l {
	case LevelErr:
		return 3
	case LevelWarn:
		return 2
	case LevelInfo:
		return 1
	}
	return 0
}

// Change is one difference between two versions of a spec, as one of oasdiff's checks reports it.
type Change struct {
	// ID is oasdiff's stable check id, e.g. "api-path-removed-without-deprecation".
	ID    string `json:"id"`
	Level Level  `json:"level"`
	// Raised is true when oasdiff rates the change lower and apikit raises it to ERR, because the change removes a
	// Go constant or struct field from gen/ (see Compare).
	Raised bool `json:"raised,omitempty"`
	// Section is the part of the spec that changed: "paths" for an operation's change, else e.g. "components".
	Section     string `json:"section"`
	Method      string `json:"method,omitempty"`      // "GET"; empty outside paths
	Path        string `json:"path,omitempty"`        // path template: "/api/3/group_reservations/{id}"
	OperationID string `json:"operationId,omitempty"` // as in the base spec, or the revision's for a new operation
	// Message says what changed, on one line, with the values it names in backquotes.
	Message string `json:"message"`
	// Evidence is set when apikit rates the change WARN although oasdiff rates it ERR: a new response enum value that
	// an action of the revision's overlay proposed from recorded traffic adds (marked x-apikit-evidence, as apikit
	// validate --propose writes it). It is the action's evidence: "seen in 2 exchange(s): rec.har#0, rec.har#1".
	Evidence string `json:"evidence,omitempty"`
	// Acknowledged is true when a changelog names this breaking change (see Result.Acknowledge).
	Acknowledged bool `json:"acknowledged,omitempty"`
}

// Breaking reports whether the change breaks existing clients (level ERR).
func (c Change) Breaking() bool { return c.Level == LevelErr }

// Operation names where the change is: "GET /v2/group (listGroups)", or its section outside paths.
func (c Change) Operation() string {
	if c.Method == "" && c.Path == "" {
		return c.Section
	}
	s := strings.TrimSpace(c.Method + " " + c.Path)
	if c.OperationID != "" {
		s += " (" + c.OperationID + ")"
	}
	return s
}

// Result is the outcome of Compare: every change between two versions of a spec, breaking ones first.
type Result struct {
	Base     string `json:"base"`     // the old spec's Source, as ParseSource reads it, then " with overlay SOURCE" if it has one
	Revision string `json:"revision"` // the new spec's Source, the same way
	// Changes are sorted by level (ERR first), then path, method, id and message, so the order is the same from
	// run to run.
	Changes []Change `json:"changes"`
}

// Breaking returns the changes at level ERR.
func (r *Result) Breaking() []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.Breaking() {
			out = append(out, c)
		}
	}
	return out
}

// Unacknowledged returns the breaking changes that no changelog acknowledged: the ones that fail a check.
func (r *Result) Unacknowledged() []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.Breaking() && !c.Acknowledged {
			out = append(out, c)
		}
	}
	return out
}

// raisedChecks lists the oasdiff checks that apikit rates ERR although oasdiff rates them INFO, with the reason.
// oasdiff judges changes by what goes over the wire, where a client that ignores an unknown or absent value is
// unharmed; but code that imports gen/ stops compiling when the generated constant or field it names is gone.
// A function, not a package variable, so that no caller can change it.
func raisedChecks() map[string]string {
	const constant = "removes a Go constant of the enum type in gen/"
	const field = "removes a Go struct field in gen/"
	return map[string]string{
		"response-property-enum-value-removed":  constant,
		"response-mediatype-enum-value-removed": constant, // the same for an enum that is the whole body
		"response-optional-property-removed":    field,
	}
}

// Compare loads the two versions of a spec and returns every change between them, with oasdiff's check ids and
// levels, except that the checks in raisedChecks are ERR: apikit sets them through oasdiff's own per-check level
// configuration (checker.WithSeverityLevels), so that oasdiff's guards and disclaimers leave them alone. One
// change is re-rated after the fact, one at a time: a new response enum value (response-property-enum-value-added,
// response-mediatype-enum-value-added) is WARN, with its Evidence, when an action of the revision's overlay marked
// x-apikit-evidence adds that very value to the very schema the change is in (evidence.go); the same value added
// by hand, or by an action without the marker, stays ERR. A spec must be a single document: external $refs are
// refused.
func Compare(ctx context.Context, base, revision Source) (*Result, error) {
	s1, _, err := loadSpec(ctx, base)
	if err != nil {
		return nil, err
	}
	s2, ev, err := loadSpec(ctx, revision)
	if err != nil {
		return nil, err
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	if err != nil {
		return nil, fmt.Errorf("comparing %s with %s: %w", base, revision, err)
	}
	raised := raisedChecks()
	levels := make(map[string]checker.Level, len(raised))
	known := checker.GetCheckLevels()
	for id := range raised {
		// checker.WithSeverityLevels calls log.Fatal on an unknown id: never let a renamed check get that far.
		if _, ok := known[id]; !ok {
			return nil, fmt.Errorf("oasdiff has no check %q to raise: update specdiff for this oasdiff version", id)
		}
		levels[id] = checker.ERR
	}
	config := checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(levels))
	changes := checker.CheckBackwardCompatibilityUntilLevel(config, d, sources, checker.INFO)

	l := checker.NewDefaultLocalizer()
	res := &Result{Base: s1.Url, Revision: s2.Url, Changes: make([]Change, 0, len(changes))}
	lowered := loweredChecks()
	for _, c := range changes {
		_, isRaised := raised[c.GetId()]
		ch := Change{
			ID:          c.GetId(),
			Level:       levelOf(c.GetLevel()),
			Raised:      isRaised && known[c.GetId()] < checker.ERR,
			Section:     c.GetSection(),
			Method:      c.GetOperation(),
			Path:        c.GetPath(),
			OperationID: c.GetOperationId(),
			Message:     oneLine(c.GetUncolorizedText(l)),
		}
		if ch.Level == LevelErr && slices.Contains(lowered, ch.ID) {
			if claim := ev.claim(c); claim != "" { // evidence.go
				ch.Level, ch.Evidence = LevelWarn, claim
			}
		}
		res.Changes = append(res.Changes, ch)
	}
	slices.SortStableFunc(res.Changes, compareChanges)
	return res, nil
}

// loadSpec reads and parses one version of a spec, with its overlay applied (overlay.go), with a loader of its own
// so that the two versions never share kin-openapi's document cache. The SpecInfo's Url is the Source, followed by
// " with overlay SOURCE" when an overlay was applied; the evidence is what the overlay's evidence-marked actions
// add to enums (nil without an overlay).
func loadSpec(ctx context.Context, src Source) (*load.SpecInfo, *evidence, error) {
	raw, err := src.read(ctx)
	if err != nil {
		return nil, nil, err
	}
	data, ov, od, err := src.overlaid(ctx, raw) // overlay.go
	if err != nil {
		return nil, nil, err
	}
	var ev *evidence
	if ov != "" {
		ev = readEvidence(raw, od, data) // evidence.go
	}
	name := src.String()
	if ov != "" {
		name += " with overlay " + ov
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = false
	loader.IncludeOrigin = true // as oasdiff's own command does; some checks locate changes with it
	info, err := load.NewSpecInfoFromData(loader, data, name, load.WithLowercaseHeaders())
	if err != nil {
		return nil, nil, fmt.Errorf("loading spec %s: %w", src, err)
	}
	return info, ev, nil
}

// levelOf maps oasdiff's level onto ours.
func levelOf(l checker.Level) Level {
	switch l {
	case checker.ERR:
		return LevelErr
	case checker.WARN:
		return LevelWarn
	default:
		return LevelInfo
	}
}

// oneLine collapses runs of white space, newlines included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// compareChanges orders changes by level (most severe first), path, method, id, then message.
func compareChanges(a, b Change) int {
	return cmp.Or(
		cmp.Compare(b.Level.rank(), a.Level.rank()),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Method, b.Method),
		cmp.Compare(a.ID, b.ID),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.Section, b.Section),
	)
}
