package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot"
	"github.com/duban-org/duban/config"
)

// newLogger builds the log of [log]: text or JSON on w, at its level, which
// a set DUBAN_LOG_LEVEL overrides.
func newLogger(w io.Writer, c config.Log, envLevel string) *slog.Logger {
	var level slog.Level
	if level.UnmarshalText([]byte(envLevel)) != nil {
		level = slog.LevelInfo
		level.UnmarshalText([]byte(c.Level)) // checked by config
	}
	o := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// loggedHandler logs one line per message handled, naming it by its key
// and sender; its text and the replies' only with [log] debug_bodies.
func loggedHandler(log *slog.Logger, bodies bool, h bot.HandleFunc) bot.HandleFunc {
	return func(ctx context.Context, in duban.Inbound) ([]duban.Outgoing, error) {
		start := time.Now()
		out, err := h(ctx, in)
		kind := "text"
		if in.Event != "" {
			kind = in.Event
		}
		if err != nil {
			log.Warn("message handled with an error", "key", in.Key, "from", in.From, "kind", kind, "err", err)
		} else {
			log.Info("message handled", "key", in.Key, "from", in.From, "kind", kind, "replies", len(out), "took", time.Since(start).Round(time.Millisecond))
		}
		if bodies {
			log.Debug("message body", "key", in.Key, "text", in.Text, "event_key", in.EventKey)
			for _, o := range out {
				log.Debug("reply body", "key", in.Key, "to", o.To, "text", o.Text)
			}
		}
		return out, err
	}
}

// loggedDeliverer logs one line per message WeCom took (the sender logs
// failures), with its text only with [log] debug_bodies.
type loggedDeliverer struct {
	next   bot.Deliverer
	log    *slog.Logger
	bodies bool
}

func (d loggedDeliverer) Deliver(ctx context.Context, m duban.Outgoing) error {
	err := d.next.Deliver(ctx, m)
	if err == nil {
		d.log.Info("message sent", "to", m.To, "card", m.Card != nil, "card_update", m.CardUpdate != nil, "notices", len(m.NoticeKeys), "bytes", len(m.Text))
		if d.bodies {
			d.log.Debug("sent body", "to", m.To, "text", m.Text)
		}
	}
	return err
}

// withoutBodies is log for a package whose debug lines quote what people or
// the model wrote (llm): those lines are dropped unless [log] debug_bodies.
func withoutBodies(log *slog.Logger, bodies bool) *slog.Logger {
	if bodies {
		return log
	}
	return slog.New(infoAndAbove{log.Handler()})
}

type infoAndAbove struct{ slog.Handler }

func (h infoAndAbove) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo && h.Handler.Enabled(ctx, l)
}

func (h infoAndAbove) WithAttrs(as []slog.Attr) slog.Handler {
	return infoAndAbove{h.Handler.WithAttrs(as)}
}

func (h infoAndAbove) WithGroup(name string) slog.Handler {
	return infoAndAbove{h.Handler.WithGroup(name)}
}
