package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/report"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["letters"] = command{"对滞后单位的专函督办：草稿写入 --out；--issue 编号、存档并通知各单位一把手；--list 列出已发函件", runLetters}
}

func runLetters(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "letters", "")
	nowFlag := fs.String("now", "", "按此时刻计算")
	out := fs.String("out", "", "函件（.docx）的输出目录")
	issue := fs.String("issue", "", `向这些单位发函（单位编码，逗号分隔，或 "all"）：编号、存档、通知`)
	list := fs.Bool("list", false, "列出已发的函件")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if *list {
		return a.listLetters(ctx)
	}
	if *out == "" {
		return usageError(fs, "须用 --out 指定函件的输出目录")
	}
	now, err := a.at(*nowFlag)
	if err != nil {
		return err
	}
	b, err := a.bulletin(ctx, now, nil)
	if err != nil {
		return err
	}
	if *issue == "" {
		return a.writeLetters(ctx, b, *out)
	}
	return a.issueLetters(ctx, b, *out, *issue)
}

// lagging is the letters due at b: one per unit overdue at least
// letter_after_workdays working days, with its reply date.
func (a *app) lagging(ctx context.Context, b remind.Bulletin) ([]report.Letter, duban.Ledger, error) {
	l, err := a.st.Snapshot(ctx)
	if err != nil {
		return nil, l, err
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return nil, l, err
	}
	letters := report.Lagging(b, l.People, a.remind.LetterAfterWorkdays)
	replyBy := addWorkdays(cal, b.Today, a.cfg.Office.ReplyWorkdays)
	for i := range letters {
		letters[i].ReplyBy = replyBy
	}
	return letters, l, nil
}

// writeLetters writes a 专函督办 draft for every lagging unit, its 文号's
// number left blank: a preview that changes nothing.
func (a *app) writeLetters(ctx context.Context, b remind.Bulletin, dir string) error {
	letters, _, err := a.lagging(ctx, b)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("letters: %w", err)
	}
	for _, lt := range letters {
		lt.Number = report.LetterNumber(a.cfg.Office.LetterPrefix, b.At.Year(), 0)
		data, err := report.LetterDocx(a.office(), lt)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, lt.FileName())
		if err := writeFile(path, data); err != nil {
			return err
		}
		head := lt.Head
		if head == "" {
			head = "（台账未载一把手）"
		}
		fmt.Fprintf(a.e.stdout, "专函督办（草稿）：%s %s，逾期 %d 项 → %s\n", lt.Unit.Name, head, len(lt.Tasks), path)
	}
	if len(letters) == 0 {
		fmt.Fprintf(a.e.stdout, "没有逾期满 %d 个工作日的单位，无需专函督办。\n", a.remind.LetterAfterWorkdays)
	}
	return nil
}

// issueLetters numbers, archives and writes the letters to the units named
// (or all), and queues a notice to each unit's 一把手 (its 联络员 when the
// ledger names no 一把手).
func (a *app) issueLetters(ctx context.Context, b remind.Bulletin, dir, which string) error {
	letters, l, err := a.lagging(ctx, b)
	if err != nil {
		return err
	}
	if which != "all" {
		want := strings.FieldsFunc(which, func(r rune) bool { return r == ',' || r == '，' || r == ' ' })
		var picked []report.Letter
		for _, code := range want {
			i := slices.IndexFunc(letters, func(lt report.Letter) bool { return strings.EqualFold(lt.Unit.Code, code) })
			if i < 0 {
				return fmt.Errorf("--issue %s：该单位无需专函督办（没有逾期满 %d 个工作日的任务，或没有这个单位）", code, a.remind.LetterAfterWorkdays)
			}
			picked = append(picked, letters[i])
		}
		letters = picked
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("letters: %w", err)
	}
	issued := 0
	for _, lt := range letters {
		to := a.letterRecipients(l, lt)
		if len(to) == 0 {
			return fmt.Errorf("%s（%s）：任务清单中没有该单位的一把手或联络员，专函无人可送", lt.Unit.Name, lt.Unit.Code)
		}
		rec, doc, err := a.issueLetter(ctx, b, lt, to, "cli")
		if errors.Is(err, store.ErrLetterIssued) {
			fmt.Fprintf(a.e.stderr, "%s（%s）：今天已向该单位发出专函，未再发。\n", lt.Unit.Name, lt.Unit.Code)
			continue
		}
		if err != nil {
			return err
		}
		path := filepath.Join(dir, strings.TrimSuffix(lt.FileName(), ".docx")+"-"+fmt.Sprint(rec.No)+".docx")
		if err := writeFile(path, doc); err != nil {
			return err
		}
		issued++
		fmt.Fprintf(a.e.stdout, "已发专函：%s %s → %s，通知 %s\n", rec.Number, lt.Unit.Name, path, strings.Join(to, "、"))
	}
	fmt.Fprintf(a.e.stderr, "共发出专函 %d 件，给各单位的通知已放入发件箱，由 duban serve 发送。\n", issued)
	return nil
}

// issueLetter numbers, renders and archives letter lt (due at b) and queues
// its notice and document to to, in one transaction; it returns the record
// and the document.
func (a *app) issueLetter(ctx context.Context, b remind.Bulletin, lt report.Letter, to []string, by string) (store.LetterRecord, []byte, error) {
	year := b.At.Year()
	var doc []byte
	rec, err := a.st.IssueLetter(ctx, year, lt.Unit.Code, b.Today, func(no int) (store.LetterIssue, error) {
		lt.Number = report.LetterNumber(a.cfg.Office.LetterPrefix, year, no)
		data, err := report.LetterDocx(a.office(), lt)
		if err != nil {
			return store.LetterIssue{}, err
		}
		doc = data
		ids := make([]string, len(lt.Tasks))
		for i, t := range lt.Tasks {
			ids[i] = t.TaskID
		}
		return store.LetterIssue{
			Record: store.LetterRecord{Number: lt.Number, Name: lt.Unit.Name, Head: lt.Head, HeadID: lt.HeadID, Tasks: ids, ReplyBy: lt.ReplyBy, File: lt.FileName()},
			Doc:    data, Text: report.LetterNotice(a.office(), lt),
		}, nil
	}, to, by, b.At)
	return rec, doc, err
}

// letterRecipients is who is told of a letter: the unit's 一把手, or its
// 联络员 when the ledger names no 一把手.
func (a *app) letterRecipients(l duban.Ledger, lt report.Letter) []string {
	if lt.HeadID != "" {
		return []string{lt.HeadID}
	}
	var to []string
	for _, p := range l.People {
		if p.Has(duban.RoleContact, lt.Unit.Code) {
			to = append(to, p.UserID)
		}
	}
	return to
}

func (a *app) listLetters(ctx context.Context) error {
	all, err := a.st.Letters(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintln(a.e.stdout, "尚未发出专函督办。")
		return nil
	}
	w := tabwriter.NewWriter(a.e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "文号\t单位\t一把手\t逾期任务\t书面报送期限\t发出时间")
	for _, r := range all {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Number, r.Name, r.Head, strings.Join(r.Tasks, "、"), r.ReplyBy, r.At.In(a.loc).Format("2006-01-02 15:04"))
	}
	return w.Flush()
}
