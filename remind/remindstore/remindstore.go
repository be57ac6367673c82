// Package remindstore keeps the reminder planner's records in the store:
// the ledger of sent notices (remind.NoticeLog) and published bulletins. It
// is the one place that knows both packages, so the store depends on the
// domain alone and the planner on nothing that does I/O.
package remindstore

import (
	"context"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/store"
)

// NoticeLog is the store's notice ledger seen as a remind.NoticeLog.
type NoticeLog struct{ Store *store.Store }

// Unsent returns the notices not recorded yet, in order: from the notice
// index once it is built (a task it holds nothing of costs no key), else,
// and where the index cannot tell, from Badger.
func (l NoticeLog) Unsent(ctx context.Context, notices []remind.Notice) ([]remind.Notice, error) {
	recorded := make([]bool, len(notices))
	var ask []int // what the index cannot tell
	if lk := l.Store.NoticeLookup(); lk == nil {
		ask = make([]int, len(notices))
		for i := range ask {
			ask[i] = i
		}
	} else {
		var key []byte
		for i := range notices {
			n := &notices[i]
			if !lk.Any(n.TaskID) && !lk.Dropped() {
				continue
			}
			key = n.AppendKey(key[:0])
			var known bool
			if recorded[i], known = lk.Lookup(key); !known {
				ask = append(ask, i)
			}
		}
	}
	if len(ask) > 0 {
		read, err := l.Store.Recorded(ctx, len(ask), func(buf []byte, j int) []byte { return notices[ask[j]].AppendKey(buf) })
		if err != nil {
			return nil, err
		}
		for j, r := range read {
			recorded[ask[j]] = r
		}
	}
	unsent := 0
	for _, r := range recorded {
		if !r {
			unsent++
		}
	}
	switch unsent {
	case 0:
		return nil, nil
	case len(notices):
		return notices, nil
	}
	out := make([]remind.Notice, 0, unsent)
	for i, n := range notices {
		if !recorded[i] {
			out = append(out, n)
		}
	}
	return out, nil
}

// SentBefore returns the notice index's knowledge of what was sent, for
// the planner; nil until the index is built (store.Store.Warm).
func (l NoticeLog) SentBefore() remind.Sent {
	lk := l.Store.NoticeLookup()
	if lk == nil {
		return nil
	}
	return &sentLookup{lookup: lk}
}

// sentLookup asks the notice index about one pass's notices, task by task.
type sentLookup struct {
	lookup *store.NoticeLookup
	key    []byte
}

func (s *sentLookup) SentTo(n *remind.Notice, to []string) uint64 {
	if !s.lookup.Any(n.TaskID) {
		return 0 // nothing about the task: no key need be made
	}
	m := *n
	var mask uint64
	for i, id := range to[:min(len(to), 64)] {
		m.To = id
		s.key = m.AppendKey(s.key[:0])
		if s.lookup.RecordedRest(s.key[len(m.TaskID)+1:]) {
			mask |= 1 << i
		}
	}
	return mask
}

// RecordNotices records each message's notices and queues the message,
// atomically per message (see store.Store.RecordNotices).
func (l NoticeLog) RecordNotices(ctx context.Context, notices []remind.Notice, msgs []duban.Outgoing, at time.Time) (int, error) {
	records := make(map[string]store.NoticeRecord, len(notices))
	for _, n := range notices {
		records[n.Key()] = store.NoticeRecord{TaskID: n.TaskID, Stage: string(n.Stage), To: n.To, Role: n.Role,
			Deadline: n.Deadline, Unit: n.Unit.Code}
	}
	return l.Store.RecordNotices(ctx, msgs, records, at)
}

// Publish numbers, renders, archives and queues bulletin b to every
// recipient in to, in one transaction; msgKey (the chat message asking for
// it, "" for none) makes a repeat of that message publish nothing new.
func Publish(ctx context.Context, st *store.Store, b remind.Bulletin, to []string, by, msgKey string, at time.Time) (store.BulletinRecord, error) {
	return st.PublishBulletin(ctx, func(no int) (string, any, error) {
		b.No = no
		return remind.Render(b), b, nil
	}, to, by, msgKey, at)
}
