package handlers

// The drill-down grammar of 任务: which list (任务 红, 逾期的任务, 看看黄的,
// 任务 待销号), of what (任务 江城组 红, 任务 市司法局 第2页) and which page
// (第2页, 第 二 页, 下一页, 更多). A message is a listing only when every
// word of it is one of these; anything else is read as before.

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ListKind is which of a scope's lists a 任务 command asks for; "" is the
// scope's own: a summary for a group or the city, the task list for a unit.
type ListKind string

const (
	ListRed     ListKind = "红"   // units with overdue tasks; a unit's overdue tasks
	ListOverdue ListKind = "逾期"  // overdue tasks, longest first
	ListYellow  ListKind = "黄"   // units with tasks due soon; a unit's tasks due soon
	ListDueSoon ListKind = "临期"  // tasks due within the warning window
	ListWaiting ListKind = "待销号" // reports waiting for 销号 and extension requests
	ListGreen   ListKind = "绿"   // units on track
	ListUnits   ListKind = "单位"  // every unit, red first
	ListAll     ListKind = "全部"  // every task
)

// Page sentinels of a Command: a page relative to the one last shown.
const (
	PageNext = -1
	PagePrev = -2
	PageLast = -3
)

// listWords are the spellings of each list, as whole words.
var listWords = map[string]ListKind{}

func init() {
	for kind, words := range map[ListKind][]string{
		ListRed: {"红", "红的", "红灯", "红灯的", "红灯单位", "红灯的单位", "红色", "红名单", "红灯名单",
			"逾期单位", "逾期的单位", "有逾期的单位"},
		ListOverdue: {"逾期", "逾期的", "逾期任务", "逾期的任务", "已逾期", "已逾期的", "已逾期任务", "已逾期的任务",
			"超期", "超期的", "超期任务", "超期的任务", "红灯任务", "红灯的任务", "过期的", "过期任务", "过期的任务"},
		ListYellow: {"黄", "黄的", "黄灯", "黄灯的", "黄灯单位", "黄灯的单位", "黄色", "临期单位", "临期的单位"},
		ListDueSoon: {"临期", "临期的", "临期任务", "临期的任务", "即将到期", "即将到期的", "即将到期的任务",
			"快到期", "快到期的", "快到期的任务", "黄灯任务", "黄灯的任务", "要到期的", "要到期的任务",
			"要截止的", "要截止的任务", "快截止的", "快截止的任务", "即将截止的", "即将截止的任务"},
		ListWaiting: {"待销号", "待销号的", "待销号任务", "待销号的任务", "待审批", "待审批的", "待批", "延期待批",
			"待办", "待处理", "待处理的", "待我处理", "待我处理的", "待您处理", "待办事项",
			"要我处理的", "需要我处理的", "我要处理的", "要处理的", "需要处理的", "待我办的", "要我办的"},
		ListGreen: {"绿", "绿的", "绿灯", "绿灯的", "绿灯单位", "绿灯的单位", "绿色"},
		ListUnits: {"单位", "全部单位", "所有单位", "各单位", "单位排名", "单位清单", "单位列表", "单位一览"},
		ListAll:   {"全部", "全部的", "全部任务", "所有任务", "全部清单"},
	} {
		for _, w := range words {
			listWords[w] = kind
		}
	}
}

// listVerbs open a listing: 任务 红, 看看红的, 查一下逾期的.
var listVerbs = []string{"帮我看看任务", "查一下任务", "看一下任务", "看看任务", "查看任务", "任务清单", "任务列表", "我的任务",
	"查任务", "看任务", "任务", "帮我看看", "看一下", "看一看", "看看", "查看", "查一下", "列出", "显示", "只看", "查", "我的"}

// pageWords are the whole messages that turn the last list's page.
var pageWords = map[string]int{
	"下一页": PageNext, "下页": PageNext, "后一页": PageNext, "再来一页": PageNext, "翻页": PageNext, "往后翻": PageNext,
	"更多": PageNext, "看更多": PageNext, "更多的": PageNext,
	"上一页": PagePrev, "上页": PagePrev, "前一页": PagePrev, "往前翻": PagePrev,
	"最后一页": PageLast, "末页": PageLast, "尾页": PageLast,
	"第一页": 1, "首页": 1,
}

var rePage = regexp.MustCompile(`第\s*([0-9]{1,5}|[零〇一二三四五六七八九十两百]{1,5})\s*页的?`)

