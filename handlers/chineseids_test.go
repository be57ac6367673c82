package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/store"
)

// A task list may number its tasks in Chinese. Such ids work in every order
// the grammar takes ASCII ids, glued to the verb or not, also when the id
// starts with a verb word (任务三 is not 任务 of a unit 三).
func TestChineseTaskIDs(t *testing.T) {
	cases := []struct {
		text, task string
		want       duban.Status
		reply      string
	}{
		{"任务三 完成了", "任务三", duban.StatusReported, "任务 任务三「公安局编制核减」"},
		{"任务三完成了", "任务三", duban.StatusReported, "已报完成"},
		{"完成了任务三", "任务三", duban.StatusReported, "已报完成"},
		{"任务三已完成，材料已报", "任务三", duban.StatusReported, "（材料已报）"},
		{"教育-3完成了", "教育-3", duban.StatusReported, "任务 教育-3「教育局人员转岗安置」"},
		{"教育-3已完成，人员已安置", "教育-3", duban.StatusReported, "（人员已安置）"},
		{"完成 教育-3 人员已安置", "教育-3", duban.StatusReported, "已报完成"},
		{"教育-3 有进展：已摸底", "教育-3", duban.StatusInProgress, "（已摸底）"},
		{"任务三、教育-3 已完成", "教育-3", duban.StatusReported, "任务 任务三"},
		{"任务三", "", "", "任务 任务三「公安局编制核减」（市公安局）\n当前：未启动"}, // an id alone shows its record
		{"教育-31 完成了", "", "", "没"},
		{"任务 市公安局", "", "", "市公安局（第一组）任务清单"},
		{"任务 教育-3", "", "", "任务 教育-3「教育局人员转岗安置」（市教育局）\n当前：未启动"},
		{"任务 任务三", "", "", "任务 任务三「公安局编制核减」（市公安局）\n当前：未启动"},
		{"任务 全部", "", "", "您负责的单位·任务清单：共 2 项\n1. 教育-3「教育局人员转岗安置」｜市教育局｜【绿】时限 2026-12-05｜未启动"}, // the sender's two units
	}
	for _, c := range cases {
		st, err := store.Open("", store.Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		l := duban.Ledger{
			Units: []duban.Unit{{Code: "GA", Name: "市公安局", Group: "第一组"}, {Code: "JY", Name: "市教育局", Group: "第一组"}},
			People: []duban.Person{{UserID: "qian", Name: "钱多", Posts: []duban.Post{
				{Role: duban.RoleContact, Scope: "GA"}, {Role: duban.RoleContact, Scope: "JY"}}}},
			Tasks: []duban.Task{
				{ID: "任务三", Unit: "GA", Title: "公安局编制核减", Deadline: duban.NewDate(2027, 1, 20)},
				{ID: "教育-3", Unit: "JY", Title: "教育局人员转岗安置", Deadline: duban.NewDate(2026, 12, 5)},
			},
		}
		if _, err := st.Import(context.Background(), l, "import", phrasingClock.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		h := &Handler{Store: st, Location: time.UTC, WarnDays: 3, UndoWindow: 30 * time.Minute, Now: func() time.Time { return phrasingClock }}
		out := sendPhrase(t, h, "msg:cn", "qian", c.text)
		must(t, out, "qian", c.reply)
		for _, id := range []string{"任务三", "教育-3"} {
			got := status(t, h, id)
			if id == c.task && got != c.want {
				t.Errorf("%q: %s is %s, want %s", c.text, id, got, c.want)
			}
			if c.task == "" && got != duban.StatusNotStarted {
				t.Errorf("%q changed %s to %s", c.text, id, got)
			}
		}
		st.Close()
	}
}
