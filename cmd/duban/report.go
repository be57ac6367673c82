package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/remind"
	"github.com/duban-org/duban/report"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["report"] = command{"工作通报：预览，或用 --publish 编号、存档并发送；--docx/--xlsx/--letters 写出文档；--list 列出已发布的通报", runReport}
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "report", "")
	publish := fs.Bool("publish", false, "编号、存档，并发送给编办和各督办组长")
	nowFlag := fs.String("now", "", "按此时刻统计")
	docxOut := fs.String("docx", "", "把通报写成 Word 文档（GB/T 9704 版式）到此文件")
	xlsxOut := fs.String("xlsx", "", "把红黄灯清单写成工作簿到此文件")
	letters := fs.String("letters", "", "为每个滞后单位写一份专函督办草稿到此目录")
	list := fs.Bool("list", false, "列出已发布的通报及其文档")
	archived := fs.Int("archived", 0, "与 --out 一起用：写出第 N 份已发布通报存档的文档（N 为 --list 中的序号）")
	out := fs.String("out", "", "--archived 的输出目录")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, err := openAppAt(ctx, e, *cfgPath, !*publish)
	if err != nil {
		return err
	}
	defer a.Close()
	switch {
	case *list:
		return a.listBulletins(ctx)
	case *archived > 0:
		if *out == "" {
			return usageError(fs, "--archived 须与 --out 目录一起用")
		}
		return a.writeArchived(ctx, *archived, *out)
	}
	now, err := a.at(*nowFlag)
	if err != nil {
		return err
	}
	var b remind.Bulletin
	var files []store.BulletinFile
	if *publish {
		if err := a.roomToWrite(ctx); err != nil {
			return err
		}
		rec, err := a.publishBulletin(ctx, "cli", "", nil, now)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Bulletin, &b); err != nil {
			return fmt.Errorf("bulletin %d: %w", rec.No, err)
		}
		for _, f := range rec.Files {
			data, err := a.st.BulletinDocument(ctx, rec.No, f.Name)
			if err != nil {
				return err
			}
			f.Data = data
			files = append(files, f)
		}
		fmt.Fprintln(e.stdout, remind.Render(b))
		fmt.Fprintf(e.stderr, "已发布%s：发给 %d 个接收方的消息已放入发件箱，由 duban serve 发送。\n", rec.Label(), len(rec.To))
	} else {
		b, _, files, err = a.previewBulletin(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, remind.Render(b))
		fmt.Fprintln(e.stderr, "（预览：未编号、未存档、未发送；加 --publish 发布）")
	}
	for _, w := range []struct{ path, ext string }{{*docxOut, ".docx"}, {*xlsxOut, ".xlsx"}} {
		if w.path == "" {
			continue
		}
		for _, f := range files {
			if strings.HasSuffix(f.Name, w.ext) {
				if err := writeFile(w.path, f.Data); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "已写入 %s\n", w.path)
			}
		}
	}
	if *letters != "" {
		return a.writeLetters(ctx, b, *letters)
	}
	return nil
}

// errUsageText prints the usage and returns errUsage.
func usageError(fs *flag.FlagSet, msg string) error {
	fmt.Fprintf(fs.Output(), "%s：%s\n", fs.Name(), msg)
	fs.Usage()
	return errUsage
}

// office is [office] as the documents want it.
func (a *app) office() report.Office {
	o := a.cfg.Office
	return report.Office{Name: o.Name, ShortName: o.ShortName, BulletinTitle: o.BulletinTitle, LetterPrefix: o.LetterPrefix,
		Signer: o.Signer, Contact: o.Contact, CC: o.CC}
}

