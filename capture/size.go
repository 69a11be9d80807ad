package capture

import "strconv"

// FormatSize renders a byte count for messages: "300 MiB", "1.5 KiB", "17 bytes".
func FormatSize(n int64) string {
	const (
		kib = 1 << 10
		mib = 1 << 20
		gib = 1 << 30
	)
	unit := func(size int64, name string) string {
		if n%size == 0 {
			return strconv.FormatInt(n/size, 10) + " " + name
		}
		return strconv.FormatFloat(float64(n)/float64(size), 'f', 1, 64) + " " + name
	}
	switch {
	case n >= gib:
		return unit(gib, "GiB")
	case n >= mib:
		return unit(mib, "MiB")
	case n >= kib:
		return unit(kib, "KiB")
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
