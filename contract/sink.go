package contract

import (
	"context"
	"errors"
	"sync"
)

// Sink is where verdicts leave the harness: every front end (apikit validate, [Transport], the proxy) hands each
// [Result] to its sinks as soon as it is final, and every consumer of verdicts is one: the text, JSON and JUnit
// outputs ([NewTextSink], [NewJSONSink], [NewJUnitSink]; package output is their registry), [Coverage], the
// test helpers (package contracttest), the proxy's log and recorder, a Transport's callbacks ([WithOnResult]),
// and a user's own (a metrics counter, say). [Tee] fans one stream out to many. A new consumer is one Sink
// passed to a front end ([WithSink], proxy.WithSink, the CLI's list of outputs).
//
// Observe is called once per exchange, in the order the front end produces verdicts (input order for apikit
// validate; completion order for live traffic, where it may be called from many goroutines at once unless the
// sink says otherwise). It takes a pointer so that a verdict is not copied once per sink and so that sinks in a
// [Tee] see what the ones before them completed (the proxy's recorder names the HAR entry); a sink may keep a
// copy of the Result but not the pointer, and changes a verdict only to complete it for the sinks after it.
// The context is the exchange's (a live front end puts its timing there: see [Timing]). An error from Observe
// is the sink's own failure (a disk full, a closed writer): the front end reports it and goes on with the next
// exchange. Close is called once, after the last Observe; it finishes what the sink writes (the JSON closing, a
// spooled JUnit file, a summary line) and releases what it holds.
type Sink interface {
	Observe(ctx context.Context, res *Result) error
	Close() error
}

// InputErrorSink is a [Sink] that also reports the inputs that could not be read (apikit validate's outputs list
// them beside the verdicts). [Tee] passes input errors on to the sinks that implement it.
type InputErrorSink interface {
	Sink
	ObserveInputError(ctx context.Context, e InputError) error
}

// SinkFunc makes a Sink of a function; its Close does nothing.
type SinkFunc func(ctx context.Context, res *Result) error

// Observe calls f.
func (f SinkFunc) Observe(ctx context.Context, res *Result) error { return f(ctx, res) }

// Close does nothing.
func (SinkFunc) Close() error { return nil }

// OnResult returns a Sink that calls fn with a copy of every verdict, as [WithOnResult] does. The copy does not
// carry the exchange (Result.Exchange is nil), so a callback that keeps verdicts does not keep bodies.
func OnResult(fn func(Result)) Sink {
	return SinkFunc(func(_ context.Context, res *Result) error {
		c := *res
		c.Exchange = nil
		fn(c)
		return nil
	})
}

// OnViolation returns a Sink that calls fn as [OnResult] does, with every verdict that breaks the contract
// (Result.Valid false), as [WithOnViolation] does.
func OnViolation(fn func(Result)) Sink {
	return OnResult(func(res Result) {
		if !res.Valid {
			fn(res)
		}
	})
}

// Tee returns a Sink that passes every verdict to each of sinks in order (nil ones are left out), and input
// errors to those that are [InputErrorSink]s. Observe and Close go on past a failing sink and return every
// failure, joined. The result is always an [InputErrorSink] (a single sink that is one is returned as it is).
func Tee(sinks ...Sink) Sink {
	var t tee
	for _, s := range sinks {
		switch s := s.(type) {
		case nil:
		case tee:
			t = append(t, s...)
		default:
			t = append(t, s)
		}
	}
	if len(t) == 1 {
		if _, ok := t[0].(InputErrorSink); ok {
			return t[0]
		}
	}
	return t
}

type tee []Sink

func (t tee) Observe(ctx context.Context, res *Result) error {
	var errs []error
	for _, s := range t {
		if err := s.Observe(ctx, res); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t tee) ObserveInputError(ctx context.Context, e InputError) error {
	var errs []error
	for _, s := range t {
		if es, ok := s.(InputErrorSink); ok {
			if err := es.ObserveInputError(ctx, e); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (t tee) Close() error {
	var errs []error
	for _, s := range t {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Observe appends a copy of the verdict: a Report is the Sink that holds every result, for a caller who wants
// them all (a test, [Report.Unwrap]).
func (r *Report) Observe(_ context.Context, res *Result) error {
	c := *res
	c.Exchange = nil
	r.Add(c)
	return nil
}

// Close does nothing: the report holds what it observed.
func (r *Report) Close() error { return nil }

// Count adds one verdict to the counts, as [Report.Summary] counts it.
func (s *Summary) Count(res *Result) {
	s.Exchanges++
	for i := range res.Warnings {
		s.Warnings += max(res.Warnings[i].Count, 1) // an aggregated warning counts its items
	}
	for i := range res.Violations {
		n := max(res.Violations[i].Count, 1) // an aggregated violation counts its items
		if res.Violations[i].side() == SideRequest {
			s.ClientViolations += n
		} else {
			s.VendorViolations += n
		}
	}
	if res.BodyNotRecorded != "" {
		s.BodyNotRecorded++
	}
	if res.OtherTraffic {
		s.OtherTraffic++
	}
	switch {
	case res.Skipped:
		s.Skipped++
	case !res.Valid:
		s.Invalid++
	case res.NotCompleted != "":
		s.NotCompleted++
	default:
		s.Valid++
	}
}

// Serial returns a Sink that calls s from one goroutine at a time, input errors included: what a sink that is
// not safe for concurrent use (the outputs) needs behind a live front end, whose verdicts arrive from many
// goroutines at once.
func Serial(s Sink) InputErrorSink { return &serial{s: s} }

type serial struct {
	mu sync.Mutex
	s  Sink
}

func (l *serial) Observe(ctx context.Context, res *Result) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Observe(ctx, res)
}

func (l *serial) ObserveInputError(ctx context.Context, e InputError) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if es, ok := l.s.(InputErrorSink); ok {
		return es.ObserveInputError(ctx, e)
	}
	return nil
}

func (l *serial) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Close()
}
