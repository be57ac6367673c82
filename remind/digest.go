package remind

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

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
	return digest(notices, numberRecipients(notices))
}

// recipientsOf numbers the recipients of a list of notices: of[j] is the
// j-th notice's.
type recipientsOf struct {
	who *recipientIndex
	of  []int32
}

func numberRecipients(notices []Notice) recipientsOf {
	who := newRecipientIndex(len(notices) / 8) // a few notices each, most people; many to 编办 and the leaders
	of := make([]int32, len(notices))
	for j := range notices {
		of[j] = who.index(notices[j].To)
	}
	return recipientsOf{who: who, of: of}
}

// digest is Digest of notices whose recipients are numbered.
func digest(notices []Notice, to recipientsOf) []duban.Outgoing {
	// Grouped by a counting sort, keeping plan order within each recipient:
	// a province's first pass digests tens of thousands of people.
	who, of := to.who, to.of
	count := make([]int32, len(who.ids))
	for _, i := range of {
		count[i]++
	}
	start := make([]int32, len(count)+1)
	for i, c := range count {
		start[i+1] = start[i] + c
	}
	grouped := make([]int32, len(notices)) // indices into notices
	next := slices.Clone(start[:len(count)])
	for j, i := range of {
		grouped[next[i]] = int32(j)
		next[i]++
	}
	// Rendered in order of first appearance, which keeps a unit's people
	// together (the plan tells a task's contacts and head one after the
	// other): their items are read while in the cache, and the text of the
	// same items is rendered once. Sent in order of userid.
	out := make([]duban.Outgoing, len(count))
	d := digestWriter{keys: make([]string, len(notices))}
	for i, at := range who.ranks() {
		d.ns = d.ns[:0]
		for _, j := range grouped[start[i]:start[i+1]] {
			d.ns = append(d.ns, &notices[j])
		}
		out[at] = d.digest(who.ids[i], d.ns)
	}
	return out
}

// recipientIndex numbers the recipients of a list of notices in order of
// first appearance. The notices of a plan share their recipients' strings
// (a person's userid is one string), so a cache by the string's address
// answers most look-ups before the map, whose look-ups cost a hash of the
// string and a cache miss each at a province's size.
type recipientIndex struct {
	ids   []string
	at    map[string]int32
	cache [1 << cacheBits]struct {
		p *byte
		n int
		i int32
	}
}

// newRecipientIndex returns an index sized for about n recipients.
func newRecipientIndex(n int) *recipientIndex {
	return &recipientIndex{at: make(map[string]int32, n)}
}

const cacheBits = 12 // 4,096 entries, 96 KB

// index returns the number of recipient to, numbering it if new.
func (r *recipientIndex) index(to string) int32 {
	p := unsafe.StringData(to)
	c := &r.cache[(uint64(uintptr(unsafe.Pointer(p)))*0x9E3779B97F4A7C15)>>(64-cacheBits)]
	if c.p == p && c.n == len(to) && p != nil { // an empty cache entry is nil, 0
		return c.i
	}
	i, ok := r.at[to]
	if !ok {
		i = int32(len(r.ids))
		r.at[to] = i
		r.ids = append(r.ids, to)
	}
	c.p, c.n, c.i = p, len(to), i
	return i
}

