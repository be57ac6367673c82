package policy

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDump(t *testing.T) {
	name := os.Getenv("DUMP")
	if name == "" {
		t.Skip()
	}
	doc, err := Parse(name, readFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("TITLE %q DATE %q\n", doc.Title, doc.Date)
	for _, c := range chunkDocument(doc) {
		fmt.Printf("[%s | %s] %s\n", c.Heading, citeSection(c.Heading), c.Text)
	}
}

func TestZZCover(t *testing.T) {
	set := os.Getenv("COVER")
	if set == "" {
		t.Skip()
	}
	ctx := t.Context()
	e := New(openStore(t), Options{})
	e.EnsureDefaultCorpus(ctx)
	if set == "held" {
		e.Ingest(ctx, "testdata/heldout")
	} else {
		e.Ingest(ctx, "testdata/lookalike_xiaogan.txt")
		set = "testdata/questions.jsonl"
	}
	if set == "held" {
		set = "testdata/heldout/questions.jsonl"
	}
	f, _ := os.Open(set)
	qs, _ := ReadQuestions(f)
	idx, _ := e.index(ctx)
	for _, qq := range qs {
		q := idx.analyse(qq.Question)
		ranked := e.rank(ctx, idx, q, qq.Question)
		best := 0.0
		var bt string
		for rank, s := range ranked[:min(8, len(ranked))] {
			for _, c := range idx.candidates(q, s.chunk, rank) {
				c := c
				if q.kind.strict() && !c.kindOK {
					continue
				}
				if q.scope != nil && !q.scope[idx.chunks[c.chunk].doc] {
					continue
				}
				chunk := idx.chunks[c.chunk]
				cv := q.windowCoverage(c.norm + "\n" + chunk.norm + "\n" + idx.docTitles[chunk.doc], false)
				if cv > best {
					best, bt = cv, c.text
				}
			}
		}
		lab := "ANS"
		if qq.Fact == "" {
			lab = "OUT"
		}
		var unc []string
		for _, u := range q.units {
			ok := false
			for _, ti := range u.terms {
				_ = ti
			}
			_ = ok
		}
		fmt.Printf("%s %.2f kind=%d scope=%v %s | %.40s %v\n", lab, best, q.kind, len(q.scope), qq.Question, bt, unc)
	}
}

func TestZZOne(t *testing.T) {
	qs := os.Getenv("Q")
	if qs == "" {
		t.Skip()
	}
	ctx := t.Context()
	e := New(openStore(t), Options{})
	e.EnsureDefaultCorpus(ctx)
	e.Ingest(ctx, "testdata/heldout", "testdata/lookalike_xiaogan.txt")
	idx, _ := e.index(ctx)
	q := idx.analyse(qs)
	fmt.Printf("kind=%d scope=%v places=%v years=%v parts=%q\n", q.kind, q.scope, q.places, q.years, q.parts)
	for _, t := range q.terms {
		fmt.Printf("  term %s idf=%.2f w=%.2f\n", t.text, t.idf, t.weight)
	}
	ranked := e.rank(ctx, idx, q, qs)
	for i, s := range ranked[:min(8, len(ranked))] {
		c := idx.chunks[s.chunk]
		fmt.Printf("R%d %.2f doc=%d %s %.60s\n", i, s.score, c.doc, c.heading, c.text)
	}
	ch := idx.choose(q, ranked, e.o.Threshold)
	for _, c := range ch.picked {
		fmt.Printf("PICK %.2f cover=%.2f %s\n", c.score, c.cover, c.text)
	}
	a, _ := e.Ask(ctx, qs)
	fmt.Println(FormatAnswer(a))
}
