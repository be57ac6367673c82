package tasklist

import (
	"fmt"
	"slices"
	"strings"

	"github.com/duban-org/duban"
)

// Changes is what importing a task list would do to the current ledger, as
// `duban import --dry-run` prints it.
type Changes struct {
	Units  Section
	People Section
	Tasks  Section
}

// Section is the changes to one kind of record.
type Section struct {
	Added     []Item
	Changed   []Changed
	Unchanged int
	// Absent lists records of the current ledger the sheet does not carry.
	// An import never deletes: they stay as they are.
	Absent []Item
}

// Item names one record: its key (unit code, userid, task id) and a label.
type Item struct {
	Key  string
	Name string
}

// Changed is a record whose fields the import changes.
type Changed struct {
	Item
	Fields []FieldChange
}

// FieldChange is one field, old → new, as shown to the office.
type FieldChange struct {
	Field string // 单位名称, 完成时限, 状态 …
	Old   string
	New   string
}

// Empty reports whether the import changes nothing.
func (c Changes) Empty() bool {
	for _, s := range []Section{c.Units, c.People, c.Tasks} {
		if len(s.Added) > 0 || len(s.Changed) > 0 {
			return false
		}
	}
	return true
}

// Diff compares an incoming task list with the current ledger, applying
// the re-import rule of MergeTask, so a dry run shows exactly what an
// import would write.
func Diff(current, incoming Ledger) Changes {
	var c Changes

	units := map[string]duban.Unit{}
	for _, u := range current.Units {
		units[u.Code] = u
	}
	seenUnits := map[string]bool{}
	for _, u := range incoming.Units {
		seenUnits[u.Code] = true
		item := Item{u.Code, u.Name}
		old, ok := units[u.Code]
		if !ok {
			c.Units.Added = append(c.Units.Added, Item{u.Code, u.Name + "（" + u.Group + "）"})
			continue
		}
		var fs []FieldChange
		fs = field(fs, "单位名称", old.Name, u.Name)
		fs = field(fs, "督办组", old.Group, u.Group)
		c.Units.record(item, fs)
	}
	for _, u := range current.Units {
		if !seenUnits[u.Code] {
			c.Units.Absent = append(c.Units.Absent, Item{u.Code, u.Name})
		}
	}

	people := map[string]duban.Person{}
	for _, p := range current.People {
		people[strings.ToLower(p.UserID)] = p
	}
	seenPeople := map[string]bool{}
	for _, p := range incoming.People {
		key := strings.ToLower(p.UserID)
		seenPeople[key] = true
		old, ok := people[key]
		if !ok {
			c.People.Added = append(c.People.Added, Item{p.UserID, p.Name + "（" + postsText(p.Posts) + "）"})
			continue
		}
		var fs []FieldChange
		fs = field(fs, "姓名", old.Name, p.Name)
		fs = field(fs, "职务", postsText(old.Posts), postsText(p.Posts))
		c.People.record(Item{p.UserID, p.Name}, fs)
	}
	for _, p := range current.People {
		if !seenPeople[strings.ToLower(p.UserID)] {
			c.People.Absent = append(c.People.Absent, Item{p.UserID, p.Name})
		}
	}

	tasks := map[string]duban.Task{}
	for _, t := range current.Tasks {
		tasks[t.ID] = t
	}
	seenTasks := map[string]bool{}
	for _, t := range incoming.Tasks {
		seenTasks[t.ID] = true
		old, ok := tasks[t.ID]
		if !ok {
			label := t.Unit + " " + t.Title + "（" + t.Deadline.String()
			if t.Status != duban.StatusNotStarted {
				label += "，" + string(t.Status)
			}
			c.Tasks.Added = append(c.Tasks.Added, Item{t.ID, label + "）"})
			continue
		}
		next := MergeTask(old, t, incoming.StatusSet[t.ID])
		var fs []FieldChange
		fs = field(fs, "单位编码", old.Unit, next.Unit)
		fs = field(fs, "任务事项", old.Title, next.Title)
		fs = field(fs, "完成时限", old.Deadline.String(), next.Deadline.String())
		fs = field(fs, "备注", old.Note, next.Note)
		fs = field(fs, "状态", string(old.Status), string(next.Status))
		fs = field(fs, "进展", old.Progress, next.Progress)
		c.Tasks.record(Item{t.ID, next.Unit + " " + next.Title}, fs)
	}
	for _, t := range current.Tasks {
		if !seenTasks[t.ID] {
			c.Tasks.Absent = append(c.Tasks.Absent, Item{t.ID, t.Unit + " " + t.Title})
		}
	}
	return c
}

func field(fs []FieldChange, name, old, new string) []FieldChange {
	if old == new {
		return fs
	}
	return append(fs, FieldChange{name, old, new})
}

func (s *Section) record(item Item, fs []FieldChange) {
	if len(fs) == 0 {
		s.Unchanged++
		return
	}
	s.Changed = append(s.Changed, Changed{item, fs})
}

// postsText renders posts in a stable order: 一把手 DQ01、督办组长 党群组.
func postsText(posts []duban.Post) string {
	parts := make([]string, 0, len(posts))
	for _, p := range posts {
		s := string(p.Role)
		if p.Scope != "" {
			s += " " + p.Scope
		}
		parts = append(parts, s)
	}
	slices.Sort(parts)
	return strings.Join(parts, "、")
}

// maxListed bounds the lines String prints per list; a first import adds
// hundreds of tasks and the counts say enough.
const maxListed = 30

// String renders the changes for the CLI, in Chinese.
func (c Changes) String() string {
	var b strings.Builder
	if c.Empty() {
		b.WriteString("导入不会改变任何数据。\n")
	}
	for _, sec := range []struct {
		name string
		s    Section
	}{{"单位", c.Units}, {"人员", c.People}, {"任务", c.Tasks}} {
		s := sec.s
		fmt.Fprintf(&b, "%s：新增 %d，变更 %d，不变 %d", sec.name, len(s.Added), len(s.Changed), s.Unchanged)
		if len(s.Absent) > 0 {
			fmt.Fprintf(&b, "，表中未列出 %d（保留不变）", len(s.Absent))
		}
		b.WriteString("\n")
		for i, it := range s.Added {
			if i == maxListed {
				fmt.Fprintf(&b, "  …另有新增 %d 项\n", len(s.Added)-maxListed)
				break
			}
			fmt.Fprintf(&b, "  + %s %s\n", it.Key, it.Name)
		}
		for i, ch := range s.Changed {
			if i == maxListed {
				fmt.Fprintf(&b, "  …另有变更 %d 项\n", len(s.Changed)-maxListed)
				break
			}
			fmt.Fprintf(&b, "  ~ %s %s：", ch.Key, ch.Name)
			for j, f := range ch.Fields {
				if j > 0 {
					b.WriteString("；")
				}
				fmt.Fprintf(&b, "%s「%s」→「%s」", f.Field, f.Old, f.New)
			}
			b.WriteString("\n")
		}
		for i, it := range s.Absent {
			if i == maxListed {
				fmt.Fprintf(&b, "  …另有未列出 %d 项\n", len(s.Absent)-maxListed)
				break
			}
			fmt.Fprintf(&b, "  = %s %s（表中未列出，保留不变）\n", it.Key, it.Name)
		}
	}
	return b.String()
}
