package handlers

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban"
)

// fakeMedia is WeCom's media/get as the handler sees it.
type fakeMedia struct {
	files map[string][]byte
	names map[string]string
	err   error
	calls int
}

func (f *fakeMedia) FetchMedia(_ context.Context, id string) (string, []byte, error) {
	f.calls++
	if f.err != nil {
		return "", nil, f.err
	}
	b, ok := f.files[id]
	if !ok {
		return "", nil, duban.Errorf(duban.EINVALID, "企业微信已取不到这个文件，未保存。请重新发送。")
	}
	return f.names[id], b, nil
}

func photoBytes(t *testing.T, shade uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 16, 12))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func evidenceHandler(t *testing.T) (*Handler, *fakeMedia) {
	h := newHandler(t)
	pdf, err := os.ReadFile("../testdata/evidence/minutes.pdf")
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeMedia{
		files: map[string][]byte{"P1": photoBytes(t, 10), "P2": photoBytes(t, 200), "F1": pdf, "X1": []byte("MZ\x90\x00 not a document at all")},
		names: map[string]string{"P1": "P1.jpg", "P2": "P2.jpg", "F1": "党组会纪要.pdf", "X1": "setup.exe"},
	}
	h.Media, h.AttachmentsPerTask = m, 100<<20
	now := clock
	h.Now = func() time.Time { now = now.Add(time.Minute); return now }
	return h, m
}

func send(t *testing.T, h *Handler, from, msgType, mediaID string) []duban.Outgoing {
	t.Helper()
	msgSeq++
	out, err := h.Handle(context.Background(), duban.Inbound{Key: "msg:m" + string(rune('a'+msgSeq)) + from, From: from, At: clock,
		MsgType: msgType, MediaID: mediaID, PicURL: "https://wework.qpic.cn/x/" + mediaID})
	if err != nil {
		t.Fatalf("%s sends %s %s: %v", from, msgType, mediaID, err)
	}
	return out
}

// 完成 T001, then a photo: attached to T001; the leader's 待销号 notice of
// the next report counts it; 记录 lists it; 附件 sends it back as a file.
func TestPhotoAfterReportIsAttached(t *testing.T) {
	h, _ := evidenceHandler(t)
	out := say(t, h, "lilei", "完成 T001 方案已报编办")
	must(t, out, "wang", "【待销号】", "佐证材料：无。")
	out = send(t, h, "lilei", "image", "P1")
	must(t, out, "lilei", "作为任务 T001", "的佐证材料保存（该任务现有 1 件）")
	must(t, out, "wang", "【待销号·补充佐证材料】任务 T001", "李雷（联络员）补充了「图片-", "佐证材料：1 件")
	list, err := h.Store.Attachments(context.Background(), "T001")
	if err != nil || len(list) != 1 || list[0].Type != "image/jpeg" || !strings.HasPrefix(list[0].Name, "图片-") || list[0].By != "lilei" {
		t.Fatalf("T001's attachments: %+v %v", list, err)
	}
	// The same photo again is not stored twice.
	out = send(t, h, "lilei", "image", "P1")
	must(t, out, "lilei", "此前已是任务 T001 的佐证材料，未重复保存")

	out = say(t, h, "wang", "驳回 T001 未附党组会纪要")
	must(t, out, "lilei", "【驳回】")
	must(t, send(t, h, "lilei", "file", "F1"), "lilei", "报送完成时请回复「完成 T001 说明」")
	out = say(t, h, "lilei", "完成 T001 已补党组会纪要")
	notice := must(t, out, "wang", "【待销号】", "佐证材料：2 件", "驳回后新增 1 件：党组会纪要.pdf", "回复「附件 T001」查看")
	if notice.Card == nil || notice.Card.Fields[len(notice.Card.Fields)-1] != (duban.Field{Label: "佐证材料", Value: "2 件"}) {
		t.Errorf("card: %+v", notice.Card)
	}
	must(t, say(t, h, "wang", "记录 T001"), "wang", "佐证材料（2 件", "李雷（联络员） 上传「党组会纪要.pdf」")
	h.TaskPage = func(id string) string { return "https://duban.example.cn/ledger/task?id=" + id }
	must(t, say(t, h, "wang", "记录 T001"), "wang", "回复「附件 T001」查看，或在网页查看：https://duban.example.cn/ledger/task?id=T001）")

	out = say(t, h, "wang", "附件 T001")
	if files := to(out, "wang"); len(files) != 3 || files[1].File == nil || files[1].File.Key != "attachment/"+list[0].ID || files[2].File == nil {
		t.Fatalf("附件 T001: %+v", out)
	}
	// Only the unit, its group leader and 编办 may see them.
	must(t, say(t, h, "zhao", "附件 T001"), "zhao", "无权查看")
}

