package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// NewJSONSink returns the sink of the JSON output: one indented object, {"exchanges": [...], "errors": [...],
// "summary": {...}, "coverage": {...}} as [Output] marshals it, streamed: each verdict is written as an element
// of "exchanges" when it arrives, the rest at Close ("errors" when there were any, "coverage" when coverage is
// not nil and returns a report). Observe must not be called from two goroutines at once.
func NewJSONSink(w io.Writer, coverage func() *CoverageReport) InputErrorSink {
	return &jsonSink{w: w, coverage: coverage}
}

type jsonSink struct {
	w        io.Writer
	coverage func() *CoverageReport
	sum      Summary
	errs     []InputError // few: one per unreadable input
	b        bytes.Buffer
}

func (j *jsonSink) Observe(_ context.Context, r *Result) error {
	j.b.Reset()
	if j.sum.Exchanges == 0 {
		j.b.WriteString("{\n  \"exchanges\": [\n    ")
	} else {
		j.b.WriteString(",\n    ")
	}
	j.sum.Count(r)
	if err := j.encode(r, "    "); err != nil {
		return err
	}
	return j.flush()
}

func (j *jsonSink) ObserveInputError(_ context.Context, e InputError) error {
	j.errs = append(j.errs, e)
	return nil
}

func (j *jsonSink) Close() error {
	j.b.Reset()
	if j.sum.Exchanges == 0 {
		j.b.WriteString("{\n  \"exchanges\": [],\n")
	} else {
		j.b.WriteString("\n  ],\n")
	}
	if len(j.errs) > 0 {
		j.b.WriteString(`  "errors": `)
		if err := j.encode(j.errs, "  "); err != nil {
			return err
		}
		j.b.WriteString(",\n")
	}
	j.b.WriteString(`  "summary": `)
	if err := j.encode(j.sum, "  "); err != nil {
		return err
	}
	if j.coverage != nil {
		if c := j.coverage(); c != nil {
			j.b.WriteString(",\n  \"coverage\": ")
			if err := j.encode(c, "  "); err != nil {
				return err
			}
		}
	}
	j.b.WriteString("\n}\n")
	return j.flush()
}

// encode appends v indented as it stands at prefix in the document.
func (j *jsonSink) encode(v any, prefix string) error {
	out, err := json.MarshalIndent(v, prefix, "  ")
	if err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	j.b.Write(out)
	return nil
}

func (j *jsonSink) flush() error {
	if _, err := j.w.Write(j.b.Bytes()); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}
