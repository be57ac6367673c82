package bot

import (
	"context"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
)

func TestGroupChatDelivery(t *testing.T) {
	fake := wecomtest.New(t)
	st := openStore(t, t.TempDir())
	c, err := NewWeComClient(ClientConfig{APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret}, st)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateChat(ctx, "改革督办群", "wang", []string{"wang"}); err == nil {
		t.Fatal("a chat of one member was created")
	}
	id, err := c.CreateChat(ctx, "改革督办群", "wang", []string{"wang", "li"})
	if err != nil || id == "" {
		t.Fatalf("create chat: %q %v", id, err)
	}
	if err := c.Deliver(ctx, duban.Outgoing{To: duban.ChatRecipient(id), Text: "工作通报（第1期）"}); err != nil {
		t.Fatal(err)
	}
	got := fake.MessagesTo("chat:" + id)
	if len(got) != 1 || got[0].Body() != "工作通报（第1期）" {
		t.Fatalf("chat got %+v", got)
	}
	err = c.Deliver(ctx, duban.Outgoing{To: duban.ChatRecipient("nochat"), Text: "x"})
	if err == nil || Retryable(err) {
		t.Fatalf("a send to an unknown chat: %v (retryable %v)", err, Retryable(err))
	}
}
