package web

// Decisions from a task's page: 销号, 驳回, 同意延期, 不同意延期. A decision
// is a message from the page's user to the conversation, exactly as chat
// would carry it: 销号 and 同意延期 as a click on a card naming the report or
// request the page showed (so the store refuses it if another one is
// pending by then), 驳回 and 不同意延期 as the text command with the
// reason, after checking the page still shows what is pending. It is
// written to the inbox first and completed with its replies in one
// transaction, as the inbox worker does, so a crash loses neither the
// decision nor the notices to the unit; whichever of the page and the
// worker completes it first queues the replies, the other adds nothing.

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

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
	if s.cfg.Handle == nil {
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
	ref := f.Get("ref")
	if ref == "" || t.PendingRef(act) != ref {
		again("页面已过期：页面上的" + what(act) + "已处理或有了新的" + what(act) + "，未做任何变更。请看下方当前情况后再办理。")
		return
	}
	note := strings.TrimSpace(f.Get("note"))
	in := duban.Inbound{Key: "web:" + nonce, From: viewer.UserID, At: s.now()}
	switch act {
	case duban.ActVerify, duban.ActApprove:
		in.Event, in.EventKey = "template_card_event", f.Get("act")+":"+t.ID+"@"+ref
	default:
		if note == "" {
			again(string(act) + "须写明理由，未做任何变更。")
			return
		}
		in.Text = string(act) + " " + t.ID + " " + strings.ReplaceAll(note, "\n", " ")
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
	flash, err := s.complete(r, in)
	if err != nil {
		s.cfg.Log.Error("web decision", "key", in.Key, "err", err)
		flash = []string{"已提交，正在处理；结果将通过企业微信消息告知。"}
	}
	s.cfg.Log.Info("web decision", "user", viewer.UserID, "task", t.ID, "action", act)
	s.showTask(w, r, viewer, sess, t.ID, http.StatusOK, flash)
}

// complete handles in (already in the inbox) through the conversation and
// queues its replies; it returns the replies to the page's user.
func (s *Server) complete(r *http.Request, in duban.Inbound) ([]string, error) {
	ctx := r.Context()
	e, err := s.cfg.Store.InboxEntryOf(ctx, in.Key)
	if errors.Is(err, store.ErrNotFound) {
		return []string{"已提交，结果已通过企业微信消息告知。"}, nil // the worker was quicker
	}
	if err != nil {
		return nil, err
	}
	replies, err := s.cfg.Handle(ctx, in)
	if err != nil {
		return nil, err // left in the inbox: the worker handles it (and apologises)
	}
	if _, err := s.cfg.Store.CompleteInbound(ctx, e.ID, replies, s.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var mine []string
	for _, o := range replies {
		if duban.CanonicalUserID(o.To) == duban.CanonicalUserID(in.From) && o.CardUpdate == nil {
			mine = append(mine, o.Text)
		}
	}
	return mine, nil
}

func what(a duban.Action) string {
	if a == duban.ActApprove || a == duban.ActRefuse {
		return "延期申请"
	}
	return "报送"
}
