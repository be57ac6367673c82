package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// storeLetters drafts a letter for U01 and U02 and issues them through the
// real store, so numbering and the one-a-day rule are the store's.
type storeLetters struct {
	storeBulletins
}

var letterUnits = []struct{ code, name, head string }{{"U01", "市财政局", "hanmei"}, {"U02", "市委办公室", "zhao"}}

func (r *storeLetters) LetterDrafts(ctx context.Context, now time.Time) ([]LetterDraft, error) {
	issued, err := r.st.Letters(ctx)
	if err != nil {
		return nil, err
	}
	var out []LetterDraft
	for _, u := range letterUnits {
		if slices.ContainsFunc(issued, func(l store.LetterRecord) bool { return l.Unit == u.code && duban.DateOf(l.At) == duban.DateOf(now) }) {
			continue
		}
		out = append(out, LetterDraft{Unit: u.code, Name: u.name, Summary: "致" + u.name + "：逾期任务 1 项",
			File: store.BulletinFile{Name: "专函督办-" + u.name + ".docx", Data: []byte("PK draft " + u.code)}})
	}
	return out, nil
}

func (r *storeLetters) IssueLetter(ctx context.Context, by duban.Person, unit string, now time.Time) (string, error) {
	i := slices.IndexFunc(letterUnits, func(u struct{ code, name, head string }) bool { return u.code == unit })
	u := letterUnits[i]
	rec, err := r.st.IssueLetter(ctx, now.Year(), unit, duban.DateOf(now), func(no int) (store.LetterIssue, error) {
		number := fmt.Sprintf("咸编办函〔%d〕%d号", now.Year(), no)
		return store.LetterIssue{Record: store.LetterRecord{Number: number, Name: u.name, File: "专函督办-" + u.name + ".docx"},
			Doc: []byte("PK " + number), Text: "【专函督办】" + number}, nil
	}, []string{u.head}, by.UserID, now)
	if errors.Is(err, store.ErrLetterIssued) {
		return "", duban.Errorf(duban.EINVALID, "%s今天已发出专函。", u.name)
	}
	if err != nil {
		return "", err
	}
	return "已发出专函督办 " + rec.Number + "（" + u.name + "）。", nil
}

func letterHandler(t *testing.T) *Handler {
	t.Helper()
	h := newHandler(t)
	h.Reminders = &storeLetters{storeBulletins{st: h.Store}}
	return h
}

func lettersIssued(t *testing.T, st *store.Store) []store.LetterRecord {
	t.Helper()
	all, err := st.Letters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestLettersPreviewEachDraftThenSendOrDiscard(t *testing.T) {
	h := letterHandler(t)
	ctx := context.Background()
	out := say(t, h, "admin", "专函")
	if len(out) != 2 || out[0].File == nil || out[1].Card == nil || len(to(out, "admin")) != 2 {
		t.Fatalf("preview = %+v, want the draft's file and its summary to admin alone", out)
	}
	if data, err := h.Store.Document(ctx, *out[0].File); err != nil || string(data) != "PK draft U01" {
		t.Fatalf("draft document %q %v", data, err)
	}
	must(t, out[1:], "admin", "尚有 2 件待处理", "致市财政局", "回复「确认」发出", "回复「取消」不发此函")
	if n := len(lettersIssued(t, h.Store)); n != 0 {
		t.Fatalf("a preview issued %d letters", n)
	}
	// 取消 discards this draft and shows the next.
	out = say(t, h, "admin", "取消")
	must(t, out, "admin", "已取消：向市财政局发出专函督办", "未做任何变更")
	if len(out) != 3 || out[1].File == nil || out[1].File.Name != "专函督办-市委办公室.docx" || !strings.Contains(out[2].Text, "致市委办公室") {
		t.Fatalf("after 取消: %+v", out)
	}
	// 确认 (here the card's button) issues it: 文号, archive, notice and file to the 一把手.
	id := strings.TrimPrefix(out[2].Card.Buttons[0].Key, "confirm:")
	out = click(t, h, "admin", "confirm:"+id)
	must(t, out, "admin", "已发出专函督办 咸编办函〔2017〕1号（市委办公室）")
	if !slices.ContainsFunc(out, func(o duban.Outgoing) bool { return strings.Contains(o.Text, "专函草稿已逐件处理完毕") }) {
		t.Errorf("the walk did not end: %+v", out)
	}
	issued := lettersIssued(t, h.Store)
	if len(issued) != 1 || issued[0].Unit != "U02" || issued[0].By != "admin" {
		t.Fatalf("issued %+v", issued)
	}
	queued, err := h.Store.PendingOutgoing(ctx, 0)
	if err != nil || len(queued) != 2 || queued[0].Msg.To != "zhao" || queued[1].Msg.File == nil ||
		*queued[1].Msg.File != store.LetterDocRef(2017, 1, "专函督办-市委办公室.docx") {
		t.Fatalf("queued %+v %v", queued, err)
	}
	// A new walk skips the unit that had its letter today; the same 确认
	// twice issues one letter.
	out = say(t, h, "admin", "督办函")
	must(t, out[1:], "admin", "尚有 1 件待处理", "致市财政局")
	msgSeq++
	confirm := duban.Inbound{Key: fmt.Sprintf("msg:letter%d", msgSeq), From: "admin", At: clock, Text: "确认"}
	for range 2 {
		if _, err := h.Handle(ctx, confirm); err != nil {
			t.Fatal(err)
		}
	}
	if issued := lettersIssued(t, h.Store); len(issued) != 2 || issued[1].Number != "咸编办函〔2017〕2号" {
		t.Fatalf("issued %+v", issued)
	}
	must(t, say(t, h, "admin", "专函"), "admin", "目前没有需要专函督办的单位")
}

func TestLettersOnlyForTheOffice(t *testing.T) {
	h := letterHandler(t)
	for _, who := range []string{"lilei", "hanmei", "wang"} {
		must(t, say(t, h, who, "专函"), who, "只有编办可以发出专函督办")
		if _, err := h.Store.Proposal(context.Background(), who); err == nil {
			t.Fatalf("%s's refused 专函 left a proposal", who)
		}
	}
}
