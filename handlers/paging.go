package handlers

// Replies that stay short at any size: a list longer than one message is
// shown a page at a time (第 1/37 页), and the page shown is remembered for
// the sender (store.ListPage) so that 下一页, 更多 or 第3页 continues it,
// across a restart, for pageWindow.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duban-org/duban/store"
)

const (
	// maxReplyBytes keeps every reply within one WeCom text message
	// (2048 bytes), with room to spare.
	maxReplyBytes = 1900
	// unitsPerPage and tasksPerPage are the lines of a page of units and
	// of tasks: what fits one message with names and titles as they
	// usually are (longer ones are shortened to fit).
	unitsPerPage = 15
	tasksPerPage = 10
	// pageWindow is how long 下一页 continues the last list; the record
	// itself is kept a day so an expired one is told apart from none.
	pageWindow = time.Hour
	pageKeep   = 24 * time.Hour
)

// listing is a list to show a page at a time. Pages hold perPage lines
// each, so which items a page shows and how many pages there are follow
// from the list's length alone: a page is read and written by itself, and
// costs the same on page 1 of 12 or page 900 of 10,000.
type listing struct {
	title string // what it is: 江城组·红灯单位（逾期最久在前）
	count string // how many: 共 120 个单位
	n     int    // how many items
	// perPage is how many lines a page shows.
	perPage int
	// page returns the lines of items [from, to), numbered across pages.
	page  func(ctx context.Context, from, to int) ([]item, error)
	foot  string // said under every page: how to report, how to drill down
	query string // the command that shows it, without a page
	empty string // said when there is nothing to list
}

// line writes one line of a list. room, when not 0, is how many characters
// the name it gives (a task's title, a unit's name) may take: a page too
// long for one message shortens its longest lines' names.
type line func(room int) string

// item is a numbered line of a page and what it names: a task's id or a
// unit's code (what 第3项 names afterwards).
type item struct {
	line       line
	task, unit string
}

// rooms are the steps by which a line's name is shortened to fit a page.
var rooms = []int{0, 24, 16, 12, 8, 4}

// show replies with page of l (from 1; PageLast for the last) and
// remembers it for 下一页.
func (h *Handler) show(ctx context.Context, t *turn, l listing, page int) error {
	if l.n == 0 {
		t.reply(l.empty)
		return nil
	}
	n := (l.n + l.perPage - 1) / l.perPage
	switch {
	case page == PageLast:
		page = n
	case page < 1:
		page = 1
	case page > n && n == 1:
		t.reply(fmt.Sprintf("「%s」只有 1 页，没有第 %d 页。发送「%s」查看。", l.query, page, l.query))
		return nil
	case page > n:
		t.reply(fmt.Sprintf("「%s」共 %d 页，没有第 %d 页。发送「%s 第%d页」看最后一页。", l.query, n, page, l.query, n))
		return nil
	}
	head := l.title
	if l.count != "" {
		head += "：" + l.count
	}
	if n > 1 {
		head += fmt.Sprintf("（第 %d/%d 页）", page, n)
	}
	var tail []string
	if l.foot != "" {
		tail = append(tail, l.foot)
	}
	switch {
	case n > 1 && page < n:
		tail = append(tail, fmt.Sprintf("发送「下一页」看第 %d 页，或「%s 第N页」跳到某页。", page+1, l.query))
	case n > 1:
		tail = append(tail, "已是最后一页。发送「上一页」回看。")
	}
	from := (page - 1) * l.perPage
	items, err := l.page(ctx, from, min(page*l.perPage, l.n))
	if err != nil {
		return err
	}
	p := pageAt(l.query, page, t)
	p.Pages, p.First = n, from+1
	lines := make([]line, len(items))
	for i, it := range items {
		lines[i] = it.line
		if it.task != "" {
			p.Tasks = append(p.Tasks, it.task)
		} else {
			p.Units = append(p.Units, it.unit)
		}
	}
	budget := maxReplyBytes - len(head)
	for _, s := range tail {
		budget -= len(s) + 1
	}
	t.reply(strings.Join(slices.Concat([]string{head}, fitLines(lines, budget), tail), "\n"))
	return h.rememberList(ctx, t, p)
}

