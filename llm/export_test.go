package llm

import "time"

// SetEmbedBackoff shortens the wait between embedding retries in tests.
func SetEmbedBackoff(c *Client, d time.Duration) { c.embedBackoff = d }
