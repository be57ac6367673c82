package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// undeliveredTitle opens the report to 编办 of messages that failed for
// good; such a report that fails in turn is not reported again.
const undeliveredTitle = "【消息未送达】"

// maxReported is how many failed messages one report lists by name.
const maxReported = 10

func (s *Sender) isReport(e store.OutboxEntry) bool {
	return strings.HasPrefix(e.Msg.Text, undeliveredTitle)
}

// reportUndelivered tells 编办, in one message each, of the messages that
// failed for good, once ReportDelay has gathered them. It returns when it
// is next due (zero: nothing known to report).
func (s *Sender) reportUndelivered(ctx context.Context) time.Time {
	at := s.reportAt.Load()
	if at == 0 {
		return time.Time{}
	}
	now := s.Now()
	if due := time.Unix(0, at); now.Before(due) {
		return due
	}
	people, err := s.st.People(ctx)
	if err != nil {
		s.log.Error("undelivered messages not reported: people unreadable", "err", err)
		return now.Add(s.Poll)
	}
	s.reportAt.Store(0) // failures recorded from here on set it again
	told := 0
	n, err := s.st.ReportUndelivered(ctx, now, func(failed []store.Delivery) []duban.Outgoing {
		out := undeliveredReports(people, failed)
		told = len(out)
		return out
	})
	if err != nil {
		s.log.Error("undelivered messages not reported", "err", err)
		s.reportAt.CompareAndSwap(0, now.Add(s.Poll).UnixNano())
		return now.Add(s.Poll)
	}
	switch {
	case n > 0 && told == 0:
		s.log.Warn("undelivered messages not reported: no 编办 member in the people list", "messages", n)
	case n > 0:
		s.lastReport.Store(now.UnixNano())
		s.log.Info("undelivered messages reported to 编办", "messages", n, "to", told)
	}
	return time.Time{}
}

// undeliveredReports writes one report for every 编办 member.
func undeliveredReports(people []duban.Person, failed []store.Delivery) []duban.Outgoing {
	names := map[string]string{}
	var admins []string
	for _, p := range people {
		names[duban.CanonicalUserID(p.UserID)] = p.Name
		if p.IsAdmin() {
			admins = append(admins, p.UserID)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s以下 %d 条消息未能送达：", undeliveredTitle, len(failed))
	for i, d := range failed {
		if i == maxReported {
			fmt.Fprintf(&b, "\n……另有 %d 条，见各任务的「记录」。", len(failed)-maxReported)
			break
		}
		who := d.To
		if name := names[duban.CanonicalUserID(d.To)]; name != "" {
			who = name + "（" + d.To + "）"
		}
		if d.Subject != "" {
			who += " 的「" + d.Subject + "」"
		}
		fmt.Fprintf(&b, "\n%d. 发给 %s：%s", i+1, who, d.Error)
	}
	out := make([]duban.Outgoing, len(admins))
	for i, a := range admins {
		out[i] = duban.Outgoing{To: a, Text: b.String()}
	}
	return out
}