// lastBulletin is the latest published bulletin, nil before the first.
func (a *app) lastBulletin(ctx context.Context) (*store.BulletinRecord, error) {
	rec, err := a.st.LastBulletin(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// previewBulletin computes the next bulletin as at now, unnumbered, with its
// change since the last published one and its documents; it changes
// nothing.
func (a *app) previewBulletin(ctx context.Context, now time.Time) (remind.Bulletin, *remind.Change, []store.BulletinFile, error) {
	b, err := a.bulletin(ctx, now, nil)
	if err != nil {
		return b, nil, nil, err
	}
	prev, err := a.lastBulletin(ctx)
	if err != nil {
		return b, nil, nil, err
	}
	change, err := changeSince(b, prev)
	if err != nil {
		return b, nil, nil, err
	}
	files, err := a.bulletinFiles(b, change)
	return b, change, files, err
}

// changeSince is what moved from published bulletin prev (nil before the
// first: no change to tell) to b.
func changeSince(b remind.Bulletin, prev *store.BulletinRecord) (*remind.Change, error) {
	if prev == nil {
		return nil, nil
	}
	var pb remind.Bulletin
	if err := json.Unmarshal(prev.Bulletin, &pb); err != nil {
		return nil, fmt.Errorf("previous bulletin %d: %w", prev.No, err)
	}
	if pb.No == 0 { // records from before numbering by year
		pb.No, pb.Year = prev.No, prev.Year
	}
	c := remind.Compare(pb, b)
	c.Since = prev.Label()
	return &c, nil
}

// bulletinFiles renders bulletin b's documents: the Word document, with its
// change since the previous bulletin (nil for the first), and the red and
// yellow lists as a workbook.
func (a *app) bulletinFiles(b remind.Bulletin, change *remind.Change) ([]store.BulletinFile, error) {
	label := b.Issue()
	if label == "" {
		label = "预览"
	}
	doc, err := report.BulletinDocx(a.office(), b, change)
	if err != nil {
		return nil, err
	}
	lists, err := report.ListsXLSX(b)
	if err != nil {
		return nil, err
	}
	return []store.BulletinFile{
		{Name: a.cfg.Office.BulletinTitle + "-" + label + ".docx", Data: doc},
		{Name: "红黄灯清单-" + label + ".xlsx", Data: lists},
	}, nil
}

// publishBulletin numbers, renders, archives and queues the next bulletin
// to 编办, every group leader and the bulletin chat: to each its headline,
// then its documents as files. msgKey, when not "", publishes at most once.
// previewed, when not nil, is a confirmed preview's bulletin: its figures
// are published as they were shown, not computed again.
func (a *app) publishBulletin(ctx context.Context, by, msgKey string, previewed *remind.Bulletin, now time.Time) (store.BulletinRecord, error) {
	client, err := a.llmClient()
	if err != nil {
		return store.BulletinRecord{}, err
	}
	var b remind.Bulletin
	if previewed != nil {
		b = *previewed
		if client.CanChat() {
			if err := remind.Frame(ctx, client, &b); err != nil {
				a.e.log.Warn("bulletin framing skipped", "err", err)
			}
		}
	} else if b, err = a.bulletin(ctx, now, client); err != nil {
		return store.BulletinRecord{}, err
	}
	l, err := a.st.Snapshot(ctx)
	if err != nil {
		return store.BulletinRecord{}, err
	}
	year := 0
	if a.cfg.Office.Numbering == "year" {
		year = now.In(a.loc).Year()
	}
	return a.st.IssueBulletin(ctx, func(n store.BulletinNumber) (store.Issued, error) {
		if previewed != nil && n.Prev != nil && n.Prev.At.After(b.At) {
			// Published, it would come after an issue made from a later
			// reading of the ledger, its figures older than that one's.
			return store.Issued{}, duban.Errorf(duban.EINVALID, "这份通报预览之后已发布%s，预览中的数据已不是最新。请重新发送「通报」预览后再确认。", n.Prev.Label())
		}
		b.No, b.Year = n.Issue, n.Year
		change, err := changeSince(b, n.Prev)
		if err != nil {
			return store.Issued{}, err
		}
		files, err := a.bulletinFiles(b, change)
		if err != nil {
			return store.Issued{}, err
		}
		return store.Issued{Text: publishedHeadline(b, change), Figures: b, Files: files}, nil
	}, store.Publication{To: remind.BulletinRecipients(l, a.remind), By: by, MsgKey: msgKey, At: now, Year: year})
}

// publishedHeadline is the one message a published bulletin goes out with;
// its documents follow as files.
func publishedHeadline(b remind.Bulletin, change *remind.Change) string {
	return remind.Headline(b, change) + "\n全文见随后发送的两个附件：通报（Word 文档）和红黄灯清单（Excel 表格）。"
}

// addWorkdays returns the n-th working day after d.
func addWorkdays(cal *remind.Calendar, d duban.Date, n int) duban.Date {
	for n > 0 {
		d = d.AddDays(1)
		if cal.IsWorkday(d) {
			n--
		}
	}
	return d
}

func (a *app) listBulletins(ctx context.Context) error {
	all, err := a.st.Bulletins(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintln(a.e.stdout, "尚未发布工作通报。")
		return nil
	}
	w := tabwriter.NewWriter(a.e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "序号\t期号\t发布时间\t发布人\t接收方\t文件")
	for _, r := range all {
		names := make([]string, len(r.Files))
		for i, f := range r.Files {
			names[i] = fmt.Sprintf("%s（%d 字节）", f.Name, f.Size)
		}
		files := strings.Join(names, "，")
		if files == "" {
			files = "—"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\n", r.No, r.Label(), r.At.In(a.loc).Format("2006-01-02 15:04"), r.By, len(r.To), files)
	}
	return w.Flush()
}

func (a *app) writeArchived(ctx context.Context, no int, dir string) error {
	rec, err := a.st.BulletinByNo(ctx, no)
	if err != nil {
		return err
	}
	if len(rec.Files) == 0 {
		return fmt.Errorf("第 %d 期通报（%s）发布时没有生成文档，无法取回", no, rec.Label())
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("archived bulletin: %w", err)
	}
	for _, f := range rec.Files {
		data, err := a.st.BulletinDocument(ctx, no, f.Name)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, filepath.Base(f.Name))
		if err := writeFile(path, data); err != nil {
			return err
		}
		fmt.Fprintln(a.e.stdout, path)
	}
	return nil
}

// writeFile writes data to path through a temporary file, so a reader never
// sees half a document.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
