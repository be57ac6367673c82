package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/duban-org/duban/store"
)

// logBuffer is a logger that keeps what it was told, debug included.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func openDisk(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func questionSet(t *testing.T, path string) []string {
	t.Helper()
	qs := questionFile(t, path)
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Question
	}
	return out
}

// comparable drops what only the builder uses, so that a built and a
// loaded index can be compared whole.
func comparable(x *index) *index {
	c := *x
	c.post = make(map[string]*termEntry, len(x.post))
	for t, e := range x.post {
		c.post[t] = &termEntry{list: e.list, n: e.n, docs: e.docs}
	}
	return &c
}

// TestStoredIndexAnswersAsRebuilt answers the shipped and held-out
// question sets over the shipped article, the six 条例 and the other
// held-out documents, a look-alike city's report and synthesized
// look-alikes, once from an index rebuilt from the chunks (as every start
// did before the index was stored) and once after a restart from the
// stored index: answers and hits must be identical.
func TestStoredIndexAnswersAsRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openDisk(t, dir)
	e := New(st, Options{})
	if _, err := e.EnsureDefaultCorpus(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := e.Ingest(ctx, "testdata/heldout", "testdata/lookalike_xiaogan.txt")
	if err != nil || rep.Count(StatusFailed) > 0 {
		t.Fatalf("ingest: %+v, %v", rep, err)
	}
	doc, _ := Parse(corpusFile, readFile(t, corpusFile))
	var sents []string
	for _, p := range doc.Paragraphs {
		sents = append(sents, sentences(p)...)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 12 {
		ingestText(t, e, fmt.Sprintf("synth/%02d.txt", i), synthDoc(r, sents, i))
	}
	built, err := e.build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := New(st, Options{})
	rebuilt.idx = built

	questions := append(questionSet(t, "testdata/questions.jsonl"), questionSet(t, "testdata/heldout/questions.jsonl")...)
	questions = append(questions, "孝感市纳入大科室制改革的单位有多少家", "荆州市第3批机构改革工作情况报告是什么时候发布的")
	type result struct {
		answer Answer
		hits   []Hit
	}
	ask := func(e *Engine) []result {
		var out []result
		for _, q := range questions {
			a, err := e.Ask(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			hits, err := e.Search(ctx, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, result{a, hits})
		}
		return out
	}
	want := ask(rebuilt)
	// Warm stored the index when the synthesized documents came in one by one.
	if err := e.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openDisk(t, dir)
	defer st.Close()
	log, buf := logBuffer()
	cold := New(st, Options{Logger: log})
	got := ask(cold)
	if !strings.Contains(buf.String(), "policy: index loaded") || strings.Contains(buf.String(), "rebuild") {
		t.Errorf("restart did not load the stored index:\n%s", buf)
	}
	answered := 0
	for i, q := range questions {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s:\ncold    %+v\nrebuilt %+v", q, got[i], want[i])
		}
		if !want[i].answer.Declined {
			answered++
		}
	}
	if answered < len(questions)/2 {
		t.Errorf("only %d of %d questions answered: the comparison says little", answered, len(questions))
	}
	if !reflect.DeepEqual(comparable(cold.idx), comparable(built)) {
		t.Error("the stored index differs from the rebuilt one")
	}
	if len(built.places) == 0 || len(built.chunks) < 200 {
		t.Errorf("corpus too small: %d chunks, places %v", len(built.chunks), built.places)
	}
}

// TestStoredIndexStaleOrMissing restarts over stores whose index does not
// match the documents: written by a duban that kept no index, left behind
// by a document written without its index (a crash between the two), a
// document removed, and an index that does not decode. Each is rebuilt,
// said in the log, and answers as the documents say; the next start loads it.
func TestStoredIndexStaleOrMissing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// restart opens the store again and asks q; it returns the answer and the log.
	restart := func(q string) (Answer, string) {
		t.Helper()
		st := openDisk(t, dir)
		defer st.Close()
		log, buf := logBuffer()
		a, err := New(st, Options{Logger: log}).Ask(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return a, buf.String()
	}
	loads := func() {
		t.Helper()
		if _, log := restart("纳入试点的单位有多少家"); !strings.Contains(log, "index loaded") || strings.Contains(log, "rebuild") {
			t.Errorf("second start did not load the stored index:\n%s", log)
		}
	}

	// IngestBytes writes the document and leaves the index to the next
	// question: the store is as an older duban left it, with no index.
	st := openDisk(t, dir)
	ingestText(t, New(st, Options{}), "plan.txt", "试点方案\n一、范围\n首批纳入试点的单位共12家。")
	st.Close()
	a, log := restart("纳入试点的单位有多少家")
	if !strings.Contains(log, "no stored index") || !strings.Contains(a.Text, "12家") {
		t.Errorf("no index: %q\n%s", a.Text, log)
	}
	loads()

	// A new version of the document, its index never written.
	st = openDisk(t, dir)
	ingestText(t, New(st, Options{}), "plan.txt", "试点方案\n一、范围\n首批纳入试点的单位共15家。")
	st.Close()
	a, log = restart("纳入试点的单位有多少家")
	if !strings.Contains(log, "stale") || !strings.Contains(a.Text, "15家") {
		t.Errorf("stale index: %q\n%s", a.Text, log)
	}
	loads()

	// A document removed from the store behind the index's back.
	st = openDisk(t, dir)
	ingestText(t, New(st, Options{}), "other.txt", "另一方案\n一、范围\n纳入的部门共30个。")
	New(st, Options{}).Warm(ctx)
	if err := st.RemovePolicyDoc(ctx, docID("other.txt")); err != nil {
		t.Fatal(err)
	}
	st.Close()
	a, log = restart("纳入的部门共有多少个")
	if !strings.Contains(log, "stale") || strings.Contains(a.Text, "30个") {
		t.Errorf("removed document: %q\n%s", a.Text, log)
	}
	loads()

	// An index that does not decode.
	st = openDisk(t, dir)
	docs, err := st.PolicyDocs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutPolicyIndex(ctx, indexFormat, docs, slices.Values([][]byte{{'m', 0xff}})); err != nil {
		t.Fatal(err)
	}
	st.Close()
	a, log = restart("纳入试点的单位有多少家")
	if !strings.Contains(log, "unreadable") || !strings.Contains(a.Text, "15家") {
		t.Errorf("corrupt index: %q\n%s", a.Text, log)
	}
	loads()
}

// TestIngestStoresIndex: after Ingest and Remove the stored index is
// current, so the next start loads it.
func TestIngestStoresIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := dir + "/plan.txt"
	if err := os.WriteFile(path, []byte("试点方案\n一、范围\n首批纳入试点的单位共12家。"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	for _, step := range []func(e *Engine) error{
		func(e *Engine) error { _, err := e.Ingest(ctx, path); return err },
		func(e *Engine) error { _, err := e.Remove(ctx, path); return err },
	} {
		st := openDisk(t, data)
		if err := step(New(st, Options{})); err != nil {
			t.Fatal(err)
		}
		st.Close()
		st = openDisk(t, data)
		_, err := loadIndex(ctx, st)
		st.Close()
		if err != nil {
			t.Errorf("stored index after the change: %v", err)
		}
	}
}

// FuzzIndexParts feeds damaged parts to the decoder: it must refuse them
// or give an index that answers without panicking.
func FuzzIndexParts(f *testing.F) {
	e := defaultEngine(f, Options{})
	ingestText(f, e, "b.txt", "孝感市试点方案\n一、范围\n首批纳入试点的单位共12家。")
	x, err := e.build(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	parts := slices.Collect(indexParts(x))
	if len(parts) != 3 {
		f.Fatalf("%d parts", len(parts))
	}
	f.Add(parts[0], parts[1], parts[2])
	f.Add(parts[0][:len(parts[0])/2], parts[1], parts[2])
	f.Add(parts[0], parts[1][:len(parts[1])-3], parts[2])
	f.Add(parts[0], parts[1], parts[2][:len(parts[2])-1])
	f.Fuzz(func(t *testing.T, meta, texts, posts []byte) {
		var d indexDecoder
		for _, p := range [][]byte{meta, texts, posts} {
			if err := d.part(p); err != nil {
				return
			}
		}
		x, err := d.done(x.docs)
		if err != nil {
			return
		}
		q := x.analyse("孝感市纳入试点的单位有多少家")
		ranked := x.lexical(q)
		ch := x.choose(q, ranked, DefaultThreshold)
		x.hitsInOrder(ranked, ch.order, 5)
	})
}

// indexDigests holds, per indexFormat, the SHA-256 of the parts built from
// the shipped article and the held-out documents. A store keeps the index
// an older duban wrote for as long as indexFormat is the same, so what the
// index derives from the chunks (normalize, tokenize, findPlaces, the
// character frequencies, the encoding) must not change under the same
// format: when this test fails, bump indexFormat and record the new digest.
var indexDigests = map[string]string{
	"policy-index-1/policy-chunker-2": "9ca9f395a09a6298b6e8561eaf0fc2325126b969d2baff6eb4d76cb5c7353ec4",
	"policy-index-1/policy-chunker-3": "9ca9f395a09a6298b6e8561eaf0fc2325126b969d2baff6eb4d76cb5c7353ec4",
}

func TestIndexFormatDigest(t *testing.T) {
	ctx := context.Background()
	e := defaultEngine(t, Options{})
	entries, err := os.ReadDir("testdata/heldout")
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		if Supported(de.Name()) {
			// Relative names: document IDs, and so the order of the
			// chunks, do not depend on where the tree is checked out.
			if res, err := e.IngestBytes(ctx, "heldout/"+de.Name(), readFile(t, "testdata/heldout/"+de.Name())); err != nil || res.Status == StatusFailed {
				t.Fatalf("ingest %s: %v %v", de.Name(), err, res.Err)
			}
		}
	}
	x, err := e.build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for p := range indexParts(x) {
		h.Write(p)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want := indexDigests[indexFormat]; got != want {
		t.Errorf("the index built from testdata changed under format %q (digest %s, recorded %q): stores keep indexes written by older dubans while the format is the same, so bump indexFormat in indexstore.go and record\n\t%q: %q,", indexFormat, got, want, indexFormat, got)
	}
}
