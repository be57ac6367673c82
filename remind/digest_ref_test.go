package remind

// The digest's rendering as it was written first, with fmt: the reference
// the faster rendering in digest.go must equal byte for byte.

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/examples/province"
)

func refDigest(notices []Notice) []duban.Outgoing {
	byTo := map[string][]Notice{}
	var order []string
	for _, n := range notices {
		if _, ok := byTo[n.To]; !ok {
			order = append(order, n.To)
		}
		byTo[n.To] = append(byTo[n.To], n)
	}
	slices.Sort(order)
	out := make([]duban.Outgoing, 0, len(order))
	for _, to := range order {
		out = append(out, refDigestOne(to, byTo[to]))
	}
	return out
}

func refDigestOne(to string, ns []Notice) duban.Outgoing {
	msg := duban.Outgoing{To: to, NoticeKeys: make([]string, len(ns))}
	var overdue, due, before, escalate, verify, letter []Notice
	tasks := map[string]bool{}
	for i, n := range ns {
		msg.NoticeKeys[i] = n.Key()
		tasks[n.TaskID] = true
		switch {
		case n.Stage.IsOverdue():
			overdue = append(overdue, n)
		case n.Stage == StageDue:
			due = append(due, n)
		case n.Stage.IsBefore():
			before = append(before, n)
		case n.Stage == StageEscalate:
			escalate = append(escalate, n)
		case n.Stage == StageVerify:
			verify = append(verify, n)
		case n.Stage == StageLetter:
			letter = append(letter, n)
		}
	}
	slices.SortStableFunc(overdue, func(a, b Notice) int { return b.WorkdaysOverdue - a.WorkdaysOverdue })
	slices.SortStableFunc(before, func(a, b Notice) int { return int(a.Deadline - b.Deadline) })

	var b strings.Builder
	fmt.Fprintf(&b, "【督办提醒】%s，共 %d 项任务需要您关注\n", ns[0].Today, len(tasks))
	sec := 0
	next := func(title string, n int) {
		sec++
		fmt.Fprintf(&b, "\n%s、%s（%d 项）\n", chineseNumber(sec), title, n)
	}
	num := 0
	unitItems := func(list []Notice) {
		for _, n := range list {
			num++
			fmt.Fprintf(&b, "%d. 【%s】%s %s\n   %s｜完成时限 %s｜%s\n", num, n.Light, n.TaskID, n.Title, n.Unit.Name, n.Deadline, refWhen(n))
			if !n.Extension.IsZero() {
				fmt.Fprintf(&b, "   已申请延期至 %s，待督办组审批\n", n.Extension)
			}
		}
	}
	if len(overdue) > 0 {
		next("逾期任务", len(overdue))
		unitItems(overdue)
	}
	if len(due) > 0 {
		next("今日到期", len(due))
		unitItems(due)
	}
	if len(before) > 0 {
		next("即将到期", len(before))
		unitItems(before)
	}
	unitSide := overdue != nil || due != nil || before != nil
	if unitSide {
		example := refFirstOf(overdue, due, before)
		fmt.Fprintf(&b, "\n请直接回复报送：\n完成 %s 说明\n进展 %s 说明\n延期 %s %s 理由\n",
			example.TaskID, example.TaskID, example.TaskID, max(example.Deadline, example.Today).AddDays(14))
	}
	if len(escalate) > 0 {
		units := refGroupByUnit(escalate)
		next("督办升级：单位任务逾期", len(units))
		for _, g := range units {
			n := g[0]
			fmt.Fprintf(&b, "%s（%s）逾期任务 %d 项：\n", n.Unit.Name, n.Unit.Group, len(n.UnitOverdue))
			for _, it := range n.UnitOverdue {
				fmt.Fprintf(&b, "   %s %s｜完成时限 %s｜逾期 %d 个工作日\n", it.TaskID, it.Title, it.Deadline, it.WorkdaysOverdue)
			}
		}
		b.WriteString("请督促相关单位一把手落实，必要时约谈。\n")
	}
	if len(verify) > 0 {
		next("待销号：已报完成，等待对账销号", len(verify))
		for _, n := range verify {
			num++
			fmt.Fprintf(&b, "%d. %s %s\n   %s｜%s 报完成，已等待 %d 个工作日\n", num, n.TaskID, n.Title, n.Unit.Name, n.Since, n.WorkdaysWaiting)
			if n.Progress != "" {
				fmt.Fprintf(&b, "   报送说明：%s\n", n.Progress)
			}
		}
		fmt.Fprintf(&b, "请核对后回复：销号 %s，或 驳回 %s 理由\n", verify[0].TaskID, verify[0].TaskID)
	}
	if len(letter) > 0 {
		units := refGroupByUnit(letter)
		next("专函督办：建议发函", len(units))
		for _, g := range units {
			b.WriteString(refLetterDraft(g[0]))
		}
	}
	msg.Text = strings.TrimRight(b.String(), "\n")

	if len(tasks) == 1 && unitSide && escalate == nil && verify == nil && letter == nil {
		n := ns[0]
		msg.Card = &duban.Card{
			ID:    cardID(to, msg.NoticeKeys),
			Title: "督办提醒：" + n.TaskID + " " + n.Title,
			Desc:  fmt.Sprintf("%s｜完成时限 %s｜%s", n.Unit.Name, n.Deadline, refWhen(n)),
			Buttons: []duban.Button{
				{Text: "已完成", Key: ButtonDone + ":" + n.TaskID, Primary: true},
				{Text: "申请延期", Key: ButtonExtend + ":" + n.TaskID},
				{Text: "收到", Key: ButtonAck + ":" + n.TaskID},
			},
		}
	}
	return msg
}

