// Package cassette reads go-vcr v4 cassettes (version 2, *.yaml or *.yml) as exchanges, one interaction at a
// time.
package cassette

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"go.yaml.in/yaml/v4"
	vcr "gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/capture/internal/whole"
)

// Read reads a go-vcr v4 cassette (version 2, *.yaml or *.yml) and yields one [capture.Exchange] per
// interaction, in file order, with Source set to path and Index to the interaction's position (0-based).
//
// Each interaction is decoded into go-vcr's own [vcr.Interaction] type. The YAML is parsed whole (YAML has
// no streaming decoder worth the name), so a cassette file larger than the [capture.WithMaxBody] limit is refused before
// it is read; the interactions are then decoded and yielded one at a time. An interaction with response code 0
// yields an exchange with Status 0 (no response).
//
// Every error is a [*capture.LoadError]. A problem confined to one interaction (no request, a field of the wrong type, a
// body over the limit) is yielded with its index and reading goes on; a YAML syntax error, an unsupported
// cassette version or a file that is not a cassette ends the file. Read stops when ctx is done or the
// consumer stops the iteration.
func Read(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return readCassette(ctx, path, capture.NewConfig(opts), false)
}

// Sniff reads a file found by walking a folder as [Read] does, except that a file which is not a cassette (it
// never says "interactions", it is empty, or it has no top-level "interactions" key) yields nothing: the walk
// passes over it silently.
func Sniff(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return readCassette(ctx, path, capture.NewConfig(opts), true)
}

// readCassette reads a cassette; with sniff, a YAML file that is not a cassette yields nothing instead of an
// error (directory walks).
func readCassette(ctx context.Context, path string, cfg *capture.Config, sniff bool) iter.Seq2[*capture.Exchange, error] {
	return func(yield func(*capture.Exchange, error) bool) {
		data, err := cassetteFile.Read(path, cfg.MaxBody, sniff)
		if err != nil {
			yield(nil, capture.FileError(path, err))
			return
		}
		if data == nil { // skipped while sniffing
			return
		}
		cassetteExchanges(ctx, path, data, cfg, sniff)(yield)
	}
}

// cassetteExchanges yields the exchanges of a cassette already read into data.
func cassetteExchanges(ctx context.Context, path string, data []byte, cfg *capture.Config, sniff bool) iter.Seq2[*capture.Exchange, error] {
	return func(yield func(*capture.Exchange, error) bool) {
		nodes, err := cassetteInteractions(data)
		if errors.Is(err, errNotCassette) && sniff {
			return
		}
		if err != nil {
			yield(nil, capture.FileError(path, err))
			return
		}
		for i, n := range nodes {
			if err := ctx.Err(); err != nil {
				yield(nil, capture.EntryError(path, i, fmt.Errorf("loading stopped: %w", err)))
				return
			}
			var it vcr.Interaction
			if err := n.Load(&it, yaml.WithV3Defaults()); err != nil {
				if !yield(nil, capture.EntryError(path, i, fmt.Errorf("interaction at line %d: %w", n.Line, err))) {
					return
				}
				continue
			}
			ex, err := interactionExchange(path, i, &it, cfg.MaxBody)
			if err != nil {
				err = capture.EntryError(path, i, fmt.Errorf("interaction at line %d: %w", n.Line, err))
			}
			if !yield(ex, err) {
				return
			}
		}
	}
}

// cassetteFile is how a cassette is read whole.
var cassetteFile = whole.File{
	Kind:         "cassette",
	Empty:        "file is empty, not a go-vcr cassette",
	TooLargeNote: "; a cassette is parsed whole",
	Word:         "interactions",
}

var errNotCassette = errors.New("not a go-vcr cassette")

