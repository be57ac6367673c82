package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

func TestUserIDFromCode(t *testing.T) {
	fake := wecomtest.New(t)
	now := time.Now()
	fake.Now = func() time.Time { return now }
	c, err := NewWeComClient(ClientConfig{APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret, Logger: quietLogger()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	code := fake.IssueCode("LiLei")
	if got, err := c.UserIDFromCode(ctx, code); err != nil || got != "LiLei" {
		t.Fatalf("fresh code: %q, %v", got, err)
	}
	if _, err := c.UserIDFromCode(ctx, code); !errors.Is(err, ErrBadCode) {
		t.Errorf("replayed code: %v, want ErrBadCode", err)
	}
	if _, err := c.UserIDFromCode(ctx, "forged"); !errors.Is(err, ErrBadCode) {
		t.Errorf("unknown code: %v, want ErrBadCode", err)
	}
	old := fake.IssueCode("LiLei")
	now = now.Add(wecomtest.CodeLifetime + time.Second)
	if _, err := c.UserIDFromCode(ctx, old); !errors.Is(err, ErrBadCode) {
		t.Errorf("expired code: %v, want ErrBadCode", err)
	}
	if _, err := c.UserIDFromCode(ctx, fake.IssueCode("")); !errors.Is(err, ErrNotMember) {
		t.Errorf("someone outside the corp: %v, want ErrNotMember", err)
	}
	// An expired access token is renewed once and the exchange repeated.
	fake.ExpireTokens()
	before := fake.TokenRequests()
	if got, err := c.UserIDFromCode(ctx, fake.IssueCode("wang")); err != nil || got != "wang" {
		t.Errorf("after the token expired: %q, %v", got, err)
	}
	if fake.TokenRequests() != before+1 {
		t.Errorf("%d token requests, want one more", fake.TokenRequests()-before)
	}
}
