package policy

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// formFigures are the counts an evaluation is compared by: answerable
// questions whose reply holds the fact, questions naming an article whose
// answer cites it first, out-of-corpus questions declined.
type formFigures struct{ Fact, Article, Declined int }

func figuresOf(r Report) formFigures {
	return formFigures{
		Fact:     int(math.Round(r.FactShare * float64(r.Answerable))),
		Article:  int(math.Round(r.ArticleShare * float64(r.WithArticle))),
		Declined: r.Declined,
	}
}

func (f formFigures) String() string {
	return fmt.Sprintf("fact %d, article %d, declined %d", f.Fact, f.Article, f.Declined)
}

func stemOf(name string) string {
	return strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
}

func bare(s string) string { return strings.Join(strings.Fields(s), "") }

// formEngine ingests the six 条例 in one form (testdata/forms/FORM, made
// from ../shared/policy-docs by the tools its README names) and returns the
// engine and the documents' titles by file stem.
func formEngine(t *testing.T, files []string) (*Engine, map[string]string) {
	t.Helper()
	if len(files) != 6 {
		t.Fatalf("six 条例 expected, found %v", files)
	}
	e := New(openStore(t), Options{})
	rep, err := e.Ingest(context.Background(), files...)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, f := range rep.Files {
		if f.Status == StatusFailed {
			t.Fatalf("%s failed: %v", f.Name, f.Err)
		}
		titles[stemOf(f.Name)] = f.Title
	}
	return e, titles
}

// TestFormsAnswerAsClean asks the fresh set's questions of the six 条例 as
// they come to an office — a PDF exported by LibreOffice with a running
// header and page numbers, a .docx with manual line breaks, a page saved
// from a government site, text pasted with hard line breaks — and wants the
// figures of the clean Markdown copies: as many facts in replies, articles
// cited first and questions declined, and each document's title read right.
func TestFormsAnswerAsClean(t *testing.T) {
	if testing.Short() {
		t.Skip("five engines over six documents")
	}
	questions := questionFile(t, "testdata/heldout2/questions.jsonl")
	run := func(files []string) (Report, map[string]string) {
		e, titles := formEngine(t, files)
		rep, err := Evaluate(context.Background(), e, questions)
		if err != nil {
			t.Fatal(err)
		}
		return rep, titles
	}
	cleanPaths, _ := filepath.Glob("testdata/heldout/0[1-6]-*.md")
	clean, cleanFiles := run(cleanPaths)
	// The clean copies' text, without white space: every paragraph read
	// from a form must be found in it, so no page number, running header,
	// byline, menu or link is left to answer with.
	cleanText := map[string]string{}
	for _, f := range cleanPaths {
		doc, err := Parse(f, readFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		cleanText[stemOf(f)] = bare(doc.Title + strings.Join(doc.Paragraphs, ""))
	}
	want := figuresOf(clean)
	t.Logf("clean Markdown: %s", want)
	for _, form := range []string{"pdf", "docx", "docxnum", "html", "table", "wechat", "txt", "paste", "gbk", "webpdf"} {
		t.Run(form, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata/forms", form, "0[1-6]-*.*"))
			rep, titles := run(files)
			got := figuresOf(rep)
			t.Logf("%s: %s", form, got)
			for _, f := range files {
				doc, err := Parse(f, readFile(t, f))
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range doc.Paragraphs {
					if !strings.Contains(cleanText[stemOf(f)], bare(p)) {
						t.Errorf("%s: text the clean copy does not hold: %q", f, p)
					}
				}
			}
			for stem, title := range cleanFiles {
				if titles[stem] != title {
					t.Errorf("%s: title %q, want %q", stem, titles[stem], title)
				}
			}
			for i, o := range rep.Outcomes {
				c := clean.Outcomes[i]
				if o.OK() != c.OK() || o.RightArticle != c.RightArticle {
					t.Logf("differs: %s (clean ok %v article %v; %s ok %v article %v)\n  %s", o.Question.Question, c.OK(), c.RightArticle, form, o.OK(), o.RightArticle, strings.ReplaceAll(o.Reply, "\n", " "))
				}
			}
			if got.Fact < want.Fact || got.Article < want.Article || got.Declined < want.Declined {
				t.Errorf("%s: %s; clean Markdown: %s", form, got, want)
			}
		})
	}
}