// A photo first: held, the bot asks which task; the answer files it.
func TestPhotoBeforeTheTaskIsNamed(t *testing.T) {
	h, _ := evidenceHandler(t)
	out := send(t, h, "hanmei", "image", "P2")
	must(t, out, "hanmei", "这是哪项任务的佐证材料？", "1. T001", "2. T002")
	if list, _ := h.Store.Attachments(context.Background(), "T002"); len(list) != 0 {
		t.Fatal("attached before the answer")
	}
	out = say(t, h, "hanmei", "2")
	must(t, out, "hanmei", "作为任务 T002")
	// The answer is remembered: the next photo goes to T002 too.
	must(t, send(t, h, "hanmei", "image", "P1"), "hanmei", "作为任务 T002", "现有 2 件")

	// Photo, then the report naming the task: attached before the notice.
	h2, _ := evidenceHandler(t)
	send(t, h2, "lilei", "file", "F1")
	out = say(t, h2, "lilei", "完成 T002 见附件")
	must(t, out, "lilei", "作为任务 T002")
	must(t, out, "wang", "【待销号】", "佐证材料：1 件（党组会纪要.pdf）")

	// 取消 drops what was held.
	h3, _ := evidenceHandler(t)
	send(t, h3, "lilei", "image", "P1")
	must(t, say(t, h3, "lilei", "取消"), "lilei", "已取消")
	if held, _ := h3.Store.Held(context.Background(), "lilei"); len(held) != 0 {
		t.Errorf("still held: %+v", held)
	}
}

func TestEvidenceRefusals(t *testing.T) {
	h, m := evidenceHandler(t)
	// Voice, video, location: what is accepted.
	for _, typ := range []string{"voice", "video", "location", "link"} {
		must(t, send(t, h, "lilei", typ, ""), "lilei", "语音、视频、位置和链接无法处理")
	}
	// A group leader is not a unit's contact.
	must(t, send(t, h, "wang", "image", "P1"), "wang", "由单位的联络员或一把手上传")
	// Another unit's task, remembered from an answer that is refused.
	send(t, h, "zhao", "image", "P1")
	must(t, say(t, h, "zhao", "T001"), "zhao", "不是该单位的联络员或一把手")
	// Not a document.
	say(t, h, "lilei", "进展 T001 正在起草")
	must(t, send(t, h, "lilei", "file", "X1"), "lilei", "不是可接受的佐证材料")
	// Expired at WeCom.
	must(t, send(t, h, "lilei", "image", "GONE"), "lilei", "企业微信已取不到这个文件")
	// WeCom down: nothing stored, asked to send again.
	m.err = context.DeadlineExceeded
	must(t, send(t, h, "lilei", "image", "P2"), "lilei", "暂时无法从企业微信取回这张图片，未保存")
	if list, _ := h.Store.Attachments(context.Background(), "T001"); len(list) != 0 {
		t.Errorf("refusals attached %+v", list)
	}
	// Without a fetcher (duban chat) photos are refused plainly.
	h.Media = nil
	must(t, send(t, h, "lilei", "image", "P1"), "lilei", "无法取回图片和文件")
}

// A photo message handled again after a crash answers as the first time,
// and the task still has one attachment.
func TestPhotoHandledAgainAnswersTheSame(t *testing.T) {
	h, _ := evidenceHandler(t)
	say(t, h, "lilei", "完成 T001 方案已报编办")
	in := duban.Inbound{Key: "msg:photo-once", From: "lilei", At: clock, MsgType: "image", MediaID: "P1"}
	first, err := h.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(again) || len(first) != 2 || first[0].Text != again[0].Text || first[1].To != "wang" || again[1].To != "wang" {
		t.Fatalf("first %+v\nagain %+v", first, again)
	}
	if list, _ := h.Store.Attachments(context.Background(), "T001"); len(list) != 1 {
		t.Errorf("%d attachments", len(list))
	}
}

func FuzzAttachmentsCommand(f *testing.F) {
	for _, s := range []string{"附件 T003", "附件T003", "查看附件：T003", "佐证材料 t-3", "附件", "附件 方案", "T003 附件", "看看T003的佐证材料", "的附件"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := isAttachmentsCommand(s); ok && !isTaskID(id) {
			t.Errorf("%q → %q", s, id)
		}
	})
}
