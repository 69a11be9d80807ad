package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// parseInterspersed parses flags that may stand before, between or after the positional arguments
// (`apikit validate examples/ --format json`), which the flag package alone does not allow.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// byteSize is a flag value such as 256MiB, 10MB, 1048576.
type byteSize int64

// String prints the size as Set reads it, in the largest binary unit that divides it ("256MiB"), so that the
// flag's help says its default once and readably.
func (b *byteSize) String() string {
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// plural says "1 exchange", "2 exchanges".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func (b *byteSize) Set(s string) error {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive size such as 256MiB or 1048576")
	}
	*b = byteSize(n * mult)
	return nil
}

// baseURLs is a repeatable vendor=URL flag.
type baseURLs [][2]string

func (b *baseURLs) String() string { return fmt.Sprint(*b) }

func (b *baseURLs) Set(s string) error {
	vendor, u, ok := strings.Cut(s, "=")
	if !ok || vendor == "" || u == "" {
		return fmt.Errorf("want VENDOR=URL, such as doorflow=https://staging.doorflow.example")
	}
	*b = append(*b, [2]string{vendor, u})
	return nil
}
