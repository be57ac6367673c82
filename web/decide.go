package web

// Decisions from a task's page: 销号, 驳回, 同意延期, 不同意延期. A decision
// is a message from the page's user, written to the inbox and handled by
// serve's inbox worker exactly as chat is: 销号 and 同意延期 as a click on a
// card naming the report or request the page showed (so it is refused if
// another one is pending by then), 驳回 and 不同意延期 as the text command
// with the reason, after checking the page still shows what is pending (a
// report imported as 已报完成 has no name: it is decided by the text command).
// The same rules, history, replies and notices as chat follow, in the
// sender's order, and a crash loses nothing. The page waits briefly for the
// worker and shows what the history recorded for the message.

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// decisionVerbs maps a form's act to the domain's action and the card
// button verb (handlers/card.go) that asks for it.
var decisionVerbs = map[string]duban.Action{
	"verify": duban.ActVerify, "reject": duban.ActReject,
	"approve": duban.ActApprove, "refuse": duban.ActRefuse,
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, viewer duban.Person, sess session) {
	ctx := r.Context()
	if !s.cfg.Decisions {
		s.message(w, http.StatusForbidden, "本地预览为只读", "本地预览不能办理，未做任何变更。")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "请求无效", "表单无法读取，未做任何变更。")
		return
	}
	f := r.PostForm
	if sess.CSRF == "" || subtle.ConstantTimeCompare([]byte(f.Get("csrf")), []byte(sess.CSRF)) != 1 {
		s.message(w, http.StatusForbidden, "请求无效", "页面已过期或请求不是从本页发出的，未做任何变更。请刷新页面后再办理。")
		return
	}
	act, ok := decisionVerbs[f.Get("act")]
	nonce := f.Get("nonce")
	if !ok || len(nonce) != 32 {
		s.message(w, http.StatusBadRequest, "请求无效", "不支持的操作，未做任何变更。")
		return
	}
	t, u, ok := s.visibleTask(w, r, viewer, f.Get("id"))
	if !ok {
		return
	}
	again := func(msg string) { s.showTask(w, r, viewer, sess, t.ID, http.StatusConflict, []string{msg}) }
	if !viewer.CanSupervise(u) {
		s.notFound(w)
		return
	}
	ref, pending := f.Get("ref"), t.PendingRef(act)
	// A report or request made before they were named (imported as 已报完成,
	// or from an earlier version) has no ref: the text command decides it.
	unnamed := pending == "" && ref == "" && ((act == duban.ActVerify || act == duban.ActReject) && t.Status == duban.StatusReported ||
		(act == duban.ActApprove || act == duban.ActRefuse) && t.Extension != nil)
	if !unnamed && (ref == "" || pending != ref) {
		again("页面已过期：页面上的" + what(act) + "已处理或有了新的" + what(act) + "，未做任何变更。请看下方当前情况后再办理。")
		return
	}
	note := strings.Join(strings.Fields(f.Get("note")), " ")
	in := duban.Inbound{Key: "web:" + nonce, From: viewer.UserID, At: s.now()}
	switch {
	case (act == duban.ActReject || act == duban.ActRefuse) && note == "":
		again(string(act) + "须写明理由，未做任何变更。")
		return
	case (act == duban.ActVerify || act == duban.ActApprove) && !unnamed:
		in.Event, in.EventKey = "template_card_event", f.Get("act")+":"+t.ID+"@"+ref
	default:
		in.Text = strings.TrimSpace(string(act) + " " + t.ID + " " + note)
	}
	fresh, err := s.cfg.Store.Enqueue(ctx, in, 0)
	if err != nil {
		s.internal(w, "enqueue decision", err)
		return
	}
	if !fresh {
		again("这项办理已经提交过，不再重复办理。")
		return
	}
	flash, err := s.outcome(r, in, t.ID)
	if err != nil {
		s.internal(w, "decision outcome", err)
		return
	}
	s.cfg.Log.Info("web decision", "user", viewer.UserID, "task", t.ID, "action", act)
	s.showTask(w, r, viewer, sess, t.ID, http.StatusOK, flash)
}

// decisionWait bounds how long a page waits for the worker to handle a
// decision before saying it is in hand: well inside serve's 10 s write
// timeout.
const decisionWait = 5 * time.Second

// outcome waits for the worker to handle in and says what the history of
// task id recorded for it.
func (s *Server) outcome(r *http.Request, in duban.Inbound, id string) ([]string, error) {
	ctx := r.Context()
	deadline := time.Now().Add(decisionWait)
	for {
		_, err := s.cfg.Store.InboxEntryOf(ctx, in.Key)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			return []string{"已提交，正在处理；结果将通过企业微信消息告知。"}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	hist, err := s.cfg.Store.History(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range hist {
		switch {
		case c.MsgID != in.Key:
		case c.Action == duban.ActDenied:
			out = append(out, "未办理："+c.Note)
		default:
			out = append(out, "已办理："+c.Describe()+"。已通知该单位。")
		}
	}
	if len(out) == 0 {
		out = []string{"已提交，处理结果已通过企业微信消息告知。"}
	}
	return out, nil
}

func what(a duban.Action) string {
	if a == duban.ActApprove || a == duban.ActRefuse {
		return "延期申请"
	}
	return "报送"
}
