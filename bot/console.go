package bot

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/duban-org/duban"
)

// ConsoleDeliverer writes outgoing messages to W, for `duban chat`. Cards
// are shown as their text followed by their buttons.
type ConsoleDeliverer struct {
	mu sync.Mutex
	W  io.Writer
}

// Deliver implements Deliverer.
func (c *ConsoleDeliverer) Deliver(_ context.Context, m duban.Outgoing) error {
	var b strings.Builder
	switch {
	case m.CardUpdate != nil:
		fmt.Fprintf(&b, "（卡片已更新：%s）\n", m.CardUpdate.Note)
	case m.Card != nil:
		b.WriteString(m.Text)
		b.WriteString("\n")
		for _, btn := range m.Card.Buttons {
			fmt.Fprintf(&b, "[%s] ", btn.Text)
		}
		b.WriteString("\n")
	default:
		b.WriteString(m.Text)
		b.WriteString("\n")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.W, b.String()); err != nil {
		return Permanent(fmt.Errorf("write to console: %w", err))
	}
	return nil
}
