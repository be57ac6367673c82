package web

// Evidence (佐证材料) on a task's page: the unit's contact or head uploads
// PDF, Word, Excel or image files (at most 20 MB each, and Config's total
// per task); images are shown on the page, files offered for download —
// to the unit, its group leader and 编办 only. An attachment's id is
// random, and one of a task the viewer may not see is not found.

import (
	"crypto/subtle"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// evidenceRow is one attachment as the task page shows it.
type evidenceRow struct {
	ID, Name, Size, Who string
	At                  time.Time
	Image               bool
}

// evidenceOf returns the task's attachments for its page, newest first.
func (s *Server) evidenceOf(r *http.Request, t duban.Task, u duban.Unit, n names) ([]evidenceRow, error) {
	list, err := s.cfg.Store.Attachments(r.Context(), t.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]evidenceRow, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		a := list[i]
		rows = append(rows, evidenceRow{ID: a.ID, Name: a.Name, Size: duban.SizeText(a.Size), Who: n.withRoles(a.By, u), At: a.At, Image: a.IsImage()})
	}
	return rows, nil
}

// mayUpload reports whether viewer reports for unit u: its head or contact.
func mayUpload(viewer duban.Person, u duban.Unit) bool {
	return viewer.Has(duban.RoleHead, u.Code) || viewer.Has(duban.RoleContact, u.Code)
}

// attach stores a file uploaded to a task's page.
func (s *Server) attach(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	if !s.cfg.Decisions {
		s.message(w, http.StatusForbidden, "本地预览为只读", "本地预览不能上传，未保存。")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, duban.MaxAttachmentBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			s.message(w, http.StatusRequestEntityTooLarge, "文件过大", "文件超过 20 MB，未保存。请压缩或拆分后再上传。")
			return
		}
		s.message(w, http.StatusBadRequest, "请求无效", "上传的内容无法读取，未保存。")
		return
	}
	defer r.MultipartForm.RemoveAll()
	f := r.MultipartForm.Value
	first := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if sess.CSRF == "" || subtle.ConstantTimeCompare([]byte(first("csrf")), []byte(sess.CSRF)) != 1 {
		s.message(w, http.StatusForbidden, "请求无效", "页面已过期或请求不是从本页发出的，未保存。请刷新页面后再上传。")
		return
	}
	t, u, ok := s.visibleTask(w, r, viewer, first("id"))
	if !ok {
		return
	}
	again := func(status int, msg string) { s.showTask(w, r, viewer, sess, t.ID, status, []string{msg}) }
	if !mayUpload(viewer, u) {
		again(http.StatusForbidden, "佐证材料由"+u.Name+"的联络员或一把手上传，未保存。")
		return
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		again(http.StatusBadRequest, "请选择要上传的文件。")
		return
	}
	var said, added []string
	status := http.StatusOK
	for _, fh := range files {
		msg, id, err := s.attachOne(r, t, viewer, fh)
		if id != "" {
			added = append(added, id)
		}
		if err != nil {
			if duban.ErrorCode(err) == duban.EINTERNAL {
				s.internal(w, "attach", err)
				return
			}
			status = http.StatusBadRequest
			msg = duban.ErrorMessage(err)
		}
		said = append(said, msg)
	}
	switch {
	case first("report") != "":
		said = append(said, s.reportWithUpload(r, t, viewer, status == http.StatusOK, first("nonce"), first("note"))...)
	case t.Status == duban.StatusReported && len(added) > 0:
		// Whoever verifies the pending report hears of it, as of a photo
		// sent in chat: through the worker, which words and sends it.
		in := duban.Inbound{Key: "web:evidence:" + added[0], From: viewer.UserID, At: s.now(),
			MsgType: duban.MsgTypeEvidenceAdded, EventKey: t.ID, Text: strings.Join(added, " ")}
		if _, err := s.cfg.Store.Enqueue(r.Context(), in, 0); err != nil {
			s.cfg.Log.Error("enqueue evidence notice", "task", t.ID, "err", err)
		} else {
			said = append(said, "已通知负责对账销号的人员。")
		}
	}
	s.showTask(w, r, viewer, sess, t.ID, status, said)
}

// reportWithUpload sends 完成 with the note, as chat would, once the files
// are stored: through serve's inbox worker, like a decision, so the 待销号
// notice counts them.
func (s *Server) reportWithUpload(r *http.Request, t duban.Task, viewer duban.Person, stored bool, nonce, note string) []string {
	if !stored {
		return []string{"因有文件未保存，未报送完成。请处理后再报送。"}
	}
	if len(nonce) != 32 {
		return []string{"页面已过期，未报送完成。请刷新页面后再报送。"}
	}
	note = strings.Join(strings.Fields(note), " ")
	if note == "" {
		note = "见佐证材料"
	}
	in := duban.Inbound{Key: "web:" + nonce, From: viewer.UserID, At: s.now(), Text: "完成 " + t.ID + " " + note}
	fresh, err := s.cfg.Store.Enqueue(r.Context(), in, 0)
	if err != nil {
		s.cfg.Log.Error("enqueue report", "err", err)
		return []string{"报送未能提交，请稍后在企业微信中回复「完成 " + t.ID + " 说明」。"}
	}
	if !fresh {
		return []string{"这次报送已经提交过，不再重复报送。"}
	}
	flash, err := s.outcome(r, in, t.ID)
	if err != nil {
		s.cfg.Log.Error("report outcome", "err", err)
		return []string{"报送已提交，结果将通过企业微信消息告知。"}
	}
	return flash
}

func (s *Server) attachOne(r *http.Request, t duban.Task, viewer duban.Person, fh *multipart.FileHeader) (msg, newID string, err error) {
	file, err := fh.Open()
	if err != nil {
		return "", "", duban.Errorf(duban.EINVALID, "「%s」无法读取，未保存。", fh.Filename)
	}
	defer file.Close()
	a := duban.Attachment{Task: t.ID, Name: fh.Filename, By: viewer.UserID, At: s.now(), Via: duban.AttachedViaWeb}
	if duban.SanitizeName(fh.Filename) == "" {
		return "", "", duban.Errorf(duban.EINVALID, "文件没有名称，未保存。")
	}
	res, err := s.cfg.Store.Attach(r.Context(), a, file, s.cfg.AttachmentsPerTask)
	if err != nil {
		return "", "", err
	}
	if res.Again {
		return "「" + res.Name + "」此前已上传，未重复保存。", "", nil
	}
	return "已保存「" + res.Name + "」（" + duban.SizeText(res.Size) + "）为佐证材料。", res.ID, nil
}

// attachment serves one attachment's content to those who may see its
// task: images inline when asked, everything else as a download.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, viewer duban.Person, _ session) {
	ctx := r.Context()
	a, err := s.cfg.Store.Attachment(ctx, r.URL.Query().Get("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w)
		return
	}
	if err != nil {
		s.internal(w, "attachment", err)
		return
	}
	if _, _, ok := s.visibleTask(w, r, viewer, a.Task); !ok {
		return
	}
	disposition := "attachment"
	if a.IsImage() && r.URL.Query().Get("inline") != "" {
		disposition = "inline"
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Type", a.Type)
	h.Set("Content-Disposition", disposition+"; filename*=UTF-8''"+strings.ReplaceAll(url.QueryEscape(a.Name), "+", "%20"))
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	if err := s.cfg.Store.WriteAttachment(ctx, a, w); err != nil {
		s.cfg.Log.Error("serve attachment", "id", a.ID, "err", err)
	}
}
