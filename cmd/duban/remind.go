package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/handlers"
	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/report"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["remind"] = command{"立即（或按 --now 指定时刻）执行一轮提醒；--dry-run 只打印，不发送也不记录", runRemind}
}

func runRemind(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "remind", "")
	dryRun := fs.Bool("dry-run", false, "只打印将要发送的内容，不发送也不记录")
	nowFlag := fs.String("now", "", "按此时刻计划（2026-11-26 09:00、RFC 3339，或只写日期，按 send_at 时刻）")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, err := openAppAt(ctx, e, *cfgPath, *dryRun)
	if err != nil {
		return err
	}
	defer a.Close()
	now, err := a.at(*nowFlag)
	if err != nil {
		return err
	}
	r, err := a.runner(ctx)
	if err != nil {
		return err
	}
	var res remind.Result
	if *dryRun {
		res, err = r.DryRun(ctx, now)
	} else {
		res, err = r.RunOnce(ctx, now)
	}
	if err != nil {
		return err
	}
	if err := writeResult(e.stdout, res, a.loc); err != nil {
		return err
	}
	if !*dryRun {
		fmt.Fprintf(e.stdout, "已将 %d 条消息放入发件箱，由 duban serve 发送。\n", res.Queued)
	}
	return nil
}

// bulletin computes a bulletin from the ledger, framed by the LLM when one
// is configured (client may be nil).
func (a *app) bulletin(ctx context.Context, now time.Time, client *llm.Client) (remind.Bulletin, error) {
	l, err := a.st.Snapshot(ctx)
	if err != nil {
		return remind.Bulletin{}, err
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return remind.Bulletin{}, err
	}
	b := remind.ComputeBulletin(l, a.remind, cal, now)
	if client.CanChat() {
		if err := remind.Frame(ctx, client, &b); err != nil {
			a.e.log.Warn("bulletin framing skipped", "err", err)
		}
	}
	return b, nil
}

// reminders is the conversation's access to acknowledgements, the evidence
// trail and bulletins.
type reminders struct{ a *app }

