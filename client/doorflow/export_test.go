package doorflow

import (
	"context"
	"time"
)

// SetSleep replaces the backoff sleep of c, so that retry tests record waits instead of waiting.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.doer.Sleep = sleep }

// SetClock replaces the clock c compares Retry-After dates and deadlines with.
func SetClock(c *Client, now func() time.Time) { c.doer.Now = now }
