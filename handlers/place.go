package handlers

// A task named by its place in the list last shown to the sender (第3项任务
// 完成了, 第二个完成了, 上面第3条延期到下周五, 第1、3项都完成了): the reply that
// showed the list kept what it numbered (store.ListPage), so the place is
// read as that task's id and the message goes on as if the id had been typed
// (a question stays a question). A list gone or older than pageWindow, a
// reply of several lists, a number not on the page shown, or a list of units
// named as tasks is asked about plainly, and nothing changes.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

const (
	numeral = `(?:\d{1,3}|[一二两三四五六七八九十]{1,3})`
	measure = `(?:项|項|个|個|条|條|件)`
	joiner  = `\s*(?:、|,|，|和|及|与|跟)\s*`
)

var (
	// rePlace is one place or several (第3项, 第1、3项, 第一项和第三项).
	rePlace = regexp.MustCompile(`^第\s*` + numeral + `(?:` + joiner + `第?\s*` + numeral + `)*\s*` + measure +
		`(?:` + joiner + `第\s*` + numeral + `\s*` + measure + `)*`)
	reNumeral = regexp.MustCompile(numeral)
	// placeLead are the words before a place that point at the list:
	// 上面第3条, 刚才列表里的第2个, 看看第3个.
	placeLead = regexp.MustCompile(`^(?:(?:上面|上边|上述|上头|刚才|刚刚|前面|你发的|您发的|发来的|列表|清单|任务清单|名单|看看|看一下|查看|查一下|那个|这个|那条|这条|那项|这项)(?:里面的|里的|中的|上的|里面|里|中|上|的)?\s*)+`)
)

// notPlace are words that, right after 第N个, count something other than
// the items of a list: 第二个月, 第3个工作日, 第一个问题.
var notPlace = []string{"月", "年", "季度", "周", "星期", "礼拜", "天", "日", "工作日", "小时", "次", "批", "阶段", "轮", "期", "问题",
	"点", "方面", "部分", "条件", "人", "科室", "处", "号文", "文件", "环节", "步"}

// place is where a message names items of a list by their numbers.
type place struct {
	keep  string // what stays before the items: a leading verb, 把
	end   int    // the byte of s where the place ends
	nums  []int  // the numbers, as written
	units bool   // 第3个单位: a unit, not a task
	text  string // the place as written: 第3项
}

// findPlace finds the places a message names: at its start (after words
// pointing at the list, and 把 or 将) or right after its leading verb
// (完成 第4项 …, 同意第2个的延期).
func findPlace(s string) (place, bool) {
	at := len(placeLead.FindString(s))
	for _, w := range []string{"把", "将"} {
		if strings.HasPrefix(s[at:], w) {
			if p, ok := placeAt(s, at+len(w)); ok {
				p.keep = w // 把 stays: it reads the verb after
				return p, true
			}
		}
	}
	if p, ok := placeAt(s, at); ok {
		return p, true
	}
	if _, rest, ok := splitVerb(s); ok {
		from := len(s) - len(trimLead(rest))
		p, ok := placeAt(s, from)
		p.keep = s[:from]
		return p, ok
	}
	return place{}, false
}

// placeAt reads a place at s[at:].
func placeAt(s string, at int) (place, bool) {
	m := rePlace.FindString(s[at:])
	if m == "" {
		return place{}, false
	}
	after := strings.TrimLeft(s[at+len(m):], " ")
	if containsPrefix(after, notPlace) {
		return place{}, false
	}
	p := place{end: at + len(m), text: m}
	for _, w := range []string{"单位", "家单位", "部门"} {
		if strings.HasPrefix(after, w) {
			p.units = true
			p.end = len(s) - len(after) + len(w)
			break
		}
	}
	for _, n := range reNumeral.FindAllString(m, -1) {
		p.nums = append(p.nums, cnNumber(n))
	}
	return p, true
}

// placeholder stands in for a task while a message's reading is checked.
const placeholder = aliasPrefix + "0"

