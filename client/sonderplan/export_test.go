package sonderplan

import (
	"context"
	"time"
)

// SetSleep replaces the backoff sleep of c, so that retry tests record waits instead of waiting.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.doer.Sleep = sleep }
