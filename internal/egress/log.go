package egress

import (
	"context"
	"log/slog"
	"net/url"
)

// Handler wraps h so that every log line leaves through the exit point: the message and every string
// attribute (in groups too) are sanitised, and every attribute whose value is a *url.URL is redacted and
// printed as a string. apikit's loggers (the proxy's, the Transport's, the mock's) are wrapped in it; wrapping
// twice is harmless.
func Handler(h slog.Handler) slog.Handler {
	if e, ok := h.(*handler); ok {
		return e
	}
	return &handler{next: h}
}

type handler struct{ next slog.Handler }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Sanitize(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(Sanitize(name))}
}

// attr sanitises one attribute: its key, a string value, a redacted URL, and the attributes of a group.
func attr(a slog.Attr) slog.Attr {
	a.Key = Sanitize(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Sanitize(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]slog.Attr, len(g))
		for i, ga := range g {
			clean[i] = attr(ga)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case *url.URL:
			a.Value = slog.StringValue(Sanitize(URL(x)))
		case error:
			a.Value = slog.StringValue(Sanitize(x.Error()))
		default:
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}
