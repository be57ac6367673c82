package main

import (
	"strings"
	"testing"
	"time"
)

// Under serve, against the fake WeCom: 通报 previews to its requester alone
// (the two documents uploaded and sent as files, then the summary card);
// 确认 sends each recipient one short message and the published documents,
// each uploaded once for all of them.
func TestServeBulletinPreviewAndPublishAsFiles(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()

	p.mustAck(e.fake.NewTextCallback("lixiaodong", "通报", "7300000000000000101"))
	preview := e.barrier(p, "lixiaodong")
	if len(preview) != 3 || preview[0].MsgType != "file" || preview[1].MsgType != "file" || preview[2].MsgType != "template_card" {
		t.Fatalf("preview:%s", describe(preview))
	}
	ups := e.fake.Uploads()
	if len(ups) != 2 || !strings.HasSuffix(ups[0].Name, "-预览.docx") || !strings.HasSuffix(ups[1].Name, "-预览.xlsx") {
		t.Fatalf("preview uploads %d", len(ups))
	}
	if got := e.fake.MessagesTo("liujianhua"); len(got) != 0 {
		t.Fatalf("a preview reached a group leader:%s", describe(got))
	}

	p.mustAck(e.fake.NewTextCallback("lixiaodong", "确认", "7300000000000000102"))
	got := e.waitMessagesTo("liujianhua", 3, 20*time.Second)
	if got[0].MsgType != "text" || !strings.HasPrefix(got[0].Body(), "工作通报（") || !strings.Contains(got[0].Body(), "年第1期）") ||
		len(got[0].Body()) > 1024 || got[1].MsgType != "file" || got[2].MsgType != "file" {
		t.Fatalf("a group leader got:%s", describe(got))
	}
	// Once everyone has theirs, each published document was uploaded once.
	got = e.waitMessagesTo("chenzhiqiang", 3, 20*time.Second)
	if got[1].File == nil || got[1].File.MediaID != e.fake.MessagesTo("liujianhua")[1].File.MediaID {
		t.Errorf("recipients got the document by different uploads:%s", describe(got))
	}
	ups = e.fake.Uploads()
	if len(ups) != 4 {
		t.Fatalf("%d uploads in all, want the two previews and the two published documents", len(ups))
	}
	for _, u := range ups[2:] {
		if !strings.Contains(u.Name, "年第1期.") {
			t.Errorf("published upload named %q", u.Name)
		}
	}
	published := false
	for _, m := range e.barrier(p, "lixiaodong") {
		published = published || strings.HasPrefix(m.Body(), "已发布工作通报（")
	}
	if !published {
		t.Error("the publisher was not told the bulletin was published")
	}
}