// pageAt is the record of page of list query shown by this turn.
func pageAt(query string, page int, t *turn) store.ListPage {
	return store.ListPage{Query: query, Page: page, MsgKey: t.in.Key, At: t.now}
}

// fitLines writes lines within budget bytes, each on its own line (a
// newline before each): while they are too long, the longest line's name
// is shortened a step; past the last step every line is cut to its share.
func fitLines(lines []line, budget int) []string {
	out := make([]string, len(lines))
	step := make([]int, len(lines))
	size := 0
	for i, l := range lines {
		out[i] = l(0)
		size += len(out[i]) + 1
	}
	for size > budget {
		longest := -1
		for i := range out {
			if step[i] < len(rooms)-1 && (longest < 0 || len(out[i]) > len(out[longest])) {
				longest = i
			}
		}
		if longest < 0 {
			for i := range out {
				out[i] = clip(out[i], max(budget/len(out)-1, 0))
			}
			break
		}
		step[longest]++
		shorter := lines[longest](rooms[step[longest]])
		size += len(shorter) - len(out[longest])
		out[longest] = shorter
	}
	return out
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len("…"), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// short cuts a title to n characters for a line that names its unit too.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// within is n characters, or room when a page asks for fewer (room 0 asks
// nothing).
func within(n, room int) int {
	if room > 0 && room < n {
		return room
	}
	return n
}

// turnPage answers 下一页, 上一页, 第3页: the sender's last list again at
// that page.
func (h *Handler) turnPage(ctx context.Context, t *turn, c Command) error {
	last, err := h.Store.ListPage(ctx, t.person.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && last.Query == "" {
		t.reply("现在没有可以翻页的列表。" + h.listHint(t) + "列表较长时回复「下一页」接着看。")
		return nil
	}
	if err != nil {
		return err
	}
	if last.MsgKey != t.in.Key && (t.now.Sub(last.At) > pageWindow || t.now.Before(last.At.Add(-time.Minute))) {
		t.reply(fmt.Sprintf("上次的列表「%s」已超过 %s，翻页已失效。请重新发送「%s」，或直接发送「%s 第%d页」。",
			last.Query, durationWords(pageWindow), last.Query, last.Query, min(last.Page+1, max(last.Pages, 1))))
		return nil
	}
	page := c.Page
	switch {
	case last.MsgKey == t.in.Key:
		page = last.Page // this message turned it already: a replay shows the same page
	case c.Page == PageNext && last.Pages == 1 && last.MsgKey != t.in.Key:
		t.reply(fmt.Sprintf("「%s」只有 1 页，已全部列出。", last.Query))
		return nil
	case c.Page == PageNext && last.Pages > 0 && last.Page >= last.Pages:
		t.reply(fmt.Sprintf("已是最后一页：「%s」共 %d 页。发送「上一页」回看，或「%s 第1页」从头看。", last.Query, last.Pages, last.Query))
		return nil
	case c.Page == PageNext:
		page = last.Page + 1
	case c.Page == PagePrev && last.Page <= 1:
		t.reply(fmt.Sprintf("已是第一页。发送「下一页」接着看「%s」。", last.Query))
		return nil
	case c.Page == PagePrev:
		page = last.Page - 1
	}
	again := Parse(last.Query, t.today)
	again.Page = page
	return h.listTasks(ctx, t, again)
}

// listHint says how the sender starts a list.
func (h *Handler) listHint(t *turn) string {
	if t.person.IsAdmin() || len(t.person.Groups()) > 0 {
		return "请先发送「任务」看汇总，或「任务 红」看红灯单位、「任务 待销号」看待您处理的事项；"
	}
	return "请先发送「任务」查看任务清单；"
}

func durationWords(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", d/time.Hour)
	}
	return fmt.Sprintf("%d 分钟", d/time.Minute)
}
