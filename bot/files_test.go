package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

// publishWithFiles publishes a bulletin with two documents to to.
func publishWithFiles(t *testing.T, st *store.Store, to ...string) (store.BulletinRecord, []store.BulletinFile) {
	t.Helper()
	files := []store.BulletinFile{
		{Name: "工作通报-2026年第1期.docx", Data: bytes.Repeat([]byte("PK\x03\x04docx"), 200)},
		{Name: "红黄灯清单-2026年第1期.xlsx", Data: bytes.Repeat([]byte("PK\x03\x04xlsx"), 100)},
	}
	rec, err := st.IssueBulletin(context.Background(), func(n store.BulletinNumber) (store.Issued, error) {
		return store.Issued{Text: "工作通报（2026年第1期）已发布：销号率 40.0%", Figures: map[string]int{"no": n.No}, Files: files}, nil
	}, store.Publication{To: to, By: "cli", At: time.Now(), Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	return rec, files
}

func TestSenderSendsArchivedDocumentsAsFiles(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	chat, err := newClient(t, fake, st, 2*time.Second).CreateChat(context.Background(), "改革督办群", "u1", []string{"u1", "u2"})
	if err != nil {
		t.Fatal(err)
	}
	_, files := publishWithFiles(t, st, "u1", "u2", duban.ChatRecipient(chat))
	startSender(t, fake, st, nil)
	if _, err := fake.WaitMessages(9, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "outbox drained", func() bool { return outboxLen(t, st) == 0 })
	for _, to := range []string{"u1", "u2", "chat:" + chat} {
		got := fake.MessagesTo(to)
		if len(got) != 3 || got[0].MsgType != "text" || !strings.HasPrefix(got[0].Body(), "工作通报（2026年第1期）") ||
			got[1].MsgType != "file" || got[2].MsgType != "file" || got[1].File == nil || got[2].File == nil {
			t.Fatalf("%s got %+v", to, got)
		}
	}
	// Each document was uploaded once, as a file, with its name and
	// bytes; every recipient got it by the same media_id.
	ups := fake.Uploads()
	if len(ups) != 2 {
		t.Fatalf("%d uploads, want one per document", len(ups))
	}
	byName := map[string]wecomtest.Upload{}
	for _, u := range ups {
		byName[u.Name] = u
		if u.Type != "file" {
			t.Errorf("upload %s as %s", u.Name, u.Type)
		}
	}
	for _, f := range files {
		u, ok := byName[f.Name]
		if !ok || !bytes.Equal(u.Data, f.Data) {
			t.Fatalf("document %s not uploaded as it is archived", f.Name)
		}
	}
	for _, to := range []string{"u1", "u2", "chat:" + chat} {
		got := fake.MessagesTo(to)
		if got[1].File.MediaID != byName[files[0].Name].MediaID || got[2].File.MediaID != byName[files[1].Name].MediaID {
			t.Errorf("%s got files %s, %s in the wrong order or by unknown ids", to, got[1].File.MediaID, got[2].File.MediaID)
		}
	}
	if m, err := st.CachedMedia(context.Background(), store.BulletinDocRef(1, files[0].Name).Key); err != nil || m.ID != byName[files[0].Name].MediaID {
		t.Errorf("cached media = %+v, %v", m, err)
	}
}

func TestSenderRetriesFailedUploads(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	fake.FailNext(2, -1) // the first upload answers "system busy", then a 502
	fake.FailNextHTTP(1, 502)
	ids := queue(t, st, store.FileMessage("u1", store.PreviewDocRef("p1", "工作通报-预览.docx")))
	if err := st.SavePreview(context.Background(), "p1", []store.BulletinFile{{Name: "工作通报-预览.docx", Data: []byte("PK\x03\x04 a preview")}}); err != nil {
		t.Fatal(err)
	}
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryDelivered || d.Failures != 3 {
		t.Fatalf("delivery %+v, want delivered after 3 failures", d)
	}
	if got := fake.MessagesTo("u1"); len(got) != 1 || got[0].MsgType != "file" || len(fake.Uploads()) != 1 {
		t.Fatalf("sent %+v, uploads %d", got, len(fake.Uploads()))
	}
}

func TestSenderFailsForGoodOnAMissingDocument(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	// A preview whose documents expired before it could be sent.
	ids := queue(t, st, store.FileMessage("u1", store.PreviewDocRef("gone", "工作通报-预览.docx")))
	startSender(t, fake, st, nil)
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryFailed || d.Error != CauseContent.Words() || d.Failures != 1 {
		t.Fatalf("delivery %+v", d)
	}
	if n := fake.SendRequests(); n != 0 || len(fake.Uploads()) != 0 {
		t.Errorf("WeCom called %d times for a missing document", n)
	}
}

func TestSenderUploadsAgainWhenWeComForgotTheFile(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	_, files := publishWithFiles(t, st, "u1")
	startSender(t, fake, st, nil)
	waitFor(t, "first delivery", func() bool { return outboxLen(t, st) == 0 })
	if len(fake.Uploads()) != 2 {
		t.Fatalf("%d uploads", len(fake.Uploads()))
	}
	// WeCom forgets uploads before the cache says so (a clock ahead, a
	// purge): the file message is refused with 40007 and the document
	// uploaded again, once.
	fake.ForgetUploads()
	ids := queue(t, st, store.FileMessage("u2", store.BulletinDocRef(1, files[0].Name)))
	d := delivery(t, st, ids[0])
	if d.Status != store.DeliveryDelivered || d.Failures != 0 {
		t.Fatalf("delivery %+v", d)
	}
	ups := fake.Uploads()
	got := fake.MessagesTo("u2")
	if len(ups) != 3 || len(got) != 1 || got[0].File.MediaID != ups[2].MediaID {
		t.Fatalf("uploads %d, sent %+v", len(ups), got)
	}
}

func TestFileUploadCachedForThreeDays(t *testing.T) {
	fake := wecomtest.New(t)
	st := newMemStore(t)
	now := time.Now()
	c, err := NewWeComClient(ClientConfig{APIBase: fake.URL, CorpID: fake.CorpID, AgentID: fake.AgentID, Secret: fake.Secret,
		Logger: quietLogger(), Now: func() time.Time { return now }}, st)
	if err != nil {
		t.Fatal(err)
	}
	_, files := publishWithFiles(t, st)
	m := store.FileMessage("u1", store.BulletinDocRef(1, files[0].Name))
	ctx := context.Background()
	for _, step := range []struct {
		after   time.Duration
		uploads int
	}{{0, 1}, {time.Hour, 1}, {69 * time.Hour, 1}, {2 * time.Hour, 2}} { // at 0, 1 h, 70 h, 72 h
		now = now.Add(step.after)
		if err := c.Deliver(ctx, m); err != nil {
			t.Fatal(err)
		}
		if n := len(fake.Uploads()); n != step.uploads {
			t.Fatalf("after +%v: %d uploads, want %d", step.after, n, step.uploads)
		}
	}
}