// cassetteInteractions parses a cassette and returns the YAML nodes of its interactions, after checking that it
// is a go-vcr cassette of the version go-vcr v4 reads.
func cassetteInteractions(data []byte) ([]*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if n, limit := expandedSize(&doc), aliasLimit(len(data)); n > limit {
		return nil, fmt.Errorf("YAML aliases expand the cassette past %s, the limit for a file of %s (%s): refused",
			capture.FormatSize(limit), capture.FormatSize(int64(len(data))), aliasRule)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf(`%w: the document is not a mapping with an "interactions" key`, errNotCassette)
	}
	var version, interactions *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "version":
			version = root.Content[i+1]
		case "interactions":
			interactions = root.Content[i+1]
		}
	}
	if interactions == nil {
		return nil, fmt.Errorf(`%w: no top-level "interactions" key`, errNotCassette)
	}
	if version == nil {
		return nil, fmt.Errorf(`cassette has no "version" (go-vcr v4 writes version %d)`, vcr.CassetteFormatVersion)
	}
	var v int
	if err := version.Load(&v, yaml.WithV3Defaults()); err != nil || v != vcr.CassetteFormatVersion {
		return nil, fmt.Errorf("%w: the cassette says version %s (line %d), go-vcr v4 reads version %d",
			vcr.ErrUnsupportedCassetteFormat, strconv.Quote(version.Value), version.Line, vcr.CassetteFormatVersion)
	}
	switch {
	case interactions.Kind == yaml.SequenceNode:
		return interactions.Content, nil
	case interactions.Kind == yaml.ScalarNode && interactions.ShortTag() == "!!null":
		return nil, nil
	}
	return nil, fmt.Errorf(`"interactions" at line %d is not a list`, interactions.Line)
}

// interactionExchange converts one go-vcr interaction.
func interactionExchange(file string, index int, it *vcr.Interaction, limit int64) (*capture.Exchange, error) {
	req, res := &it.Request, &it.Response
	switch {
	case req.Method == "" && req.URL == "":
		return nil, errors.New("interaction has no request")
	case req.Method == "":
		return nil, errors.New("request.method is missing")
	case req.URL == "":
		return nil, errors.New("request.url is missing")
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("request.url is not a URL: %w", err)
	}
	// The file itself is refused when over the limit, so this cannot trigger through ReadCassette today; it
	// keeps the per-body guarantee from depending on how the file is read.
	if n := int64(len(req.Body)); n > limit {
		return nil, capture.BodyTooLarge("request body", n, limit)
	}
	if n := int64(len(res.Body)); n > limit {
		return nil, capture.BodyTooLarge("response body", n, limit)
	}
	ex := &capture.Exchange{Source: file, Index: index, Method: req.Method, URL: u, RequestHeader: canonicalHeader(req.Headers)}
	if req.Body != "" {
		ex.RequestBody = []byte(req.Body)
	}
	if res.Code == 0 {
		return ex, nil
	}
	if res.Code < 100 || res.Code > 999 {
		return nil, fmt.Errorf("response.code %d is not an HTTP status code", res.Code)
	}
	ex.Status = res.Code
	ex.ResponseHeader = canonicalHeader(res.Headers)
	ex.Time = capture.DateHeader(ex.ResponseHeader) // go-vcr records no time of its own
	if res.Body != "" {
		ex.ResponseBody = []byte(res.Body)
	}
	return ex, nil
}

// canonicalHeader copies h with canonical keys: a hand-edited cassette may spell "content-type", which
// http.Header.Get would not find.
func canonicalHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	return out
}

// aliasRule says how far YAML aliases may expand a cassette: go-vcr writes none, and a reader that expands them
// (go-vcr and apikit both do) holds every expansion, so a small file with one anchor referenced many times
// would take many times its size.
const aliasRule = "4 times the file plus 1 MiB"

// aliasLimit is the most a cassette of size bytes may decode to, aliases expanded ([aliasRule]).
func aliasLimit(size int) int64 { return 4*int64(size) + 1<<20 }

// expandedSize is what the YAML tree n decodes to with every alias expanded, in bytes of scalars plus one per
// node, computed once per anchored node (the walk is linear in the tree, whatever the aliases). It stops
// counting past 1<<62; an alias to a node being counted (a cycle) counts as one node.
func expandedSize(n *yaml.Node) int64 {
	memo := map[*yaml.Node]int64{}
	var size func(n *yaml.Node) int64
	size = func(n *yaml.Node) int64 {
		if n == nil {
			return 0
		}
		if n.Kind == yaml.AliasNode {
			return 1 + size(n.Alias)
		}
		if n.Anchor != "" { // only an anchored node is the target of aliases
			if v, ok := memo[n]; ok {
				return v
			}
			memo[n] = 1 // in progress: a cycle counts as one node
		}
		total := 1 + int64(len(n.Value))
		for _, c := range n.Content {
			total += size(c)
			if total > 1<<62 {
				total = 1 << 62
			}
		}
		if n.Anchor != "" {
			memo[n] = total
		}
		return total
	}
	return size(n)
}
