package remind

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/duban-org/duban"
)

// Card button keys come back as the click's EventKey: "<action>:<task id>".
const (
	ButtonDone   = "done"   // 已完成 → 完成 <task>
	ButtonExtend = "extend" // 申请延期 → ask for the new date and the reason
	ButtonAck    = "ack"    // 收到 → record the acknowledgement
)

// ParseButtonKey splits a card button key such as "done:T012".
func ParseButtonKey(key string) (action, taskID string, ok bool) {
	action, taskID, ok = strings.Cut(key, ":")
	if !ok || taskID == "" {
		return "", "", false
	}
	switch action {
	case ButtonDone, ButtonExtend, ButtonAck:
		return action, taskID, true
	}
	return "", "", false
}

// Digest batches notices into one message per recipient (WeCom drops
// messages past 30 a minute per member), ordered by recipient. Each message
// lists every due item with id, title, deadline and light, and says how to
// report; NoticeKeys names the notices it carries. A digest about a single
// task of the recipient's own unit carries a button card (已完成 / 申请延期 /
// 收到). The text is plain (no markdown) and may exceed 2048 bytes: the
// sender splits it.
func Digest(notices []Notice) []duban.Outgoing {
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
		out = append(out, digestOne(to, byTo[to]))
	}
	return out
}

func digestOne(to string, ns []Notice) duban.Outgoing {
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
			fmt.Fprintf(&b, "%d. 【%s】%s %s\n   %s｜完成时限 %s｜%s\n", num, n.Light, n.TaskID, n.Title, n.Unit.Name, n.Deadline, when(n))
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
		example := firstOf(overdue, due, before)
		fmt.Fprintf(&b, "\n请直接回复报送：\n完成 %s 说明\n进展 %s 说明\n延期 %s %s 理由\n",
			example.TaskID, example.TaskID, example.TaskID, max(example.Deadline, example.Today).AddDays(14))
	}
	if len(escalate) > 0 {
		units := groupByUnit(escalate)
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
		units := groupByUnit(letter)
		next("专函督办：建议发函", len(units))
		for _, g := range units {
			b.WriteString(letterDraft(g[0]))
		}
	}
	msg.Text = strings.TrimRight(b.String(), "\n")

	if len(tasks) == 1 && unitSide && escalate == nil && verify == nil && letter == nil {
		n := ns[0]
		msg.Card = &duban.Card{
			ID:    cardID(to, msg.NoticeKeys),
			Title: "督办提醒：" + n.TaskID + " " + n.Title,
			Desc:  fmt.Sprintf("%s｜完成时限 %s｜%s", n.Unit.Name, n.Deadline, when(n)),
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
func when(n Notice) string {
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

func firstOf(lists ...[]Notice) Notice {
	for _, l := range lists {
		if len(l) > 0 {
			return l[0]
		}
	}
	return Notice{}
}

// groupByUnit groups notices by unit, in first-seen order.
func groupByUnit(ns []Notice) [][]Notice {
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
func letterDraft(n Notice) string {
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

// cardID returns a WeCom task_id for a card: unique per recipient and
// notice set, at most 128 bytes of [A-Za-z0-9_-@], and the same when a
// crashed run rebuilds the same digest.
func cardID(to string, keys []string) string {
	h := sha256.New()
	h.Write([]byte(to))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	return "remind-" + hex.EncodeToString(h.Sum(nil)[:16])
}

func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
	if n >= 0 && n <= 10 {
		return digits[n]
	}
	return fmt.Sprint(n)
}
