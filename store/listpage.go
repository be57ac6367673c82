package store

// Paged lists: when a reply shows one page of a long list (任务 红 第1页),
// the list and the page wait here, so the sender's 下一页 continues it; and
// the tasks or units the reply numbered, so that 第3项 names one of them.
//
//	listpage/<userid>  ListPage  at most one per person, expires after the TTL

import (
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/duban-org/duban"
)

// ListPage is the last page of a list a sender was shown.
type ListPage struct {
	Query  string    `json:"query"` // the list as a command without its page: 任务 江城组 红
	Page   int       `json:"page"`  // the page shown, from 1
	Pages  int       `json:"pages"` // how many pages the list had then
	MsgKey string    `json:"msg"`   // the message that showed it
	At     time.Time `json:"at"`
	// Tasks or Units are the ids or codes of the items the reply numbered,
	// in order, the first numbered First (a page of at most a few dozen).
	Tasks []string `json:"tasks,omitempty"`
	Units []string `json:"units,omitempty"`
	First int      `json:"first,omitempty"`
	// Several is set when one reply showed more than one numbered list:
	// a number then names an item of none of them.
	Several bool `json:"several,omitempty"`
}

func listPageKey(userid string) []byte { return keyPath("listpage/", duban.CanonicalUserID(userid)) }

// SetListPage stores p as the last page userid was shown, for ttl,
// replacing any earlier one.
func (s *Store) SetListPage(ctx context.Context, userid string, p ListPage, ttl time.Duration) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		b, err := jsonBytes(p)
		if err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(listPageKey(userid), b).WithTTL(ttl))
	})
	if err != nil {
		return fmt.Errorf("store list page of %s: %w", userid, err)
	}
	return nil
}

// ListPage returns the last page userid was shown, or ErrNotFound.
func (s *Store) ListPage(ctx context.Context, userid string) (ListPage, error) {
	var p ListPage
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, listPageKey(userid), &p) })
	if err != nil {
		return p, fmt.Errorf("list page of %s: %w", userid, err)
	}
	return p, nil
}