// readPlaces returns s with the places it names in the sender's last list
// written as the ids they name. done is true when it answered instead:
// the list cannot say (and nothing changed), or the place named a unit of a
// list of units, whose tasks it listed.
func (h *Handler) readPlaces(ctx context.Context, t *turn, s string) (string, bool, error) {
	p, ok := findPlace(s)
	if !ok {
		return s, false, nil
	}
	c := Parse(p.keep+placeholder+" "+s[p.end:], t.today)
	if !p.units && c.Task != placeholder && !c.Question && c.Verb != VerbTasks && strings.TrimSpace(s[p.end:]) != "" {
		return s, false, nil // 第一个问题是…: no item of a list
	}
	ask := func(why string) (string, bool, error) {
		v := c.Verb
		if !needsTask[v] {
			v = VerbRecord // 第3项是什么: 记录 S01
		}
		task := h.exampleTask(ctx, t, actionOf(v))
		t.reply(why + "请写明任务编号，例如：" + example(v, task) + "。")
		return s, true, nil
	}
	last, err := h.Store.ListPage(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && len(last.Tasks)+len(last.Units) == 0 && !last.Several {
		return ask("我没有找到您最近看过的带序号的清单，不能确定「" + p.text + "」是哪一项。发送「任务」可查看带序号的任务清单；或者")
	}
	if err != nil {
		return s, true, err
	}
	name := "清单"
	if last.Query != "" {
		name = "清单「" + last.Query + "」"
	}
	switch {
	case last.MsgKey != t.in.Key && (t.now.Sub(last.At) > pageWindow || t.now.Before(last.At.Add(-time.Minute))):
		return ask(fmt.Sprintf("您上次看到的%s已超过 %s，顺序可能已经变了，不能确定「%s」是哪一项。可以重新查看清单后再说，或者", name, durationWords(pageWindow), p.text))
	case last.Several:
		return ask("您上次收到的是几份清单，不能确定「" + p.text + "」是哪一份的哪一项。")
	case p.units && len(last.Units) == 0:
		return ask("您上次看到的" + name + "列的是任务，不是单位，不能确定「" + p.text + "单位」是哪一个。")
	case !p.units && len(last.Tasks) == 0 && (c.Task == placeholder && needsTask[c.Verb] || len(p.nums) > 1):
		return ask("您上次看到的" + name + "列的是单位，不是任务，不能确定「" + p.text + "」是哪一项任务。发送「任务 单位名称或编码」可查看某个单位的任务；或者")
	}
	items := last.Tasks
	if len(items) == 0 {
		items = last.Units
	}
	refsOf := func(p place) ([]string, int) {
		var refs []string
		for _, n := range p.nums {
			i := n - last.First
			if i < 0 || i >= len(items) {
				return nil, n
			}
			refs = append(refs, items[i])
		}
		return refs, 0
	}
	refs, missing := refsOf(p)
	if missing > 0 {
		return ask(fmt.Sprintf("您上次看到的%s%s，没有第 %d 项。", name, shownRange(last, len(items)), missing))
	}
	if len(last.Tasks) == 0 {
		// A unit of a list of units: its tasks (第3个单位, 看看第2个).
		return s, true, h.command(ctx, t, Command{Verb: VerbTasks, Task: refs[0]})
	}
	out := p.keep + strings.Join(refs, "、") + " "
	// A later clause opening with a place of its own, read as a whole
	// command (第4个完成了，第5个延期到2月25日 等编委会); a place inside a
	// note stays as written.
	rest := s[p.end:]
	for i := 0; i < len(rest); {
		r, size := utf8.DecodeRuneInString(rest[i:])
		i += size
		if !strings.ContainsRune("，,；;。 ", r) {
			continue
		}
		j := i + len(rest[i:]) - len(strings.TrimLeft(rest[i:], " "))
		q, ok := placeAt(rest, j)
		if !ok || q.units {
			continue
		}
		if n := Parse(placeholder+" "+rest[q.end:], t.today); n.Task != placeholder || !needsTask[n.Verb] || n.Question {
			continue
		}
		refs, missing := refsOf(q)
		if missing > 0 {
			return ask(fmt.Sprintf("您上次看到的%s%s，没有第 %d 项。", name, shownRange(last, len(items)), missing))
		}
		rest = rest[:j] + strings.Join(refs, "、") + " " + rest[q.end:]
		i = j
	}
	return out + rest, false, nil
}

// shownRange says which numbers the reply that showed last gave: 共 5 项,
// 第 2 页列的是第 11–14 项.
func shownRange(last store.ListPage, n int) string {
	switch {
	case last.First == 1 && last.Pages <= 1:
		return fmt.Sprintf("共 %d 项", n)
	case n == 1:
		return fmt.Sprintf("第 %d 页只列了第 %d 项", last.Page, last.First)
	}
	return fmt.Sprintf("第 %d 页列的是第 %d–%d 项", last.Page, last.First, last.First+n-1)
}

// rememberList keeps p as the last list shown to the sender, with what it
// numbered; a second numbered list in the same reply makes the numbers
// name neither.
func (h *Handler) rememberList(ctx context.Context, t *turn, p store.ListPage) error {
	if t.listed {
		p.Tasks, p.Units, p.Several = nil, nil, true
	}
	t.listed = true
	return h.Store.SetListPage(ctx, t.person.UserID, p, pageKeep)
}

// rememberTasks keeps tasks, numbered from 1 in a reply that is no
// pageable list (which task a photo is for, whose requests), as the last
// list shown.
func (h *Handler) rememberTasks(ctx context.Context, t *turn, tasks []duban.Task) error {
	p := store.ListPage{MsgKey: t.in.Key, At: t.now, First: 1}
	for _, task := range tasks {
		p.Tasks = append(p.Tasks, task.ID)
	}
	return h.rememberList(ctx, t, p)
}
