package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// storeBulletins previews and publishes bulletins through the real store,
// so numbering is the store's.
type storeBulletins struct {
	fakeReminders
	st       *store.Store
	previews int
}

func (r *storeBulletins) PreviewBulletin(_ context.Context, now time.Time) (BulletinPreview, error) {
	r.previews++
	return BulletinPreview{
		Summary: "工作通报（预览，未编号）\n截至 " + now.Format("2006年1月2日") + "，2 个单位共 3 项任务。",
		Files: []store.BulletinFile{{Name: "工作通报-预览.docx", Data: []byte("PK docx preview")},
			{Name: "红黄灯清单-预览.xlsx", Data: []byte("PK xlsx preview")}},
		Recipients: 2,
	}, nil
}

func (r *storeBulletins) PublishBulletin(ctx context.Context, by duban.Person, msgKey string, _ []byte, now time.Time) (string, error) {
	rec, err := r.st.IssueBulletin(ctx, func(n store.BulletinNumber) (store.Issued, error) {
		return store.Issued{Text: fmt.Sprintf("工作通报（第%d期）", n.Issue), Figures: n.No,
			Files: []store.BulletinFile{{Name: "工作通报.docx", Data: []byte("PK docx")}}}, nil
	}, store.Publication{To: []string{"admin", "wang"}, By: by.UserID, MsgKey: msgKey, At: now})
	if err != nil {
		return "", err
	}
	return "已发布" + rec.Label() + "工作通报。", nil
}

func bulletinHandler(t *testing.T) (*Handler, *storeBulletins) {
	t.Helper()
	h := newHandler(t)
	r := &storeBulletins{st: h.Store}
	h.Reminders = r
	return h, r
}

func published(t *testing.T, st *store.Store) int {
	t.Helper()
	n, err := st.NextBulletinNo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n - 1
}

func TestBulletinPreviewToRequesterAloneChangesNothing(t *testing.T) {
	h, _ := bulletinHandler(t)
	ctx := context.Background()
	out := say(t, h, "admin", "通报")
	for _, o := range out {
		if o.To != "admin" {
			t.Fatalf("a preview reached %s: %+v", o.To, o)
		}
	}
	if len(out) != 3 || out[0].File == nil || out[1].File == nil || out[2].Card == nil {
		t.Fatalf("preview = %+v, want two files then the summary with buttons", out)
	}
	for i, name := range []string{"工作通报-预览.docx", "红黄灯清单-预览.xlsx"} {
		data, err := h.Store.Document(ctx, *out[i].File)
		if out[i].File.Name != name || err != nil || !strings.HasPrefix(string(data), "PK") {
			t.Fatalf("preview file %d = %+v: %q %v", i, out[i].File, data, err)
		}
	}
	if s := out[2].Text; !strings.Contains(s, "预览，未编号") || !strings.Contains(s, "回复「确认」发布") || !strings.Contains(s, "共 2 个接收方") {
		t.Fatalf("summary %q", s)
	}
	if n := published(t, h.Store); n != 0 {
		t.Fatalf("a preview published %d bulletins", n)
	}
	if all, _ := h.Store.Bulletins(ctx); len(all) != 0 {
		t.Fatalf("a preview archived %d bulletins", len(all))
	}
	// 取消 drops it; nothing was published, and no task's history moved.
	must(t, say(t, h, "admin", "取消"), "admin", "已取消：发布工作通报", "未做任何变更")
	must(t, say(t, h, "admin", "确认"), "admin", "没有待确认的变更")
	if n := published(t, h.Store); n != 0 {
		t.Fatalf("published %d after 取消", n)
	}
}

func TestBulletinConfirmPublishesOnce(t *testing.T) {
	h, r := bulletinHandler(t)
	ctx := context.Background()
	say(t, h, "wang", "通报") // a group leader may
	msgSeq++
	confirm := duban.Inbound{Key: fmt.Sprintf("msg:confirm%d", msgSeq), From: "wang", At: clock, Text: "确认"}
	out, err := h.Handle(ctx, confirm)
	if err != nil {
		t.Fatal(err)
	}
	must(t, out, "wang", "已发布第1期工作通报")
	if n := published(t, h.Store); n != 1 {
		t.Fatalf("published %d", n)
	}
	// The same 确认 reprocessed after a crash, and another 确认, publish
	// nothing new.
	if _, err := h.Handle(ctx, confirm); err != nil {
		t.Fatal(err)
	}
	must(t, say(t, h, "wang", "确认"), "wang", "没有待确认的变更")
	if n := published(t, h.Store); n != 1 {
		t.Fatalf("one 确认 published %d bulletins", n)
	}
	// A crash after publishing but before the proposal was dropped: the
	// next 确认 of the same preview finds it published.
	out = say(t, h, "admin", "通报")
	id := strings.TrimPrefix(out[len(out)-1].Card.Buttons[0].Key, "confirm:")
	p, err := h.Store.Proposal(ctx, "admin")
	if err != nil || p.ID != id {
		t.Fatalf("proposal %+v %v", p, err)
	}
	if _, err := r.PublishBulletin(ctx, duban.Person{UserID: "admin"}, "preview:"+p.MsgKey, nil, clock); err != nil {
		t.Fatal(err)
	}
	must(t, click(t, h, "admin", "confirm:"+id), "admin", "已发布第2期工作通报")
	if n := published(t, h.Store); n != 2 {
		t.Fatalf("a preview confirmed after a crash published %d bulletins in all, want 2", n)
	}
	if r.previews != 2 {
		t.Errorf("%d previews computed", r.previews)
	}
}

func TestBulletinRefusedToUnitPeople(t *testing.T) {
	h, r := bulletinHandler(t)
	must(t, say(t, h, "lilei", "通报"), "lilei", "只有编办和督办组长可以发布工作通报")
	if _, err := h.Store.Proposal(context.Background(), "lilei"); err == nil || r.previews != 0 {
		t.Fatal("a refused 通报 left a proposal or computed a preview")
	}
}
