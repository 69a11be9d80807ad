package capture

// DefaultMaxBody is the largest request or response body a source accepts unless [WithMaxBody] says otherwise.
const DefaultMaxBody int64 = 256 << 20

// Option configures a source.
type Option func(*Config)

// Config is what the options set; sources read it through [NewConfig].
type Config struct {
	// MaxBody is the largest body, in bytes after any transfer decoding, that a source accepts.
	MaxBody int64
}

// WithMaxBody sets the largest body, in bytes after base64 decoding, that a source accepts (default
// [DefaultMaxBody], 256 MiB). A larger body is a [*LoadError] naming the file and entry, never a silent pass.
// n <= 0 restores the default.
func WithMaxBody(n int64) Option {
	return func(c *Config) {
		if n <= 0 {
			n = DefaultMaxBody
		}
		c.MaxBody = n
	}
}

// NewConfig applies opts to the defaults.
func NewConfig(opts []Option) *Config {
	c := &Config{MaxBody: DefaultMaxBody}
	for _, o := range opts {
		o(c)
	}
	return c
}