// parseListing reads s as a drill-down of 任务; ok is false when it is not
// one. A relative page alone (下一页) is VerbPage.
func parseListing(s string) (Command, bool) {
	s = strings.TrimRight(s, "。.！!~～ ")
	question := false
	if t := strings.TrimRight(s, "?？ "); t != s {
		s, question = t, true
	}
	body, verb := s, false
	for _, v := range listVerbs {
		if rest, ok := strings.CutPrefix(s, v); ok {
			body, verb = trimLead(rest), true
			break
		}
	}
	page, found := 0, false
	if m := rePage.FindStringSubmatchIndex(body); m != nil {
		n, ok := pageNumber(body[m[2]:m[3]])
		if !ok {
			return Command{}, false
		}
		page, found = n, true
		body = body[:m[0]] + " " + body[m[1]:]
	}
	var kind ListKind
	var scope string
	for _, tok := range strings.FieldsFunc(body, func(r rune) bool { return strings.ContainsRune(" ，,、：:；;", r) }) {
		if k, ok := listWords[tok]; ok && kind == "" {
			kind = k
			continue
		}
		if n, ok := pageWords[tok]; ok && !found {
			page, found = n, true
			continue
		}
		if _, _, isVerb := splitVerb(tok); scope != "" || isVerb {
			return Command{}, false
		}
		scope = tok
	}
	switch {
	case kind == "" && !found:
		return Command{}, false
	case question && (scope != "" || isQuestion(body)):
		return Command{}, false // 逾期 怎么办？ is a question
	case page == PageNext || page == PagePrev || kind == "" && scope == "" && !verb:
		return Command{Verb: VerbPage, Page: page}, true // 下一页, 第2页, 任务 红 下一页
	}
	return Command{Verb: VerbTasks, Task: scope, List: kind, Page: page}, true
}

// namedList reads a name glued to a list after it (政府组的待销号,
// 市司法局逾期任务); the caller checks the name is a unit's or a group's. A
// bare 单位 or 全部 is not read so: unit names end in such words.
func namedList(tok string) (string, ListKind, bool) {
	best := ""
	for w := range listWords {
		if len(w) > len(best) && utf8.RuneCountInString(w) >= 2 && strings.HasSuffix(tok, w) {
			best = w
		}
	}
	if best == "" || listWords[best] == ListUnits || listWords[best] == ListAll {
		return "", "", false
	}
	name := strings.TrimSuffix(strings.TrimSuffix(tok, best), "的")
	if utf8.RuneCountInString(name) < 2 {
		return "", "", false
	}
	return name, listWords[best], true
}

// askedListing reads a question that asks for a list (待销号的有哪些,
// 有几个要我处理的, 最近有什么要截止的任务) as that list.
func askedListing(s string) (Command, bool) {
	body := strings.TrimRight(s, "?？。.！! ")
	for changed := true; changed; {
		changed = false
		for _, w := range []string{"都有哪些", "都是哪些", "有哪些", "是哪些", "有几个", "有几项", "有多少", "有什么", "都有啥", "有啥", "呢", "吗", "了"} {
			if rest, ok := strings.CutSuffix(body, w); ok && rest != "" {
				body, changed = rest, true
			}
		}
		for _, w := range []string{"最近", "现在", "目前", "还有", "都有", "有没有", "有", "哪些是", "哪些", "什么", "几个", "多少"} {
			if rest, ok := strings.CutPrefix(body, w); ok && rest != "" {
				body, changed = rest, true
			}
		}
	}
	if body == s || isQuestion(body) {
		return Command{}, false // 逾期 怎么办？ asks about the rules
	}
	c, ok := parseListing(body)
	return c, ok && c.Verb == VerbTasks && c.List != ""
}

// pageNumber reads a page number: 2, 12, 二, 十二, 两.
func pageNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n > 0
	}
	digits := map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	n, cur := 0, 0
	for _, r := range s {
		switch r {
		case '十':
			n += max(cur, 1) * 10
			cur = 0
		case '百':
			n += max(cur, 1) * 100
			cur = 0
		default:
			cur = digits[r]
		}
	}
	n += cur
	return n, n > 0
}

// listQuery is the command that shows list kind of scope ref, without a
// page: what 下一页 repeats with the next one.
func listQuery(ref string, kind ListKind) string {
	q := "任务"
	if ref != "" {
		q += " " + ref
	}
	if kind != "" {
		q += " " + string(kind)
	}
	return q
}
