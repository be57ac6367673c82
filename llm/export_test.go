package llm

import "time"

// SetBackoff shortens the first wait between retries in tests.
func SetBackoff(c *Client, d time.Duration) { c.wire.backoff = d }
