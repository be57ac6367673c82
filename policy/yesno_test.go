package policy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/llm/llmtest"
)

// TestYesNoQuotesTheProvision: a yes-or-no question, typed without a
// question mark, is answered by the provision that decides it; one whose
// subject an article treats without deciding it is answered with neither
// yes nor no, naming that article.
func TestYesNoQuotesTheProvision(t *testing.T) {
	e := regulationsEngine(t)
	ctx := context.Background()
	for q, fact := range map[string]string{
		"议事协调机构能不能单设办事机构":  "不单独设立办事机构",
		"行政编制可不可以挪用":       "不得混用、挤占、挪用",
		"企业可以不加入行业协会吗":     "有权自主决定加入或者退出",
		"督查人员平时要不要培训":      "培训",
		"没考执法资格的人能不能领执法证":  "领取行政执法证件", // 没考 names no subject
		"信用好的企业抽查会少点吗":     "适当减少抽查",   // 应当 governs the clauses after it
		"国务院部门设处级内设机构要备案吗": "备案",
		"政府督查能不能搞暗访":       "暗访",
	} {
		a, err := e.Ask(ctx, q)
		if err != nil || a.Declined || !strings.Contains(a.Text, fact) {
			t.Errorf("%s: %s (%v), want %s", q, FormatAnswer(a), err, fact)
		}
	}
	// 第十六条 treats 督查结论 and says to whom it is fed back, not whether
	// it is made public.
	a, err := e.Ask(ctx, "督查结论要不要公开")
	if err != nil || !a.Declined || !strings.Contains(a.Text, "无法据此回答是或否") || !strings.Contains(a.Text, "《政府督查工作条例》第十六条") {
		t.Errorf("督查结论要不要公开: %s (%v)", FormatAnswer(a), err)
	}
}

// TestWhetherDeed: what a yes-or-no question asks whether of.
func TestWhetherDeed(t *testing.T) {
	for q, want := range map[string]string{
		"议事协调机构能不能单设办事机构":  "单设办事机构",
		"行政编制可不可以挪用":       "挪用",
		"需不需要备案":           "备案",
		"经费纳不纳入预算":         "纳入预算",
		"事业单位可以用行政编制吗":     "用行政编制",
		"是否需要报批":           "需要报批",
		"改革在全省推广了没有":       "改革在全省推广",
		"国务院的议事协调机构单独给编制吗": "国务院的议事协调机构单独给编制",
	} {
		if got, _ := whetherDeed(plainQuestion(normalize(q))); got != want {
			t.Errorf("%s: deed %q, want %q", q, got, want)
		}
	}
}

// llmWriter is cmd/duban's adapter of the LLM to the engine, over the fake
// server: a model that finds no answer fails, and the engine quotes.
type llmWriter struct{ c *llm.Client }

func (w llmWriter) Write(ctx context.Context, q string, ps []Passage) (string, error) {
	in := make([]llm.Passage, len(ps))
	for i, p := range ps {
		in[i] = llm.Passage{Title: p.Citation.Title, Section: p.Citation.Section, Text: p.Text}
	}
	text, err := w.c.WriteAnswer(ctx, q, in)
	if err == nil && llm.Declined(text) {
		return "", errors.New("not covered")
	}
	return text, err
}

// TestYesNoWrittenByTheModel: with an LLM, a yes or no is given only where
// the model quotes the provision that decides it; a bare verdict, or one
// resting on other words, is replaced by the provision itself; a question
// the documents leave open never reaches the model.
func TestYesNoWrittenByTheModel(t *testing.T) {
	reply := ""
	srv := llmtest.NewServer(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Text(reply) })
	defer srv.Close()
	c, err := llm.New(llm.Config{BaseURL: srv.BaseURL(), ChatModel: "fake-chat"})
	if err != nil {
		t.Fatal(err)
	}
	e := New(regulationsEngine(t).st, Options{Writer: llmWriter{c}})
	ctx := context.Background()
	const q = "议事协调机构能不能单设办事机构"
	const title = "《地方各级人民政府机构设置和编制管理条例》第十二条"

	reply = "不可以。条例规定“县级以上地方各级人民政府的议事协调机构不单独设立办事机构，具体工作由有关的行政机构承担”" + title + "。"
	a, err := e.Ask(ctx, q)
	if err != nil || a.Text != reply {
		t.Errorf("grounded verdict: %s (%v)", a.Text, err)
	}
	if r, ok := srv.LastChat(); !ok || !strings.Contains(r.System(), "照抄摘录中作出规定的原句") {
		t.Errorf("the prompt does not ask for the provision: %+v", r)
	}
	for _, ungrounded := range []string{
		"可以。议事协调机构根据需要可以设立办事机构" + title + "。",
		"不可以" + title + "。",
	} {
		reply = ungrounded
		a, err = e.Ask(ctx, q)
		if err != nil || a.Declined || a.Text == reply || !strings.Contains(a.Text, "不单独设立办事机构") {
			t.Errorf("ungrounded verdict %q answered %s (%v)", ungrounded, a.Text, err)
		}
	}
	n := len(srv.ChatRequests())
	reply = "可以公开" + "《政府督查工作条例》第十六条。"
	if a, err = e.Ask(ctx, "督查结论要不要公开"); err != nil || !a.Declined || len(srv.ChatRequests()) != n {
		t.Errorf("an open question: %s (%v), %d model calls", a.Text, err, len(srv.ChatRequests())-n)
	}
}
