package policy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Question is one line of an evaluation set. An empty Fact means the
// documents do not answer the question and the engine must decline.
type Question struct {
	Question string `json:"question"`
	Fact     string `json:"fact"`              // text the answer must contain
	Source   string `json:"source,omitempty"`  // part of the expected document's name or title
	Article  string `json:"article,omitempty"` // the article that answers, e.g. 第十九条
}

// ReadQuestions reads a JSON-lines question set; blank lines and lines
// starting with # are skipped.
func ReadQuestions(r io.Reader) ([]Question, error) {
	var qs []Question
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		var q Question
		if err := json.Unmarshal([]byte(text), &q); err != nil {
			return nil, fmt.Errorf("question line %d: %w", line, err)
		}
		if strings.TrimSpace(q.Question) == "" {
			return nil, fmt.Errorf("question line %d: empty question", line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	return qs, nil
}

// Outcome is how the engine did on one question.
type Outcome struct {
	Question
	Rank     int // 1-based rank of the first relevant passage in the top 5; 0 if none
	Declined bool
	HasFact  bool // the reply contains the fact
	// RightArticle: the answer's first citation is the expected article
	// (when one is given) of the expected document.
	RightArticle bool
	Reply        string
}

// OK reports whether the engine did what the question expects.
func (o Outcome) OK() bool {
	if o.Fact == "" {
		return o.Declined
	}
	return !o.Declined && o.HasFact
}

// Report sums up an evaluation.
type Report struct {
	Questions   int
	Answerable  int
	OutOfCorpus int
	// Retrieval over answerable questions: a passage is relevant when it
	// holds the fact (and comes from the expected source, if given).
	Recall1, Recall3, Recall5, MRR float64
	FactShare                      float64 // answerable questions whose reply holds the fact
	// Over answerable questions that name their article: the share whose
	// answer cites it first, and the share that cites another article too.
	WithArticle              int
	ArticleShare, ExtraShare float64
	WronglyDeclined          int // answerable questions declined
	Declined                 int // out-of-corpus questions declined
	MedianReplyChars         int // over answered questions, citations included
	MaxReplyBytes            int
	Outcomes                 []Outcome
}

// Evaluate asks every question and measures retrieval and answers.
func Evaluate(ctx context.Context, e *Engine, questions []Question) (Report, error) {
	var r Report
	var lengths []int
	for _, q := range questions {
		ans, err := e.Ask(ctx, q.Question)
		if err != nil {
			return r, fmt.Errorf("evaluate %q: %w", q.Question, err)
		}
		reply := FormatAnswer(ans)
		o := Outcome{Question: q, Declined: ans.Declined, Reply: reply}
		r.Questions++
		r.MaxReplyBytes = max(r.MaxReplyBytes, len(reply))
		if !ans.Declined {
			lengths = append(lengths, len([]rune(reply)))
		}
		if q.Fact == "" {
			r.OutOfCorpus++
			if ans.Declined {
				r.Declined++
			}
			r.Outcomes = append(r.Outcomes, o)
			continue
		}
		r.Answerable++
		hits := ans.Hits
		if ans.Declined || len(hits) < 5 {
			// A declined answer still reports what retrieval found; make
			// sure there are five to judge.
			if hits, err = e.Search(ctx, q.Question, 5); err != nil {
				return r, fmt.Errorf("evaluate %q: %w", q.Question, err)
			}
		}
		fact := normalize(q.Fact)
		for i, h := range hits {
			if i == 5 {
				break
			}
			if strings.Contains(normalize(h.Text), fact) && matchesSource(h, q.Source) {
				o.Rank = i + 1
				break
			}
		}
		o.HasFact = !ans.Declined && strings.Contains(normalize(reply), fact)
		if q.Article != "" {
			r.WithArticle++
			cites := ans.Citations
			o.RightArticle = !ans.Declined && len(cites) > 0 && citesArticle(cites[0], q)
			if o.RightArticle {
				r.ArticleShare++
			}
			for _, c := range cites {
				if !ans.Declined && !citesArticle(c, q) {
					r.ExtraShare++
					break
				}
			}
		}
		if o.Rank == 1 {
			r.Recall1++
		}
		if o.Rank >= 1 && o.Rank <= 3 {
			r.Recall3++
		}
		if o.Rank >= 1 {
			r.Recall5++
			r.MRR += 1 / float64(o.Rank)
		}
		if o.HasFact {
			r.FactShare++
		}
		if ans.Declined {
			r.WronglyDeclined++
		}
		r.Outcomes = append(r.Outcomes, o)
	}
	if r.Answerable > 0 {
		n := float64(r.Answerable)
		r.Recall1 /= n
		r.Recall3 /= n
		r.Recall5 /= n
		r.MRR /= n
		r.FactShare /= n
	}
	if r.WithArticle > 0 {
		r.ArticleShare /= float64(r.WithArticle)
		r.ExtraShare /= float64(r.WithArticle)
	}
	if len(lengths) > 0 {
		slices.Sort(lengths)
		r.MedianReplyChars = lengths[len(lengths)/2]
	}
	return r, nil
}

func matchesSource(h Hit, source string) bool {
	return citationFrom(h.Citation, source)
}

func citationFrom(c Citation, source string) bool {
	if source == "" {
		return true
	}
	return strings.Contains(c.Document, source) || strings.Contains(c.Title, source)
}

// citesArticle reports whether c is q's article (第十条, not 第二十条) of
// q's document.
func citesArticle(c Citation, q Question) bool {
	return strings.HasSuffix(c.Section, q.Article) && citationFrom(c, q.Source)
}

// String renders the report for the terminal: the figures, then every
// question the engine got wrong.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "questions: %d (answerable %d, out of corpus %d)\n", r.Questions, r.Answerable, r.OutOfCorpus)
	fmt.Fprintf(&b, "retrieval: recall@1 %.3f  recall@3 %.3f  recall@5 %.3f  MRR %.3f\n", r.Recall1, r.Recall3, r.Recall5, r.MRR)
	fmt.Fprintf(&b, "answers:   fact in reply %.3f  wrongly declined %d  out-of-corpus declined %d/%d\n", r.FactShare, r.WronglyDeclined, r.Declined, r.OutOfCorpus)
	if r.WithArticle > 0 {
		fmt.Fprintf(&b, "citations: expected article first %.3f  another article cited too %.3f (of %d)\n", r.ArticleShare, r.ExtraShare, r.WithArticle)
	}
	fmt.Fprintf(&b, "replies:   median %d characters, longest %d bytes\n", r.MedianReplyChars, r.MaxReplyBytes)
	for _, o := range r.Outcomes {
		if o.OK() && (o.Article == "" || o.RightArticle) {
			continue
		}
		want := "fact " + o.Fact
		if o.Article != "" {
			want += " in " + o.Article
		}
		if o.Fact == "" {
			want = "decline"
		}
		label := "MISS"
		if o.OK() {
			label = "CITE" // the fact, from another article
		}
		fmt.Fprintf(&b, "%s %s (want %s, rank %d, declined %v)\n  %s\n", label, o.Question.Question, want, o.Rank, o.Declined, strings.ReplaceAll(o.Reply, "\n", " "))
	}
	return b.String()
}