// when says where a task stands against its deadline, in words.
func refWhen(n Notice) string {
	switch {
	case n.WorkdaysOverdue > 0:
		s := fmt.Sprintf("已逾期 %d 个工作日", n.WorkdaysOverdue)
		switch {
		case n.Escalated && n.EscalatedTo == duban.RoleAdmin:
			s += "，已报编办"
		case n.Escalated:
			s += "，已报督办组组长"
		}
		return s
	case n.DaysLeft == 0:
		return "今天到期"
	case n.DaysLeft > 0:
		return fmt.Sprintf("还有 %d 天", n.DaysLeft)
	}
	return fmt.Sprintf("已过时限 %d 天", -n.DaysLeft)
}

func refFirstOf(lists ...[]Notice) Notice {
	for _, l := range lists {
		if len(l) > 0 {
			return l[0]
		}
	}
	return Notice{}
}

// groupByUnit groups notices by unit, in first-seen order.
func refGroupByUnit(ns []Notice) [][]Notice {
	var out [][]Notice
	at := map[string]int{}
	for _, n := range ns {
		i, ok := at[n.Unit.Code]
		if !ok {
			i = len(out)
			at[n.Unit.Code] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], n)
	}
	return out
}

// letterDraft writes a 专函督办 draft for 编办 to review and send.
func refLetterDraft(n Notice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "——专函草稿——\n关于督促%s加快完成改革任务的函\n\n%s：\n", n.Unit.Name, n.Unit.Name)
	fmt.Fprintf(&b, "按照改革任务清单，贵单位下列任务已超过完成时限，经提醒和督办组督促仍未完成：\n")
	for i, it := range n.UnitOverdue {
		fmt.Fprintf(&b, "%d. %s %s（完成时限 %s，已逾期 %d 个工作日）\n", i+1, it.TaskID, it.Title, it.Deadline, it.WorkdaysOverdue)
	}
	b.WriteString("请贵单位主要负责同志高度重视，于收函后 5 个工作日内完成上述任务，并将办理情况书面报送编办。\n")
	fmt.Fprintf(&b, "\n编办\n%s\n——草稿完——\n", n.Today)
	return b.String()
}

// The digests are the reference's, byte for byte and card for card, over
// provinces of several seeds on days before, at and long past their
// deadlines, capped per person as a pass caps them and not.
func TestDigestEqualsReference(t *testing.T) {
	for seed := range uint64(3) {
		for _, day := range []string{"2027-03-01 09:30", "2027-05-06 10:00", "2027-09-30 15:00"} {
			now := at(day)
			l := province.Generate(province.Size{Units: 120, Tasks: 1500, Today: duban.DateOf(now), Seed: seed + 1})
			led := duban.Ledger{Units: l.Units, People: l.People, Tasks: l.Tasks}
			for i := range led.Tasks {
				if i%3 == 0 {
					led.Tasks[i].Progress = "方案已起草，正在征求意见"
				}
				if led.Tasks[i].Status == duban.StatusReported {
					led.Tasks[i].ReportedAt = now.AddDate(0, 0, -10-i%20)
				}
				if i%17 == 0 && led.Tasks[i].Status.Open() {
					led.Tasks[i].Extension = &duban.Extension{Deadline: led.Tasks[i].Deadline.AddDays(30)}
				}
			}
			ns := Plan(led, Defaults(), DefaultCalendar(), now)
			if len(ns) == 0 {
				t.Fatalf("seed %d, %s: nothing planned", seed, day)
			}
			capped, _ := capPerPerson(ns, 7)
			for _, notices := range [][]Notice{ns, capped} {
				got, want := Digest(notices), refDigest(notices)
				if !reflect.DeepEqual(got, want) {
					for i := range min(len(got), len(want)) {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("seed %d, %s: digest to %s differs:\n%s\n-----want\n%s", seed, day, got[i].To, got[i].Text, want[i].Text)
						}
					}
					t.Fatalf("seed %d, %s: %d digests, want %d", seed, day, len(got), len(want))
				}
			}
		}
	}
}
