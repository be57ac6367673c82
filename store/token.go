package store

// WeCom access tokens, cached across restarts so a restart does not spend one
// of the corp's daily gettoken calls.
//
//	wecom/token/<name>   AccessToken (JSON)   token and its expiry

import (
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const prefixWeComToken = "wecom/token/"

// AccessToken is a cached WeCom access_token.
type AccessToken struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// AccessToken returns the token cached under name (e.g. corp id and agent
// id), or ErrNotFound. The caller checks Expires.
func (s *Store) AccessToken(ctx context.Context, name string) (AccessToken, error) {
	var t AccessToken
	err := s.view(ctx, func(txn *badger.Txn) error {
		return getJSON(txn, []byte(prefixWeComToken+name), &t)
	})
	if err != nil {
		return AccessToken{}, fmt.Errorf("cached access token %s: %w", name, err)
	}
	return t, nil
}

// SaveAccessToken caches t under name.
func (s *Store) SaveAccessToken(ctx context.Context, name string, t AccessToken) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		return putJSON(txn, []byte(prefixWeComToken+name), t)
	})
	if err != nil {
		return fmt.Errorf("cache access token %s: %w", name, err)
	}
	return nil
}

// DeleteAccessToken forgets the token cached under name, if it is still
// token, so a token another process just refreshed is not thrown away.
func (s *Store) DeleteAccessToken(ctx context.Context, name, token string) error {
	k := []byte(prefixWeComToken + name)
	err := s.update(ctx, func(txn *badger.Txn) error {
		var t AccessToken
		if err := getJSON(txn, k, &t); err != nil {
			return nil // absent or unreadable: nothing to keep
		}
		if t.Token != token {
			return nil
		}
		return txn.Delete(k)
	})
	if err != nil {
		return fmt.Errorf("forget access token %s: %w", name, err)
	}
	return nil
}
