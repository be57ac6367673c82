package bot

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/store"
)

func evidenceStore(t *testing.T) *store.Store {
	t.Helper()
	st := newMemStore(t)
	l := duban.Ledger{
		Units:  []duban.Unit{{Code: "DQ01", Name: "市委办公室", Group: "党群组"}},
		People: []duban.Person{{UserID: "zhaojie", Name: "赵杰", Posts: []duban.Post{{Role: duban.RoleContact, Scope: "DQ01"}}}},
		Tasks:  []duban.Task{{ID: "T003", Unit: "DQ01", Title: "内设机构调整到位", Deadline: duban.NewDate(2026, 12, 28)}},
	}
	if _, err := st.Import(context.Background(), l, "import", time.Now()); err != nil {
		t.Fatal(err)
	}
	return st
}

func jpegPhoto(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 32, 24)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func attach(t *testing.T, st *store.Store, name string, content []byte) duban.Attachment {
	t.Helper()
	a, err := st.Attach(context.Background(), duban.Attachment{Task: "T003", Name: name, By: "zhaojie", At: time.Now()}, bytes.NewReader(content), 0)
	if err != nil {
		t.Fatal(err)
	}
	return a.Attachment
}

// A message carrying an attachment reaches WeCom as the file itself: a
// photo as an image message, a document as a file message, byte for byte.
func TestSenderDeliversAttachments(t *testing.T) {
	fake := wecomtest.New(t)
	st := evidenceStore(t)
	photo := jpegPhoto(t)
	pdf, err := os.ReadFile("../testdata/evidence/minutes.pdf")
	if err != nil {
		t.Fatal(err)
	}
	a1 := attach(t, st, "", photo)
	a2 := attach(t, st, "党组会纪要.pdf", pdf)
	client := newClient(t, fake, st, 2*time.Second)
	s := NewSender(st, WithAttachments(client, client, st), quietLogger())
	s.MinBackoff, s.MaxBackoff, s.Poll = 10*time.Millisecond, 50*time.Millisecond, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	fake.ExpireTokens() // the upload renews the token
	ids := queue(t, st,
		duban.Outgoing{To: "liujianhua", Text: "【附件】" + a1.Name, Attachment: a1.ID},
		duban.Outgoing{To: "liujianhua", Text: "【附件】" + a2.Name, Attachment: a2.ID},
		duban.Outgoing{To: "liujianhua", Text: "【附件】不存在", Attachment: "NOSUCHID"},
	)
	msgs, err := fake.WaitMessages(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		kind    string
		content []byte
		name    string
	}{{"image", photo, a1.Name}, {"file", pdf, "党组会纪要.pdf"}} {
		ref := msgs[i].File
		if want.kind == "image" {
			ref = msgs[i].Image
		}
		var f wecomtest.Upload
		for _, u := range fake.Uploads() {
			if ref != nil && u.MediaID == ref.MediaID {
				f = u
			}
		}
		if msgs[i].MsgType != want.kind || !bytes.Equal(f.Data, want.content) || f.Name != want.name {
			t.Errorf("message %d: %s %s, uploaded %q %d bytes", i, msgs[i].MsgType, msgs[i].Raw, f.Name, len(f.Data))
		}
	}
	waitFor(t, "the unknown attachment given up", func() bool {
		return delivery(t, st, ids[2]).Status == store.DeliveryFailed
	})
}
