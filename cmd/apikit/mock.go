package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/mock"
)

// mockGrace is how long `apikit mock` lets in-flight requests finish after SIGINT or SIGTERM.
const mockGrace = 10 * time.Second

const mockUsage = `usage: apikit mock [--addr 127.0.0.1:8080] [--seed N] [--count N] [--data FILE] [flags]

Serves DoorFlow (/api/3/group_reservations, /api/3/group_reservations/{id}) and Sonderplan (/v2/group) on one
listener, from a generated data set (--seed, --count) or a JSON data file (--data), and logs one line per request.
Send "Authorization: Bearer ` + mock.DefaultToken + `" (every scope) unless --token configures others.
Stops on SIGINT or SIGTERM, letting in-flight requests finish.

The data file is one JSON object {"now": RFC 3339 (optional), "group_reservations": [...], "groups": [...]}
holding items as the vendors' APIs send them; --print-data writes a generated one to start from.

flags:
`

// mockTokenFlag collects repeated --token TOKEN[=scope,scope] values.
type mockTokenFlag []mock.Option

func (f *mockTokenFlag) String() string { return "" }

func (f *mockTokenFlag) Set(v string) error {
	token, list, hasScopes := strings.Cut(v, "=")
	scopes := mock.Scopes()
	if hasScopes {
		scopes = nil
		for _, s := range strings.Split(list, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
	}
	*f = append(*f, mock.WithToken(token, scopes...))
	return nil
}

// cmdMock runs `apikit mock`: it serves the mock until ctx ends or the process gets SIGINT or SIGTERM.
func cmdMock(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("apikit mock", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), mockUsage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `host:port` (port 0 picks a free one); keep it on loopback")
	seed := fs.Uint64("seed", 1, "seed of the generated data set: the same seed gives the same answers")
	count := fs.Int("count", mock.DefaultCount, fmt.Sprintf("how many group reservations and how many groups to generate (at most %d)", mock.MaxCount))
	dataFile := fs.String("data", "", "serve the data set in `FILE` instead of generating one")
	nowFlag := fs.String("now", "", "the instant taken as now, RFC 3339 (default: the data file's, else "+mock.DefaultNow+")")
	tz := fs.String("tz", "UTC", "IANA time `zone` of DoorFlow's since parameter, which is local time (since_utc is UTC)")
	var tokens mockTokenFlag
	fs.Var(&tokens, "token", "accept bearer `TOKEN[=scope,...]`; repeatable; without = every scope, with an empty list none "+
		"(scopes: "+strings.Join(mock.Scopes(), ", ")+"; default: "+mock.DefaultToken+" with every scope)")
	printData := fs.Bool("print-data", false, "write the data set as a JSON data file to stdout and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "apikit mock: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (apikit mock takes flags only)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *dataFile != "" && (set["seed"] || set["count"]) {
		return usageErr("--data serves a file: --seed and --count apply to generated data only")
	}

	opts := append([]mock.Option{mock.WithSeed(*seed), mock.WithCount(*count)}, tokens...)
	if *nowFlag != "" {
		now, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return usageErr("--now %q is not an RFC 3339 date-time such as %s", *nowFlag, mock.DefaultNow)
		}
		opts = append(opts, mock.WithNow(now))
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageErr("--tz: %v", err)
	}
	opts = append(opts, mock.WithLocation(loc))
	source := fmt.Sprintf("generated (seed %d, count %d)", *seed, *count)
	if *dataFile != "" {
		raw, err := os.ReadFile(*dataFile)
		if err != nil {
			return usageErr("--data: %v", err)
		}
		d, err := mock.ParseDataset(ctx, raw)
		if err != nil {
			return usageErr("--data %s: %v", *dataFile, err)
		}
		opts = append(opts, mock.WithDataset(d))
		source = *dataFile
	}

	logger := slog.New(egress.Handler(slog.NewTextHandler(e.stderr, nil))) // the exit point: sanitised
	srv, err := mock.New(ctx, append(opts, mock.WithLogger(logger))...)
	if err != nil {
		return usageErr("%v", err)
	}
	if *printData {
		out, err := json.MarshalIndent(srv.Dataset(), "", "  ")
		if err != nil {
			return usageErr("writing the data set: %v", err)
		}
		if _, err := fmt.Fprintf(e.stdout, "%s\n", out); err != nil {
			return usageErr("writing the data set: %v", err)
		}
		return exitOK
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return usageErr("%v", err)
	}
	base := "http://" + ln.Addr().String()
	attrs := []any{
		"url", base, "doorflow", base + "/api/3/group_reservations", "sonderplan", base + "/v2/group",
		"data", source, "now", srv.Now().Format(time.RFC3339), "tz", loc.String(),
	}
	if len(tokens) == 0 {
		attrs = append(attrs, "token", mock.DefaultToken) // public, for local use; configured tokens are never logged
	} else {
		attrs = append(attrs, "tokens", len(srv.Tokens()))
	}
	logger.Info("apikit mock listening", attrs...)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		logger.Warn("the mock listens beyond loopback; anyone who reaches it can read its data with the tokens above", "addr", tcp.String())
	}
	if err := mock.Serve(ctx, ln, srv, mockGrace); err != nil {
		fmt.Fprintf(e.stderr, "apikit mock: %v\n", err)
		return exitUsage
	}
	logger.Info("apikit mock stopped")
	return exitOK
}
