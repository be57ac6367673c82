package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/policy"
	"github.com/duban-org/duban/store"
)

func init() {
	commands["ingest"] = command{"导入政策文件（.txt .md .html .docx .pdf，文件或目录）；--list 列出，--remove 文件 删除", runIngest}
	commands["ask"] = command{"依据政策文件回答问题并注明出处；文件未涉及时退出码为 1", runAsk}
	commands["eval"] = command{"用 questions.jsonl 问题集评测检索（recall@1/3/5、MRR）和回答质量", runEval}
}

func runIngest(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "ingest", "PATH...")
	list := fs.Bool("list", false, "列出已导入的文件")
	remove := fs.String("remove", "", "删除一个文件（编号、文件名或完整标题）")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*list && *remove == "" && fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	a, eng, err := openPolicy(ctx, e, *cfgPath, false)
	if err != nil {
		return err
	}
	defer a.Close()
	if *remove != "" {
		d, err := eng.Remove(ctx, *remove)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("--remove %s：没有这个文件（可写编号、文件名或完整标题；duban ingest --list 列出全部）", *remove)
		case errors.Is(err, policy.ErrAmbiguous):
			return fmt.Errorf("--remove %s：对应多个文件，请写得更具体，或写编号（duban ingest --list 列出全部）", *remove)
		case err != nil:
			return err
		}
		fmt.Fprintf(e.stdout, "已删除 %s 《%s》（%d 段）\n", d.ID, d.Title, d.Chunks)
	}
	if fs.NArg() > 0 {
		if err := a.roomToWrite(ctx); err != nil {
			return err
		}
		rep, err := eng.Ingest(ctx, fs.Args()...)
		if err != nil {
			return err
		}
		failed := 0
		for _, f := range rep.Files {
			if f.Err != nil {
				failed++
				e.log.Debug("ingest failed", "file", f.Name, "err", f.Err)
				why := plainError(f.Err)
				if errors.Is(f.Err, policy.ErrUnsupported) {
					why = "不支持这种文件（可导入 .txt .md .html .docx .pdf）"
				}
				fmt.Fprintf(e.stdout, "%s %s：%s\n", statusWords[f.Status], f.Name, why)
				continue
			}
			fmt.Fprintf(e.stdout, "%s %s 《%s》 %d 段\n", statusWords[f.Status], f.Name, f.Title, f.Chunks)
		}
		if err := printVectors(ctx, e, eng); err != nil {
			return err
		}
		if failed > 0 {
			return fmt.Errorf("%d 个文件中有 %d 个未能导入，原因见上", len(rep.Files), failed)
		}
	}
	if *list {
		docs, err := eng.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\t标题\t段落\t字数\t载入时间\t来源")
		for _, d := range docs {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.Title, d.Chunks, d.Chars, d.IngestedAt.In(a.loc).Format("2006-01-02 15:04"), d.Name)
		}
		return w.Flush()
	}
	return nil
}

// statusWords says what ingesting a file did.
var statusWords = map[policy.DocStatus]string{
	policy.StatusAdded: "已导入", policy.StatusReplaced: "已更新", policy.StatusUnchanged: "未改变", policy.StatusFailed: "未导入",
}

// printVectors embeds the chunks that have no vector yet, when an embedding
// model is configured, and says how many have one, or why the others do not.
func printVectors(ctx context.Context, e *env, eng *policy.Engine) error {
	v, err := eng.Vectors(ctx)
	if err != nil || v.Model == "" {
		return err
	}
	fmt.Fprintf(e.stdout, "向量（%s）：%d 段中 %d 段已有向量。\n", v.Model, v.Chunks, v.WithVectors)
	if v.Err != nil {
		e.log.Debug("embeddings failed", "err", v.Err)
		fmt.Fprintf(e.stdout, "其余 %d 段未能取得向量，检索对它们只用关键词。原因：%s\n", v.Chunks-v.WithVectors, llm.Explain(v.Err))
	}
	return nil
}

func runAsk(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "ask", `"问题"`)
	if err := parse(fs, args); err != nil {
		return err
	}
	q := joinArgs(fs)
	if q == "" {
		fs.Usage()
		return errUsage
	}
	a, eng, err := openPolicy(ctx, e, *cfgPath, false)
	if err != nil {
		return err
	}
	defer a.Close()
	ans, err := eng.Ask(ctx, q)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, policy.FormatAnswer(ans))
	if ans.Declined {
		return errDeclined
	}
	return nil
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "eval", "questions.jsonl")
	verbose := fs.Bool("v", false, "打印每个问题的结果")
	if err := parseOne(fs, args); err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("读取问题集：%w", err)
	}
	defer f.Close()
	qs, err := policy.ReadQuestions(f)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	a, eng, err := openPolicy(ctx, e, *cfgPath, false)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := policy.Evaluate(ctx, eng, qs)
	if err != nil {
		return err
	}
	if *verbose {
		for _, o := range rep.Outcomes {
			fmt.Fprintf(e.stdout, "%+v\n", o)
		}
	}
	fmt.Fprintln(e.stdout, rep.String())
	return nil
}

// openPolicy opens the app (a store that must exist when existing, see
// openExisting) and its policy engine (with the LLM when one is
// configured); the caller closes the app. ask creates the store: it
// answers from the shipped documents on a fresh directory.
func openPolicy(ctx context.Context, e *env, cfgPath string, existing bool) (*app, *policy.Engine, error) {
	a, err := openAppAt(ctx, e, cfgPath, existing)
	if err != nil {
		return nil, nil, err
	}
	client, err := a.llmClient()
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	eng, err := a.policyEngine(ctx, client)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, eng, nil
}
