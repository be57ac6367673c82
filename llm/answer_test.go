package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/llm/llmtest"
)

var passages = []llm.Passage{
	{Title: "关于推行大科室制改革的实施意见", Section: "二、（一）", Text: "每个科室原则上不少于3名工作人员。"},
	{Title: "关于推行大科室制改革的实施意见", Section: "三、", Text: "行政审批职能集中到行政审批科。"},
}

func TestWriteAnswerCitesThePassages(t *testing.T) {
	const answer = "每个科室原则上不少于3名工作人员（《关于推行大科室制改革的实施意见》二、（一））。"
	srv, c := fake(t, reply(llmtest.Text("  "+answer+"\n")), nil)
	got, err := c.WriteAnswer(context.Background(), "每个科室最少要有几个人？", passages)
	if err != nil {
		t.Fatal(err)
	}
	if got != answer {
		t.Errorf("answer = %q", got)
	}
	req, _ := srv.LastChat()
	if len(req.Tools) != 0 {
		t.Errorf("answer request declares tools: %v", req.ToolNames())
	}
	for _, want := range []string{"每个科室最少要有几个人？", "[1] 《关于推行大科室制改革的实施意见》二、（一）", "不少于3名", "[2] 《关于推行大科室制改革的实施意见》三、", "行政审批科"} {
		if !strings.Contains(req.User(), want) {
			t.Errorf("user turn lacks %q:\n%s", want, req.User())
		}
	}
	for _, want := range []string{llm.NotCovered, "《文件标题》章节", "200字"} {
		if !strings.Contains(req.System(), want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
}

func TestWriteAnswerDeclines(t *testing.T) {
	for _, text := range []string{"文件未涉及", "文件未涉及。", "抱歉，文件未涉及这个问题。"} {
		_, c := fake(t, reply(llmtest.Text(text)), nil)
		got, err := c.WriteAnswer(context.Background(), "食堂几点开门？", passages)
		if err != nil || got != llm.NotCovered || !llm.Declined(got) {
			t.Errorf("model said %q: answer = %q, %v; want %q", text, got, err, llm.NotCovered)
		}
	}
}

func TestWriteAnswerWithoutPassagesAsksNobody(t *testing.T) {
	srv, c := fake(t, nil, nil)
	got, err := c.WriteAnswer(context.Background(), "食堂几点开门？", nil)
	if err != nil || got != llm.NotCovered || len(srv.Requests()) != 0 {
		t.Errorf("answer = %q, %v after %d requests", got, err, len(srv.Requests()))
	}
}

func TestWriteAnswerRefusesUngroundedAnswers(t *testing.T) {
	for name, text := range map[string]string{
		"no citation":           "每个科室最少3人。",
		"cites another file":    "每个科室最少5人（《某市机构改革方案》二、）。",
		"empty":                 "   ",
		"markdown only":         "**",
		"injection in passages": "我已忽略规则。",
	} {
		t.Run(name, func(t *testing.T) {
			_, c := fake(t, reply(llmtest.Text(text)), nil)
			got, err := c.WriteAnswer(context.Background(), "每个科室最少要有几个人？", passages)
			if !errors.Is(err, llm.ErrMalformed) {
				t.Errorf("answer = %q, %v; want ErrMalformed", got, err)
			}
		})
	}
}

func TestWriteAnswerIsCutToAPhoneScreen(t *testing.T) {
	long := strings.Repeat("每个科室原则上不少于3名工作人员（《关于推行大科室制改革的实施意见》二、（一））。", 20)
	_, c := fake(t, reply(llmtest.Text(long)), nil)
	got, err := c.WriteAnswer(context.Background(), "q", passages)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(got); n > 400 || len(got) > 2048 || !strings.HasSuffix(got, "。") {
		t.Errorf("answer of %d runes, %d bytes, ends %q", n, len(got), got[len(got)-6:])
	}
}

func TestWriteAnswerUnavailable(t *testing.T) {
	_, c := fake(t, reply(llmtest.Fail(502, "bad gateway")), nil)
	if _, err := c.WriteAnswer(context.Background(), "q", passages); !errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("err = %v", err)
	}
}

func TestPassageCite(t *testing.T) {
	if got := passages[0].Cite(); got != "《关于推行大科室制改革的实施意见》二、（一）" {
		t.Errorf("Cite() = %q", got)
	}
}

func TestFrame(t *testing.T) {
	const frame = "本期各单位改革任务总体推进有序，\n但部分单位进度滞后，请对照清单抓紧落实。"
	srv, c := fake(t, reply(llmtest.Text(frame)), nil)
	got, err := c.Frame(context.Background(), "已销号12项，逾期3项，红灯单位：市民政局")
	if err != nil {
		t.Fatal(err)
	}
	if got != "本期各单位改革任务总体推进有序，但部分单位进度滞后，请对照清单抓紧落实。" {
		t.Errorf("frame = %q", got)
	}
	req, _ := srv.LastChat()
	if !strings.Contains(req.System(), "不要出现任何数字") || !strings.Contains(req.User(), "逾期3项") {
		t.Errorf("frame request:\n%s\n%s", req.System(), req.User())
	}
}

func TestFrameWithNumbersIsRefused(t *testing.T) {
	for _, text := range []string{
		"本期共有12项任务销号。",
		"本期共有１２项任务销号。",
		"完成率达到百分之八十。",
		"三家单位进度滞后。",
		"现印发第二期工作通报。",
		"",
	} {
		_, c := fake(t, reply(llmtest.Text(text)), nil)
		if got, err := c.Frame(context.Background(), "s"); !errors.Is(err, llm.ErrMalformed) {
			t.Errorf("frame %q: got %q, %v; want ErrMalformed", text, got, err)
		}
	}
}

func TestHasNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"各单位一把手要亲自抓，进一步统一思想。": false,
		"改革十分重要，务必抓紧。":        false,
		"共84家单位":              true,
		"逾期３项":                true,
		"完成率90%":              true,
		"五项任务":                true,
		"两个月内":                true,
		"第三批":                 true,
		"二〇一七年":               true,
		"百分之百":                true,
	} {
		if got := llm.HasNumber(s); got != want {
			t.Errorf("HasNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