// ranks returns each recipient's place in order of userid.
func (r *recipientIndex) ranks() []int32 {
	// Ordered by the userids' first 8 bytes as a number, then by the rest:
	// most userids differ there, and comparing numbers is cheaper.
	type named struct {
		head uint64
		id   string
		i    int32
	}
	ns := make([]named, len(r.ids))
	for i, id := range r.ids {
		var head [8]byte
		copy(head[:], id)
		ns[i] = named{binary.BigEndian.Uint64(head[:]), id, int32(i)}
	}
	slices.SortFunc(ns, func(a, b named) int {
		if c := cmp.Compare(a.head, b.head); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	rank := make([]int32, len(ns))
	for k, n := range ns {
		rank[n.i] = int32(k)
	}
	return rank
}

// digestWriter renders digests, reusing its lists from one to the next.
type digestWriter struct {
	b                                              []byte
	ns                                             []*Notice // the recipient's
	overdue, due, before, escalate, verify, letter []*Notice
	tasks                                          map[string]struct{}
	units                                          map[string]struct{}
	firsts                                         []*Notice
	keyBuf                                         []byte
	ends                                           []int
	keys                                           []string  // every message's, cut one after the other
	last                                           []*Notice // the items of the last text rendered
	lastText                                       string
	text                                           texts
	num                                            int // items numbered so far
	sec                                            int // sections so far
}

func (d *digestWriter) digest(to string, ns []*Notice) duban.Outgoing {
	msg := duban.Outgoing{To: to, NoticeKeys: d.keys[:len(ns):len(ns)]}
	d.keys = d.keys[len(ns):]
	d.overdue, d.due, d.before = d.overdue[:0], d.due[:0], d.before[:0]
	d.escalate, d.verify, d.letter = d.escalate[:0], d.verify[:0], d.letter[:0]
	d.keyBuf, d.ends = d.keyBuf[:0], d.ends[:0]
	for _, n := range ns {
		d.keyBuf = n.AppendKey(d.keyBuf)
		d.ends = append(d.ends, len(d.keyBuf))
		switch {
		case n.Stage.IsOverdue():
			d.overdue = append(d.overdue, n)
		case n.Stage == StageDue:
			d.due = append(d.due, n)
		case n.Stage.IsBefore():
			d.before = append(d.before, n)
		case n.Stage == StageEscalate:
			d.escalate = append(d.escalate, n)
		case n.Stage == StageVerify:
			d.verify = append(d.verify, n)
		case n.Stage == StageLetter:
			d.letter = append(d.letter, n)
		}
	}
	keys, start := d.text.string(d.keyBuf), 0 // one string holds the message's keys
	for i, end := range d.ends {
		msg.NoticeKeys[i], start = keys[start:end], end
	}
	tasks := d.countTasks(ns)
	overdue, due, before, escalate, verify, letter := d.overdue, d.due, d.before, d.escalate, d.verify, d.letter
	unitSide := len(overdue) > 0 || len(due) > 0 || len(before) > 0
	if d.sameAsLast(ns) {
		msg.Text = d.lastText
	} else {
		msg.Text = d.render(ns, tasks)
		d.last, d.lastText = append(d.last[:0], ns...), msg.Text
	}
	if tasks == 1 && unitSide && len(escalate) == 0 && len(verify) == 0 && len(letter) == 0 {
		n := ns[0]
		msg.Card = &duban.Card{
			ID:    cardID(to, msg.NoticeKeys),
			Title: "督办提醒：" + n.TaskID + " " + n.Title,
			Desc:  n.Unit.Name + "｜完成时限 " + n.Deadline.String() + "｜" + when(n),
			Buttons: []duban.Button{
				{Text: "已完成", Key: ButtonDone + ":" + n.TaskID, Primary: true},
				{Text: "申请延期", Key: ButtonExtend + ":" + n.TaskID},
				{Text: "收到", Key: ButtonAck + ":" + n.TaskID},
			},
		}
	}
	return msg
}

// sameAsLast reports whether the last digest rendered had the same items
// as ns: its text is theirs too (a unit's contacts and head are often sent
// the same items; a digest names no recipient). Items are the same when
// they share the plan's Subject (the task as shown) and the notice's step.
func (d *digestWriter) sameAsLast(ns []*Notice) bool {
	return slices.EqualFunc(d.last, ns, func(a, b *Notice) bool {
		return a.Subject == b.Subject && a.TaskID == b.TaskID && a.Stage == b.Stage &&
			a.Deadline == b.Deadline && a.Since == b.Since
	})
}

// render writes the text of a digest of ns, about tasks tasks, sorted into
// d's lists by digest.
func (d *digestWriter) render(ns []*Notice, tasks int) string {
	overdue, due, before, escalate, verify, letter := d.overdue, d.due, d.before, d.escalate, d.verify, d.letter
	// In plan order (by deadline) both lists are sorted already, mostly.
	if longest := func(a, b *Notice) int { return b.WorkdaysOverdue - a.WorkdaysOverdue }; !slices.IsSortedFunc(overdue, longest) {
		slices.SortStableFunc(overdue, longest)
	}
	if soonest := func(a, b *Notice) int { return int(a.Deadline - b.Deadline) }; !slices.IsSortedFunc(before, soonest) {
		slices.SortStableFunc(before, soonest)
	}

	b := &d.b
	*b = (*b)[:0]
	d.num, d.sec = 0, 0
	writeString(b, "【督办提醒】")
	writeDate(b, ns[0].Today)
	writeString(b, "，共 ")
	writeInt(b, tasks)
	writeString(b, " 项任务需要您关注\n")
	if len(overdue) > 0 {
		d.section("逾期任务", len(overdue))
		d.unitItems(overdue)
	}
	if len(due) > 0 {
		d.section("今日到期", len(due))
		d.unitItems(due)
	}
	if len(before) > 0 {
		d.section("即将到期", len(before))
		d.unitItems(before)
	}
	if example := firstOf(overdue, due, before); example != nil { // the unit's own tasks
		id := example.TaskID
		writeString(b, "\n请直接回复报送：\n完成 ")
		writeString(b, id)
		writeString(b, " 说明\n进展 ")
		writeString(b, id)
		writeString(b, " 说明\n延期 ")
		writeString(b, id)
		writeByte(b, ' ')
		writeDate(b, max(example.Deadline, example.Today).AddDays(14))
		writeString(b, " 理由\n")
	}
	if len(escalate) > 0 {
		units := d.firstOfEachUnit(escalate)
		d.section("督办升级：单位任务逾期", len(units))
		for _, n := range units {
			writeString(b, n.Unit.Name)
			writeString(b, "（")
			writeString(b, n.Unit.Group)
			writeString(b, "）逾期任务 ")
			writeInt(b, len(n.UnitOverdue))
			writeString(b, " 项：\n")
			for _, it := range n.UnitOverdue {
				writeString(b, "   ")
				writeString(b, it.TaskID)
				writeByte(b, ' ')
				writeString(b, it.Title)
				writeString(b, "｜完成时限 ")
				writeDate(b, it.Deadline)
				writeString(b, "｜逾期 ")
				writeInt(b, it.WorkdaysOverdue)
				writeString(b, " 个工作日\n")
			}
		}
		writeString(b, "请督促相关单位一把手落实，必要时约谈。\n")
	}
	if len(verify) > 0 {
		d.section("待销号：已报完成，等待对账销号", len(verify))
		for _, n := range verify {
			d.num++
			writeInt(b, d.num)
			writeString(b, ". ")
			writeString(b, n.TaskID)
			writeByte(b, ' ')
			writeString(b, n.Title)
			writeString(b, "\n   ")
			writeString(b, n.Unit.Name)
			writeString(b, "｜")
			writeDate(b, n.Since)
			writeString(b, " 报完成，已等待 ")
			writeInt(b, n.WorkdaysWaiting)
			writeString(b, " 个工作日\n")
			if n.Progress != "" {
				writeString(b, "   报送说明：")
				writeString(b, n.Progress)
				writeByte(b, '\n')
			}
		}
		writeString(b, "请核对后回复：销号 ")
		writeString(b, verify[0].TaskID)
		writeString(b, "，或 驳回 ")
		writeString(b, verify[0].TaskID)
		writeString(b, " 理由\n")
	}
	if len(letter) > 0 {
		units := d.firstOfEachUnit(letter)
		d.section("专函督办：建议发函", len(units))
		for _, n := range units {
			writeLetterDraft(b, n)
		}
	}
	return d.text.string(bytes.TrimRight(*b, "\n"))
}

// countTasks counts the distinct tasks of ns: by comparison for the few
// items most people get, by a set for the long lists of supervisors.
func (d *digestWriter) countTasks(ns []*Notice) int {
	if len(ns) <= 16 {
		n := 0
		for i := range ns {
			if !slices.ContainsFunc(ns[:i], func(m *Notice) bool { return m.TaskID == ns[i].TaskID }) {
				n++
			}
		}
		return n
	}
	if d.tasks == nil {
		d.tasks = map[string]struct{}{}
	}
	clear(d.tasks)
	for _, n := range ns {
		d.tasks[n.TaskID] = struct{}{}
	}
	return len(d.tasks)
}

// section starts the next numbered section: "\n一、title（n 项）".
func (d *digestWriter) section(title string, n int) {
	d.sec++
	b := &d.b
	writeByte(b, '\n')
	writeString(b, chineseNumber(d.sec))
	writeString(b, "、")
	writeString(b, title)
	writeString(b, "（")
	writeInt(b, n)
	writeString(b, " 项）\n")
}

// unitItems lists tasks of the recipient's own unit, numbered on.
func (d *digestWriter) unitItems(list []*Notice) {
	b := &d.b
	for _, n := range list {
		d.num++
		writeInt(b, d.num)
		writeString(b, ". 【")
		writeString(b, string(n.Light))
		writeString(b, "】")
		writeString(b, n.TaskID)
		writeByte(b, ' ')
		writeString(b, n.Title)
		writeString(b, "\n   ")
		writeString(b, n.Unit.Name)
		writeString(b, "｜完成时限 ")
		writeDate(b, n.Deadline)
		writeString(b, "｜")
		appendWhen(b, n)
		writeByte(b, '\n')
		if !n.Extension.IsZero() {
			writeString(b, "   已申请延期至 ")
			writeDate(b, n.Extension)
			writeString(b, "，待督办组审批\n")
		}
	}
}

func writeString(b *[]byte, s string)   { *b = append(*b, s...) }
func writeByte(b *[]byte, c byte)       { *b = append(*b, c) }
func writeInt(b *[]byte, n int)         { *b = strconv.AppendInt(*b, int64(n), 10) }
func writeDate(b *[]byte, d duban.Date) { *b, _ = d.AppendText(*b) }

// when says where a task stands against its deadline, in words.
func when(n *Notice) string {
	var b []byte
	appendWhen(&b, n)
	return string(b)
}

func appendWhen(b *[]byte, n *Notice) {
	switch {
	case n.WorkdaysOverdue > 0:
		writeString(b, "已逾期 ")
		writeInt(b, n.WorkdaysOverdue)
		writeString(b, " 个工作日")
		switch {
		case n.Escalated && n.EscalatedTo == duban.RoleAdmin:
			writeString(b, "，已报编办")
		case n.Escalated:
			writeString(b, "，已报督办组组长")
		}
	case n.DaysLeft == 0:
		writeString(b, "今天到期")
	case n.DaysLeft > 0:
		writeString(b, "还有 ")
		writeInt(b, n.DaysLeft)
		writeString(b, " 天")
	default:
		writeString(b, "已过时限 ")
		writeInt(b, -n.DaysLeft)
		writeString(b, " 天")
	}
}

func firstOf(lists ...[]*Notice) *Notice {
	for _, l := range lists {
		if len(l) > 0 {
			return l[0]
		}
	}
	return nil
}

// firstOfEachUnit returns the first notice about each unit, in order.
func (d *digestWriter) firstOfEachUnit(ns []*Notice) []*Notice {
	if d.units == nil {
		d.units = map[string]struct{}{}
	}
	clear(d.units)
	d.firsts = d.firsts[:0]
	for _, n := range ns {
		if _, seen := d.units[n.Unit.Code]; !seen {
			d.units[n.Unit.Code] = struct{}{}
			d.firsts = append(d.firsts, n)
		}
	}
	return d.firsts
}

// texts hands out strings cut from shared blocks, so that the tens of
// thousands of messages of a pass are not as many allocations. A block is
// only ever appended to: the strings cut from it never change.
type texts struct{ block strings.Builder }

// textBlock is the size of a block; a longer text gets a block of its own.
const textBlock = 256 << 10

func (t *texts) string(b []byte) string {
	if t.block.Cap()-t.block.Len() < len(b) {
		t.block = strings.Builder{}
		t.block.Grow(max(len(b), textBlock))
	}
	start := t.block.Len()
	t.block.Write(b)
	return t.block.String()[start:]
}

// writeLetterDraft writes a 专函督办 draft for 编办 to review and send.
func writeLetterDraft(b *[]byte, n *Notice) {
	writeString(b, "——专函草稿——\n关于督促")
	writeString(b, n.Unit.Name)
	writeString(b, "加快完成改革任务的函\n\n")
	writeString(b, n.Unit.Name)
	writeString(b, "：\n按照改革任务清单，贵单位下列任务已超过完成时限，经提醒和督办组督促仍未完成：\n")
	for i, it := range n.UnitOverdue {
		writeInt(b, i+1)
		writeString(b, ". ")
		writeString(b, it.TaskID)
		writeByte(b, ' ')
		writeString(b, it.Title)
		writeString(b, "（完成时限 ")
		writeDate(b, it.Deadline)
		writeString(b, "，已逾期 ")
		writeInt(b, it.WorkdaysOverdue)
		writeString(b, " 个工作日）\n")
	}
	writeString(b, "请贵单位主要负责同志高度重视，于收函后 5 个工作日内完成上述任务，并将办理情况书面报送编办。\n")
	writeString(b, "\n编办\n")
	writeDate(b, n.Today)
	writeString(b, "\n——草稿完——\n")
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