func (r *reminders) Acknowledge(ctx context.Context, userid, taskID string, at time.Time) (int, error) {
	if taskID == "" {
		return r.a.st.AckAll(ctx, userid, at)
	}
	err := r.a.st.Ack(ctx, taskID, userid, at)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

func (r *reminders) Evidence(ctx context.Context, taskID string) ([]string, error) {
	recs, err := r.a.st.NoticesOf(ctx, taskID)
	if err != nil {
		return nil, err
	}
	released, err := r.a.st.ReleasedNotices(ctx, taskID)
	if err != nil {
		return nil, err
	}
	recs = append(recs, released...)
	slices.SortStableFunc(recs, func(a, b store.NoticeRecord) int { return a.Queued.Compare(b.Queued) })
	// Only the people the notices went to, not every person (a province has tens of thousands).
	names := map[string]string{}
	for _, n := range recs {
		id := duban.CanonicalUserID(n.To)
		if _, looked := names[id]; looked {
			continue
		}
		p, err := r.a.st.Person(ctx, n.To)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		names[id] = p.Name
	}
	lines := make([]string, len(recs))
	for i, n := range recs {
		who := names[duban.CanonicalUserID(n.To)]
		if who == "" {
			who = n.To
		}
		s := fmt.Sprintf("%s %s → %s（%s）", n.Queued.In(r.a.loc).Format("2006-01-02 15:04"), stageWords(n.Stage, int(n.Deadline-duban.DateOf(n.Queued.In(r.a.loc)))), who, n.Role)
		switch {
		case n.Delivery == nil:
			s += "｜待发送"
		case n.Delivery.Status == store.DeliveryDelivered:
			s += "｜已送达 " + n.Delivery.At.In(r.a.loc).Format("01-02 15:04")
		case n.Delivery.Status == store.DeliveryConsole:
			s += "｜控制台显示 " + n.Delivery.At.In(r.a.loc).Format("01-02 15:04") + "（未发送到企业微信）"
		case n.Delivery.Status == store.DeliveryUncertain:
			s += "｜" + n.Delivery.Error
		default:
			s += "｜发送失败：" + n.Delivery.Error
		}
		if !n.AckedAt.IsZero() {
			s += "｜已确认收到 " + n.AckedAt.In(r.a.loc).Format("01-02 15:04")
		}
		lines[i] = s
	}
	return lines, nil
}

func (r *reminders) PreviewBulletin(ctx context.Context, now time.Time) (handlers.BulletinPreview, error) {
	b, change, files, err := r.a.previewBulletin(ctx, now)
	if err != nil {
		return handlers.BulletinPreview{}, err
	}
	l, err := r.a.st.Snapshot(ctx)
	if err != nil {
		return handlers.BulletinPreview{}, err
	}
	figures, err := json.Marshal(b)
	if err != nil {
		return handlers.BulletinPreview{}, fmt.Errorf("keep the previewed figures: %w", err)
	}
	return handlers.BulletinPreview{Summary: remind.Headline(b, change), Files: files,
		Recipients: len(remind.BulletinRecipients(l, r.a.remind)), Figures: figures}, nil
}

func (r *reminders) PublishBulletin(ctx context.Context, by duban.Person, msgKey string, figures []byte, now time.Time) (string, error) {
	var previewed remind.Bulletin
	if err := json.Unmarshal(figures, &previewed); err != nil {
		return "", fmt.Errorf("read the previewed figures: %w", err)
	}
	rec, err := r.a.publishBulletin(ctx, by.UserID, msgKey, &previewed, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("已发布工作通报（%s），发送给编办和督办组长共 %d 个接收方。", rec.Label(), len(rec.To)), nil
}

func (r *reminders) LetterDrafts(ctx context.Context, now time.Time) ([]handlers.LetterDraft, error) {
	b, err := r.a.bulletin(ctx, now, nil)
	if err != nil {
		return nil, err
	}
	letters, _, err := r.a.lagging(ctx, b)
	if err != nil {
		return nil, err
	}
	issued, err := r.a.st.Letters(ctx)
	if err != nil {
		return nil, err
	}
	var out []handlers.LetterDraft
	for _, lt := range letters {
		if slices.ContainsFunc(issued, func(rec store.LetterRecord) bool {
			return rec.Unit == lt.Unit.Code && duban.DateOf(rec.At.In(r.a.loc)) == b.Today
		}) {
			continue // one letter a unit a day
		}
		lt.Number = report.LetterNumber(r.a.cfg.Office.LetterPrefix, b.At.Year(), 0)
		doc, err := report.LetterDocx(r.a.office(), lt)
		if err != nil {
			return nil, err
		}
		head := "一把手" + lt.Head
		if lt.Head == "" {
			head = "联络员（台账未载一把手）"
		}
		summary := fmt.Sprintf("致%s%s：逾期任务 %d 项，最长逾期 %d 个工作日（%s %s），请于%s前书面报送办理情况。",
			lt.Unit.Name, head, len(lt.Tasks), lt.Tasks[0].WorkdaysOverdue, lt.Tasks[0].TaskID, lt.Tasks[0].Title,
			lt.ReplyBy.Time(r.a.loc).Format("2006年1月2日"))
		out = append(out, handlers.LetterDraft{Unit: lt.Unit.Code, Name: lt.Unit.Name, Summary: summary,
			File: store.BulletinFile{Name: lt.FileName(), Data: doc}})
	}
	return out, nil
}

func (r *reminders) IssueLetter(ctx context.Context, by duban.Person, unit string, now time.Time) (string, error) {
	if err := r.a.roomToWrite(ctx); err != nil {
		return "", err
	}
	b, err := r.a.bulletin(ctx, now, nil)
	if err != nil {
		return "", err
	}
	letters, l, err := r.a.lagging(ctx, b)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(letters, func(lt report.Letter) bool { return lt.Unit.Code == unit })
	if i < 0 {
		return "", duban.Errorf(duban.EINVALID, "%s已不在专函督办之列（逾期任务已办结、延期或逾期未满 %d 个工作日），未发出。", unit, r.a.remind.LetterAfterWorkdays)
	}
	lt := letters[i]
	to := r.a.letterRecipients(l, lt)
	if len(to) == 0 {
		return "", duban.Errorf(duban.EINVALID, "台账未载%s的一把手或联络员，专函无人可送，未发出。", lt.Unit.Name)
	}
	rec, _, err := r.a.issueLetter(ctx, b, lt, to, by.UserID)
	if errors.Is(err, store.ErrLetterIssued) {
		return "", duban.Errorf(duban.EINVALID, "%s今天已发出专函，一个单位一天只发一件，未重复发出。", lt.Unit.Name)
	}
	if err != nil {
		return "", err
	}
	names := make([]string, len(to))
	for i, u := range to {
		names[i] = u
		if p, err := r.a.st.Person(ctx, u); err == nil {
			names[i] = p.Name
		}
	}
	return fmt.Sprintf("已发出专函督办 %s（%s），通知和函件已发送给%s。", rec.Number, lt.Unit.Name, strings.Join(names, "、")), nil
}

// stageWords names a reminder stage as people read it in 记录. A before-N
// reminder is named by daysLeft, the days it actually went ahead of the
// deadline: a step sent late (the task came in after its day, or duban was
// down) or moved back to a working day keeps its key, so it is sent once,
// but says what it was.
func stageWords(stage string, daysLeft int) string {
	s := remind.Stage(stage)
	switch {
	case s.IsBefore():
		if daysLeft <= 0 {
			return "提前" + strings.TrimPrefix(stage, "before-") + "天提醒"
		}
		return "提前" + strconv.Itoa(daysLeft) + "天提醒"
	case s == remind.StageDue:
		return "到期提醒"
	case s.IsOverdue():
		return "逾期第" + strings.TrimPrefix(stage, "overdue-") + "个工作日提醒"
	case s == remind.StageEscalate:
		return "升级至督办组长"
	case s == remind.StageLetter:
		return "专函督办"
	case s == remind.StageVerify:
		return "待销号提醒"
	case s == remind.StageCalendar:
		return "放假安排提醒"
	}
	return stage
}

// writeResult prints a reminder pass in Chinese: one line per notice due
// (recipient, stage, task, deadline), then every message as it is sent.
func writeResult(w io.Writer, res remind.Result, loc *time.Location) error {
	bw := bufio.NewWriter(w)
	if caveat := remind.CalendarCaveat(res.Unofficial); caveat != "" {
		fmt.Fprintln(bw, caveat)
	}
	at := res.Now.In(loc).Format("2006-01-02 15:04")
	if !res.Open {
		fmt.Fprintf(bw, "%s 不在发送时段（休息日、未到发送时间或夜间免扰时段），没有到期的提醒。\n", at)
		return bw.Flush()
	}
	fmt.Fprintf(bw, "# %s：应发提醒 %d 条，尚未发送 %d 条，顺延到下一轮 %d 条，合为 %d 条消息\n",
		at, len(res.Planned)+res.PlannedSent, len(res.Due), res.Deferred, len(res.Messages))
	for _, n := range res.Due {
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\n", n.To, stageWords(string(n.Stage), n.DaysLeft), n.TaskID, n.Deadline)
	}
	for _, m := range res.Messages {
		fmt.Fprintf(bw, "\n----- 发给 %s（%d 条提醒", m.To, len(m.NoticeKeys))
		if m.Card != nil {
			fmt.Fprintf(bw, "，带按钮卡片")
		}
		fmt.Fprintf(bw, "）-----\n%s\n", m.Text)
	}
	return bw.Flush()
}
