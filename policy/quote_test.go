package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestNoClauseQuotedTwice: an answer completed to its whole sentence never
// quotes a clause of it again (第二十五条's 有上述情形的，由政府督查机构责令改正；
// was once given twice), over every question of the evaluation sets.
func TestNoClauseQuotedTwice(t *testing.T) {
	e := regulationsEngine(t)
	ctx := context.Background()
	files, err := filepath.Glob("testdata/heldout*/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("question sets: %v (%v)", files, err)
	}
	questions := []string{"督查对象弄虚作假会怎样", "被督查的单位弄虚作假会怎样"}
	for _, name := range files {
		for _, q := range questionFile(t, name) {
			questions = append(questions, q.Question)
		}
	}
	for _, q := range questions {
		a, err := e.Ask(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		seen := map[string]bool{}
		for _, clause := range strings.FieldsFunc(a.Text, func(r rune) bool { return strings.ContainsRune("；;。", r) }) {
			clause = strings.Trim(clause, "…… ")
			if utf8.RuneCountInString(clause) < 8 {
				continue
			}
			if seen[clause] {
				t.Errorf("%s: the answer quotes %q twice:\n%s", q, clause, a.Text)
			}
			seen[clause] = true
		}
	}
}

// TestBackReferenceQuotedWithItsAntecedent: a sentence that opens on what
// the one before said (有上述情形的，由…责令改正) is quoted with that sentence,
// or the reader is not told which 情形 are meant.
func TestBackReferenceQuotedWithItsAntecedent(t *testing.T) {
	e := regulationsEngine(t)
	a, err := e.Ask(context.Background(), "督查对象弄虚作假会怎样")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, "责令改正") || !strings.Contains(a.Text, "不得隐瞒实情") {
		t.Errorf("the consequence without what it is of:\n%s", FormatAnswer(a))
	}
}
