package specdiff

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteText writes the changes one a line, breaking ones first, then a summary line:
//
//	ERR  response-property-enum-value-removed  GET /api/3/group_reservations (listGroupReservations): removed the enum value `pending` ...
//	main:openapi/doorflow.yaml -> openapi/doorflow.yaml: 3 changes: 1 breaking (0 acknowledged), 0 warnings, 2 info
func (r *Result) WriteText(w io.Writer) error {
	var errs, acked, warns, infos int
	for _, c := range r.Changes {
		line := fmt.Sprintf("%-4s %s  %s: %s", c.Level, c.ID, c.Operation(), c.Message)
		if c.Raised {
			line += " [raised to ERR by apikit: " + raisedChecks()[c.ID] + "]"
		}
		if c.Evidence != "" {
			line += " [WARN, not ERR: an action of the revision's overlay records it from traffic, " + c.Evidence + "]"
		}
		if c.Acknowledged {
			line += " [acknowledged in the changelog]"
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
		switch c.Level {
		case LevelErr:
			errs++
			if c.Acknowledged {
				acked++
			}
		case LevelWarn:
			warns++
		default:
			infos++
		}
	}
	var err error
	if len(r.Changes) == 0 {
		_, err = fmt.Fprintf(w, "%s -> %s: no changes\n", r.Base, r.Revision)
	} else {
		noun := "changes"
		if len(r.Changes) == 1 {
			noun = "change"
		}
		_, err = fmt.Fprintf(w, "%s -> %s: %d %s: %d breaking (%d acknowledged), %d warnings, %d info\n",
			r.Base, r.Revision, len(r.Changes), noun, errs, acked, warns, infos)
	}
	return err
}

// WriteJSON writes the Result as one indented JSON object; "changes" is an array, empty rather than null.
func (r *Result) WriteJSON(w io.Writer) error {
	out := *r
	if out.Changes == nil {
		out.Changes = []Change{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
