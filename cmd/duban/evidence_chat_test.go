package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// From outside, with the fake WeCom: a contact reports 完成 and sends a
// photo; the group leader's 待销号 message counts one attachment; the
// leader gets the photo back with 附件; the export holds it byte for byte.
func TestServeEvidencePhotoEndToEnd(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	p := e.serve()
	img := image.NewRGBA(image.Rect(0, 0, 120, 90))
	for x := range 120 {
		img.Set(x, x*90/120, color.RGBA{R: 220, A: 255})
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	mediaID := e.fake.AddMedia("1G7WzBAy3KtVTfpyrzGvNRhD.jpg", "image/jpeg", photo.Bytes())

	p.mustAck(e.fake.NewTextCallback("zhaojie", "完成 T003 方案已经党组会通过，见照片", "8100000000000000001"))
	p.mustAck(e.fake.NewImageCallback("zhaojie", mediaID, "8100000000000000002"))
	replies := e.barrier(p, "zhaojie")
	if len(replies) < 2 || !strings.Contains(replies[1].Body(), "作为任务 T003") {
		t.Fatalf("zhaojie's replies:%s", describe(replies))
	}
	leader := e.barrier(p, "liujianhua")
	var counted bool
	for _, m := range leader {
		counted = counted || (strings.Contains(m.Body(), "【待销号·补充佐证材料】任务 T003") && strings.Contains(m.Body(), "佐证材料：1 件"))
	}
	if !counted {
		t.Fatalf("the leader's messages do not count the photo:%s", describe(leader))
	}

	p.mustAck(e.fake.NewTextCallback("liujianhua", "附件 T003", "8100000000000000003"))
	got := e.waitMessagesTo("liujianhua", len(leader)+3, 10*time.Second)
	var sent []byte
	for _, m := range got {
		if m.MsgType == "file" && m.File != nil {
			for _, u := range e.fake.Uploads() {
				if u.MediaID == m.File.MediaID {
					sent = u.Data
				}
			}
		}
	}
	if !bytes.Equal(sent, photo.Bytes()) {
		t.Fatalf("附件 T003 sent %d bytes back, want the photo's %d:%s", len(sent), photo.Len(), describe(got))
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("serve exit %d", code)
	}

	out := filepath.Join(e.dir, "台账.xlsx")
	if stdout, stderr, code := e.duban("export", "--config", e.cfgPath, out); code != 0 {
		t.Fatalf("export: %s %s", stdout, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "台账-附件", "T003", "*.jpg"))
	if len(files) != 1 {
		t.Fatalf("exported photos: %v", files)
	}
	if b, err := os.ReadFile(files[0]); err != nil || !bytes.Equal(b, photo.Bytes()) {
		t.Errorf("the exported photo differs: %d bytes, %v", len(b), err)
	}
}
