// Command blevecmp compares duban's policy retrieval with bleve's CJK
// analyzer on the same documents and questions: each document is ingested by
// duban (cleaned and chunked once), bleve indexes the same chunks, and both
// are asked every question. It is a separate module so that bleve never
// enters duban's build.
//
//	cd policy/testdata/blevecmp && go run . ../heldout ../heldout/questions.jsonl
//	cd policy/testdata/blevecmp && go run . - ../questions.jsonl   # the shipped article
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/duban-org/duban/policy"
	"github.com/duban-org/duban/store"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: blevecmp DOCS_DIR|- QUESTIONS.jsonl")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir, questions string) error {
	ctx := context.Background()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		return err
	}
	defer st.Close()
	e := policy.New(st, policy.Options{})
	if dir == "-" {
		if _, err := e.EnsureDefaultCorpus(ctx); err != nil {
			return err
		}
	} else if _, err := e.Ingest(ctx, dir); err != nil {
		return err
	}

	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = cjk.AnalyzerName
	doc := mapping.NewDocumentMapping()
	text := mapping.NewTextFieldMapping()
	text.Analyzer = cjk.AnalyzerName
	doc.AddFieldMappingsAt("text", text)
	m.DefaultMapping = doc
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		return err
	}
	texts := map[string]string{}
	sources := map[string]string{} // chunk id → document name and title
	n := 0
	err = st.ScanPolicyChunks(ctx, func(d store.PolicyDoc, c store.PolicyChunk) error {
		id := fmt.Sprintf("%s/%d", d.ID, c.Seq)
		body := d.Title + "\n" + c.Heading + "\n" + c.Text
		texts[id] = c.Text
		sources[id] = d.Name + "\n" + d.Title
		n++
		return idx.Index(id, map[string]string{"text": body})
	})
	if err != nil {
		return err
	}

	f, err := os.Open(questions)
	if err != nil {
		return err
	}
	defer f.Close()
	qs, err := policy.ReadQuestions(f)
	if err != nil {
		return err
	}
	var answerable, r1, r3, r5 int
	for _, q := range qs {
		if q.Fact == "" {
			continue
		}
		answerable++
		mq := bleve.NewMatchQuery(q.Question)
		mq.Analyzer = cjk.AnalyzerName
		res, err := idx.Search(bleve.NewSearchRequestOptions(mq, 5, 0, false))
		if err != nil {
			return err
		}
		for i, h := range res.Hits {
			if strings.Contains(squeeze(texts[h.ID]), squeeze(q.Fact)) && strings.Contains(sources[h.ID], q.Source) {
				if i == 0 {
					r1++
				}
				if i < 3 {
					r3++
				}
				r5++
				break
			}
		}
	}
	rep, err := policy.Evaluate(ctx, e, qs)
	if err != nil {
		return err
	}
	fmt.Printf("%d chunks, %d questions (%d answerable, %d out of corpus)\n", n, len(qs), answerable, rep.OutOfCorpus)
	fmt.Printf("bleve CJK analyzer: recall@1 %.3f  recall@3 %.3f  recall@5 %.3f  (no decline: it always returns a passage)\n",
		float64(r1)/float64(answerable), float64(r3)/float64(answerable), float64(r5)/float64(answerable))
	fmt.Printf("duban:              recall@1 %.3f  recall@3 %.3f  recall@5 %.3f  fact in reply %.3f  out-of-corpus declined %d/%d\n",
		rep.Recall1, rep.Recall3, rep.Recall5, rep.FactShare, rep.Declined, rep.OutOfCorpus)
	return nil
}

// squeeze drops the spaces and quotes that do not change a fact.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u3000', '“', '”', '"', '《', '》':
			return -1
		}
		return r
	}, s)
}
