package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

// benchDocs × ~20 chunks gives the ≥10,000-chunk corpus of the retrieval target.
const benchDocs = 520

var cities = []string{"咸宁", "孝感", "黄冈", "荆州", "宜昌", "襄阳", "十堰", "随州", "鄂州", "黄石", "荆门", "恩施", "仙桃", "天门", "潜江", "武穴"}

// synthDoc writes a look-alike reform report: the article's sentences,
// shuffled, with another city's name and other figures.
func synthDoc(r *rand.Rand, sents []string, i int) string {
	city := cities[i%len(cities)]
	var b strings.Builder
	fmt.Fprintf(&b, "%s市第%d批机构改革工作情况报告\n时间:2018-%02d-%02d\n", city, i, 1+i%12, 1+i%28)
	for s, heading := range []string{"一、领导挂帅强推进", "二、率先示范严把关", "三、“三化”同步出实招", "四、推陈出新显成效"} {
		b.WriteString(heading + "\n")
		for p := 0; p < 5; p++ {
			n := 0
			for n < 330+r.IntN(150) {
				sent := sents[r.IntN(len(sents))]
				sent = strings.ReplaceAll(sent, "咸宁", city)
				sent = strings.ReplaceAll(sent, "84", fmt.Sprint(40+r.IntN(90)))
				sent = strings.ReplaceAll(sent, "113", fmt.Sprint(60+r.IntN(120)))
				b.WriteString(sent)
				n += len([]rune(sent))
			}
			b.WriteString("\n")
			_ = s
		}
	}
	return b.String()
}

type benchCorpus struct {
	dir    string
	keep   bool // built in DUBAN_BENCH_STORE: left behind
	chunks int
	bytes  int64
	build  time.Duration
	err    error
}

var (
	benchOnce sync.Once
	bench     benchCorpus
)

// benchStore builds, once per test binary, an on-disk store holding the
// synthesized corpus plus the real article.
func benchStore(b *testing.B) benchCorpus {
	benchOnce.Do(func() {
		// DUBAN_BENCH_STORE names a new directory to build the store in and
		// leave behind (duban-load -mode replies -store-from measures serve
		// on it).
		dir := os.Getenv("DUBAN_BENCH_STORE")
		bench.keep = dir != ""
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "duban-policy-bench-"); err != nil {
				bench.err = err
				return
			}
		}
		bench.dir = dir
		st, err := store.Open(dir, store.Options{})
		if err != nil {
			bench.err = err
			return
		}
		e := New(st, Options{})
		ctx := context.Background()
		if _, err := e.EnsureDefaultCorpus(ctx); err != nil {
			bench.err = err
			return
		}
		doc, _ := Parse(corpusFile, readFile(b, corpusFile))
		var sents []string
		for _, p := range doc.Paragraphs {
			sents = append(sents, sentences(p)...)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for i := range benchDocs {
			if _, err := e.IngestBytes(ctx, fmt.Sprintf("synth/%04d.txt", i), []byte(synthDoc(r, sents, i))); err != nil {
				bench.err = err
				return
			}
		}
		start := time.Now()
		idx, err := e.index(ctx)
		if err != nil {
			bench.err = err
			return
		}
		bench.build = time.Since(start)
		bench.chunks = len(idx.chunks)
		if bench.err = st.Close(); bench.err != nil {
			return
		}
		filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				bench.bytes += info.Size()
			}
			return nil
		})
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench
}

func openBench(b *testing.B) *Engine {
	c := benchStore(b)
	st, err := store.Open(c.dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	e := New(st, Options{})
	if _, err := e.index(context.Background()); err != nil {
		b.Fatal(err)
	}
	return e
}

func reportCorpus(b *testing.B) {
	b.ReportMetric(float64(bench.chunks), "chunks")
	b.ReportMetric(float64(bench.bytes)/(1<<20), "store-MB")
}

func reportQuantiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkSearch10k measures retrieval (BM25, bonuses, top 5) per question
// over the synthesized corpus.
func BenchmarkSearch10k(b *testing.B) {
	e := openBench(b)
	qs := loadQuestions(b)
	ctx := context.Background()
	var d []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := e.Search(ctx, qs[i%len(qs)].Question, 5); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
		i++
	}
	reportQuantiles(b, d)
	reportCorpus(b)
}

// BenchmarkAsk10k measures a whole extractive answer per question.
func BenchmarkAsk10k(b *testing.B) {
	e := openBench(b)
	qs := loadQuestions(b)
	ctx := context.Background()
	var d []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := e.Ask(ctx, qs[i%len(qs)].Question); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
		i++
	}
	reportQuantiles(b, d)
	reportCorpus(b)
}

// BenchmarkIndexBuild10k measures building the in-memory index from the store
// (what the first question after start or after an ingest pays).
func BenchmarkIndexBuild10k(b *testing.B) {
	c := benchStore(b)
	st, err := store.Open(c.dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for b.Loop() {
		e := New(st, Options{})
		if _, err := e.index(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportCorpus(b)
}

// BenchmarkFirstAnswer10k measures the first answer after a restart: open
// the on-disk store holding the 10k-passage corpus, create an engine and
// answer one question. first-ms is that whole path (cpu-ms its CPU time
// in this process, Badger's goroutines included; Linux only), open-ms the
// store's open alone; alloc-MB is allocated on the way and heap-MB what
// stays live afterwards (the engine's memory for the corpus).
func BenchmarkFirstAnswer10k(b *testing.B) {
	c := benchStore(b)
	question := loadQuestions(b)[0].Question
	ctx := context.Background()
	var first, open []time.Duration
	var alloc, live float64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		base := heapStats()
		b.StartTimer()
		start, startCPU := time.Now(), cpuTime()
		st, err := store.Open(c.dir, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Now()
		e := New(st, Options{})
		if _, err := e.Ask(ctx, question); err != nil {
			b.Fatal(err)
		}
		first = append(first, time.Since(start))
		cpu += cpuTime() - startCPU
		open = append(open, opened.Sub(start))
		b.StopTimer()
		after := heapStats()
		runtime.KeepAlive(e)
		alloc += float64(after.TotalAlloc-base.TotalAlloc) / (1 << 20)
		live += (float64(after.HeapAlloc) - float64(base.HeapAlloc)) / (1 << 20)
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	n := float64(len(first))
	var sumFirst, sumOpen time.Duration
	for i := range first {
		sumFirst += first[i]
		sumOpen += open[i]
	}
	b.ReportMetric(float64(sumFirst.Microseconds())/1000/n, "first-ms")
	b.ReportMetric(float64(sumOpen.Microseconds())/1000/n, "open-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/n, "cpu-ms")
	b.ReportMetric(alloc/n, "alloc-MB")
	b.ReportMetric(live/n, "heap-MB")
	reportCorpus(b)
}

// heapStats collects garbage and returns the memory statistics.
func heapStats() runtime.MemStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

func TestMain(m *testing.M) {
	measureChild()
	code := m.Run()
	if bench.dir != "" && !bench.keep {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}
