package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/duban-org/duban"
)

func (h *Handler) greeting(t *turn) string {
	if !t.known {
		return notRegistered(t.in.From)
	}
	name := t.person.Name
	if name == "" {
		name = t.person.UserID
	}
	return fmt.Sprintf("%s，您好！我是改革督办助手。发送「任务」查看任务清单，「帮助」查看全部用法。", name)
}

func notRegistered(userid string) string {
	return fmt.Sprintf("您好！您的账号（%s）还没有登记在改革任务清单中，暂时不能查看或报送任务。如需登记，请联系编办在任务清单的「人员」表中加上您的账号、姓名、角色和所属单位（或督办组），重新导入后即可使用。\n您仍可以咨询改革政策，例如：每个科室最少要有几个人？", userid)
}

// help lists only what the sender may say, by their posts, with examples
// on their own tasks: a group leader is not told to 完成.
func (h *Handler) help(ctx context.Context, t *turn) string {
	if !t.known {
		return notRegistered(t.in.From)
	}
	var b strings.Builder
	b.WriteString("可以这样对我说：\n")
	b.WriteString("任务 —— 查看任务清单（编号、时限、状态、红黄绿灯）\n")
	p := t.person
	if p.IsAdmin() || len(p.Groups()) > 0 {
		if name := h.exampleUnit(ctx, t); name != "" {
			fmt.Fprintf(&b, "任务 单位名称或编码 —— 查看某个单位的任务，如：任务 %s\n", name)
		} else {
			b.WriteString("任务 单位名称或编码 —— 查看某个单位的任务\n")
		}
		b.WriteString("任务 红 / 任务 黄 —— 红灯单位（有逾期任务）/ 黄灯单位（有临期任务）\n")
		b.WriteString("任务 逾期 / 任务 待销号 —— 逾期任务（逾期最久在前）/ 待您销号和审批延期的事项\n")
		b.WriteString("任务 单位 —— 全部单位（红灯、黄灯在前）；也可加单位或督办组名，如：任务 " + h.exampleScope(ctx, t) + " 红\n")
		b.WriteString("列表分页显示，回复「下一页」「上一页」或「第3页」翻页\n")
	}
	report := h.exampleTask(ctx, t, actionOf(VerbReport))
	var verify duban.Task
	if p.IsAdmin() || len(p.Groups()) > 0 {
		verify = h.exampleTask(ctx, t, actionOf(VerbVerify))
	}
	if p.IsAdmin() || len(p.Units()) > 0 {
		task := report
		fmt.Fprintf(&b, "%s —— 报告任务已完成，待督办组销号\n", example(VerbReport, task))
		fmt.Fprintf(&b, "%s —— 报告进展\n", example(VerbProgress, task))
		fmt.Fprintf(&b, "%s —— 申请延期（日期也可写 1月20日、下周五、月底）\n", example(VerbExtend, task))
		b.WriteString("收到 —— 确认收到提醒\n")
	}
	if p.IsAdmin() || len(p.Groups()) > 0 {
		task := verify
		fmt.Fprintf(&b, "%s —— 对账无误，销号\n", example(VerbVerify, task))
		fmt.Fprintf(&b, "%s —— 退回单位补充\n", example(VerbReject, task))
		fmt.Fprintf(&b, "%s / %s —— 审批延期申请\n", example(VerbApprove, task), example(VerbRefuse, task))
		b.WriteString("通报 —— 预览工作通报，回复「确认」后发布\n")
	}
	if p.IsAdmin() {
		b.WriteString("专函 —— 逐件预览专函督办草稿，回复「确认」发出、「取消」不发\n")
	}
	b.WriteString("撤销 —— 撤销自己最近一次变更\n")
	record := report
	if record.ID == "" {
		record = h.exampleTask(ctx, t, duban.ActVerify)
	}
	if record.ID == "" {
		b.WriteString("记录 任务编号 —— 查看任务的变更和催办记录\n")
	} else {
		fmt.Fprintf(&b, "记录 %s —— 查看任务的变更和催办记录\n", record.ID)
	}
	if task := report; task.ID != "" {
		if w := h.titleWord(ctx, t, task); w != "" {
			fmt.Fprintf(&b, "任务编号也可以用任务名称中的词代替，词序也可以随意，如：%s 完成了（即 %s）\n", w, task.ID)
		} else {
			fmt.Fprintf(&b, "词序可以随意，如：%s 完成了\n", task.ID)
		}
	}
	b.WriteString("其他问题直接问我，我从改革文件中查找答案，例如：每个科室最少要有几个人？")
	if h.Interpreter != nil {
		b.WriteString("\n也可以直接用自己的话说进展，我理解后请您确认。")
	}
	return b.String()
}

// exampleScope is a group the sender leads, for 编办 the first group.
func (h *Handler) exampleScope(ctx context.Context, t *turn) string {
	if gs := t.person.Groups(); len(gs) > 0 {
		return gs[0]
	}
	if units, err := h.Store.Units(ctx); err == nil && len(units) > 0 {
		return units[0].Group
	}
	return "督办组名"
}

// exampleUnit is the name of a unit the sender may list: the first of their
// group's units, any unit for 编办; "" when there is none.
func (h *Handler) exampleUnit(ctx context.Context, t *turn) string {
	units, err := h.Store.Units(ctx)
	if err != nil {
		return ""
	}
	for _, u := range units {
		if t.person.CanSee(u) && (t.person.IsAdmin() || slices.Contains(t.person.Groups(), u.Group)) {
			return u.Name
		}
	}
	return ""
}

// titleWord is a word of task's title (2 to 4 Han characters, the last
// ones first: 改革方案 of 制定改革方案) that names it alone among the tasks
// the sender sees and that the grammar reads as a task; "" when none does,
// and for a sender of more tasks than a title is guessed among (they name
// them by id).
func (h *Handler) titleWord(ctx context.Context, t *turn, task duban.Task) string {
	if !h.fewToGuess(ctx, t.person) {
		return ""
	}
	visible, err := h.visibleTasks(ctx, t.person)
	if err != nil {
		return ""
	}
	title := []rune(task.Title)
	for n := 4; n >= 2; n-- {
	words:
		for i := len(title) - n; i >= 0; i-- {
			w := string(title[i : i+n])
			for _, r := range w {
				if !unicode.Is(unicode.Han, r) {
					continue words
				}
			}
			if c := Parse(w+" 完成了", t.today); c.Verb != VerbReport || c.Task != w {
				continue
			}
			hits := 0
			for _, vt := range visible {
				if vt.ID == w {
					continue words
				}
				if strings.Contains(vt.Title, w) {
					if hits++; hits > 1 {
						continue words
					}
				}
			}
			if hits == 1 {
				return w
			}
		}
	}
	return ""
}
