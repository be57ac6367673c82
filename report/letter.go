package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/docx"
	"github.com/duban-org/duban/remind"
)

// Letter is one 专函督办 to a lagging unit's 一把手.
type Letter struct {
	Unit    duban.Unit
	Head    string // the 一把手's name; "" when the ledger names none
	HeadID  string // their userid
	Tasks   []remind.Item
	Number  string     // 文号, 咸编办函〔2026〕3号; blank number in a draft
	Date    time.Time  // date of the letter
	ReplyBy duban.Date // the written reply is due by this day
}

// FileName is the letter's file name: 专函督办-<unit>.docx.
func (l Letter) FileName() string { return "专函督办-" + safeName(l.Unit.Name) + ".docx" }

// Lagging returns the units of b's red list whose longest-overdue task is
// at least minWorkdays working days overdue (every red unit when 0), each
// with its overdue tasks and its 一把手 from the ledger's people.
func Lagging(b remind.Bulletin, people []duban.Person, minWorkdays int) []Letter {
	var out []Letter
	for _, r := range b.Red {
		if len(r.Tasks) == 0 || r.Tasks[0].WorkdaysOverdue < minWorkdays {
			continue
		}
		l := Letter{Unit: r.Unit, Tasks: r.Tasks, Date: b.At}
		for _, p := range people {
			if p.Has(duban.RoleHead, r.Unit.Code) {
				l.Head, l.HeadID = p.Name, p.UserID
				break
			}
		}
		out = append(out, l)
	}
	return out
}

// LetterNumber writes a 文号: prefix〔year〕n号, or prefix〔year〕　号 with
// the number left blank (a draft, numbered when it is registered).
func LetterNumber(prefix string, year, n int) string {
	if n <= 0 {
		return fmt.Sprintf("%s〔%d〕　　号", prefix, year)
	}
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, n)
}

// LetterDocx writes letter l from office o as a .docx in 信函格式.
func LetterDocx(o Office, l Letter) ([]byte, error) {
	d := &docx.Document{Title: "关于督促" + l.Unit.Name + "加快完成改革任务的函", Creator: o.Name}
	d.LetterHead(o.Name, l.Number)
	d.TitleText("关于督促" + l.Unit.Name + "\n加快完成改革任务的函")
	d.Blank()
	addressee := l.Unit.Name + "：" // 主送
	if l.Head != "" {
		addressee = l.Unit.Name + l.Head + "同志："
	}
	d.Add(docx.Para{Runs: []docx.Run{{Text: addressee, Font: docx.FontBody, Size: docx.Size3}}, Exact: true})
	d.Body(fmt.Sprintf("按照改革任务清单，截至%s，贵单位有%d项任务已超过完成时限，经多次提醒和督办组督促仍未完成。现将有关任务函告如下：",
		chineseDate(l.Date), len(l.Tasks)))
	rows := make([][]string, len(l.Tasks))
	for i, t := range l.Tasks {
		rows[i] = []string{fmt.Sprint(i + 1), t.TaskID + " " + t.Title, t.Deadline.String(), fmt.Sprint(t.DaysOverdue), fmt.Sprint(t.WorkdaysOverdue)}
	}
	d.Table([]int{3, 13, 5, 3, 4}, []string{"序号", "任务", "完成时限", "逾期天数", "逾期工作日"}, rows)
	d.Blank()
	d.Body(fmt.Sprintf("请贵单位主要负责同志高度重视，亲自研究部署，明确责任人和完成时间，抓紧完成上述任务，并于%s前将办理情况书面报送%s。",
		dateOf(l.ReplyBy), o.short()))
	d.Body("特此函告。")
	d.Signature(o.signer(), chineseDate(l.Date))
	if o.Contact != "" {
		d.Blank()
		d.Body("（" + strings.Trim(o.Contact, "（）()") + "）")
	}
	return d.Bytes()
}

// LetterNotice is the chat notice of an issued letter to its addressee:
// what is overdue and the reply date, the formal letter following.
func LetterNotice(o Office, l Letter) string {
	var b strings.Builder
	fmt.Fprintf(&b, "【专函督办】%s向贵单位发出《关于督促%s加快完成改革任务的函》（%s）。贵单位以下%d项任务已超过完成时限：\n",
		o.short(), l.Unit.Name, l.Number, len(l.Tasks))
	for i, t := range l.Tasks {
		fmt.Fprintf(&b, "%d. %s %s（完成时限 %s，逾期 %d 个工作日）\n", i+1, t.TaskID, t.Title, t.Deadline, t.WorkdaysOverdue)
	}
	fmt.Fprintf(&b, "请于%s前将办理情况书面报送%s。函件正式文本随后以文件发送。", dateOf(l.ReplyBy), o.short())
	return b.String()
}

// safeName keeps a file name portable: no path separators or characters
// Windows refuses.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, s)
}
