package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// Console is the channel of `duban chat`. Each message typed goes through
// the inbox, the handler and the outbox as under serve, but at once and
// only the session's own: what the session queued is shown on the console
// and recorded as shown there (store.DeliveryConsole), never as delivered,
// while whatever was waiting before (WeCom's callbacks, reminders, replies
// not yet sent) is left for serve.
//
// Each card's buttons are shown with a key unique among the cards shown to
// that person, so an old card can still be clicked (Click) and is answered
// as WeCom would answer a click on it. A Console serves one goroutine.
type Console struct {
	st     *store.Store
	worker *Worker // for process: the handler with a timeout, panics caught
	w      io.Writer
	// Now is the clock of the recorded outcomes; time.Now unless replaced.
	Now func() time.Time

	mu      sync.Mutex // guards the ids the store told of
	inbox   []string   // inbox entries this session enqueued, not yet handled
	outbox  []string   // outbox entries this session queued, not yet shown
	unwatch []func()

	speaker string
	cards   map[string]map[string]shownCard // recipient → shown key → card
	shown   int                             // cards shown so far
}

// shownCard is a card as the console showed it: the card and, by shown
// key, the key its button sends.
type shownCard struct {
	card duban.Card
	key  string
	no   int // the card's place among those shown in the session
}

// NewConsole returns a console session on st, answering with handle and
// writing to w. Close it when the session ends.
func NewConsole(st *store.Store, handle HandleFunc, w io.Writer, logger *slog.Logger) *Console {
	c := &Console{st: st, worker: NewWorker(st, handle, logger), w: w, Now: time.Now, cards: map[string]map[string]shownCard{}}
	// Nothing else writes to the store while the console holds it, so the
	// entries committed from now on are the session's.
	c.unwatch = []func(){
		st.WatchInbox(func(ids []string) { c.told(&c.inbox, ids) }),
		st.WatchOutbox(func(ids []string) { c.told(&c.outbox, ids) }),
	}
	return c
}

func (c *Console) told(list *[]string, ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*list = append(*list, ids...)
}

func (c *Console) take(list *[]string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := *list
	*list = nil
	return ids
}

// Close ends the session. Entries it queued and could not show stay in the
// outbox.
func (c *Console) Close() {
	for _, stop := range c.unwatch {
		stop()
	}
}

// Say puts in (a message, or a click from Click) in the inbox, handles it,
// and shows what it produced, addressed as seen by in.From.
func (c *Console) Say(ctx context.Context, in duban.Inbound) error {
	c.speaker = in.From
	fresh, err := c.st.Enqueue(ctx, in, time.Hour)
	if err != nil {
		return err
	}
	if !fresh {
		return nil
	}
	for _, id := range c.take(&c.inbox) {
		e, err := c.st.InboxEntryByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := c.worker.process(ctx, e); err != nil {
			return err
		}
	}
	return c.show(ctx)
}

// show prints the entries the session queued and records each as shown.
func (c *Console) show(ctx context.Context) error {
	for _, id := range c.take(&c.outbox) {
		e, err := c.st.OutboxEntryByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := io.WriteString(c.w, c.render(e.Msg)); err != nil {
			return fmt.Errorf("write to console: %w", err)
		}
		d := store.Delivery{Status: store.DeliveryConsole, Parts: 1, At: c.Now()}
		if err := c.st.FinishOutgoing(ctx, e, d); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// render words one message as the console shows it: labelled with its
// recipient unless it is for the speaker, a card with its buttons.
func (c *Console) render(m duban.Outgoing) string {
	var b strings.Builder
	to := duban.CanonicalUserID(m.To)
	if to != duban.CanonicalUserID(c.speaker) {
		fmt.Fprintf(&b, "【发给 %s】\n", m.To)
	}
	switch {
	case m.CardUpdate != nil:
		fmt.Fprintf(&b, "（卡片已更新：%s）\n", m.CardUpdate.Note)
	case m.Card != nil:
		b.WriteString(m.Text + "\n")
		c.shown++
		if c.cards[to] == nil {
			c.cards[to] = map[string]shownCard{}
		}
		for _, btn := range m.Card.Buttons {
			shown := btn.Key
			if _, taken := c.cards[to][shown]; taken {
				shown = fmt.Sprintf("%s#%d", btn.Key, c.shown)
			}
			c.cards[to][shown] = shownCard{card: *m.Card, key: btn.Key, no: c.shown}
			fmt.Fprintf(&b, "[%s → /click %s] ", btn.Text, shown)
		}
		b.WriteString("\n")
	default:
		b.WriteString(m.Text + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// Click finds the button a person clicks with /click: the one shown to
// user as key, or else the only one shown to them whose key starts with
// key ("verify:T003" while a single card for T003 was shown). It returns
// the card and the key that button sends, or an error to show.
func (c *Console) Click(user, key string) (card duban.Card, sends string, err error) {
	shown := c.cards[duban.CanonicalUserID(user)]
	if sc, ok := shown[key]; ok {
		return sc.card, sc.key, nil
	}
	var matches []string
	for k := range shown {
		if strings.HasPrefix(k, key) {
			matches = append(matches, k)
		}
	}
	switch len(matches) {
	case 0:
		return duban.Card{}, "", fmt.Errorf("%s 没有收到过带 %s 按钮的卡片", user, key)
	case 1:
		sc := shown[matches[0]]
		return sc.card, sc.key, nil
	}
	slices.SortFunc(matches, func(a, b string) int { return shown[a].no - shown[b].no })
	return duban.Card{}, "", fmt.Errorf("%s 收到过 %d 张带 %s 按钮的卡片，请写出完整的键（按收到先后）：%s", user, len(matches), key, strings.Join(matches, "、"))
}
