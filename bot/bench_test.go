package bot

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/duban-org/duban/bot/wecomtest"
)

// benchCallbacks prepares n distinct sealed text callbacks and a handler
// storing into an on-disk Badger in b.TempDir().
func benchCallbacks(b *testing.B, n int) (*Callback, []*http.Request) {
	b.Helper()
	fake := wecomtest.New(b)
	st := openStore(b, b.TempDir())
	b.Cleanup(func() { st.Close() })
	cb, err := NewCallback(CallbackConfig{
		Token: fake.Token, EncodingAESKey: fake.EncodingAESKey, CorpID: fake.CorpID, Logger: quietLogger(),
	}, st)
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]*http.Request, n)
	for i := range reqs {
		c := fake.NewTextCallback("u"+strconv.Itoa(i%50), "T012 已完成，方案已报编办", "bench-"+strconv.Itoa(i))
		if reqs[i], err = c.Request("http://127.0.0.1/wecom/callback"); err != nil {
			b.Fatal(err)
		}
	}
	return cb, reqs
}

// BenchmarkCallbackAck measures the acknowledge path of one callback:
// signature check, decryption, parsing, dedupe and the synced inbox write.
func BenchmarkCallbackAck(b *testing.B) {
	cb, reqs := benchCallbacks(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		cb.ServeHTTP(w, reqs[i])
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkCallbackAckParallel is the same path under concurrent callbacks,
// where Badger batches the synced writes of concurrent transactions.
func BenchmarkCallbackAckParallel(b *testing.B) {
	cb, reqs := benchCallbacks(b, b.N)
	var next atomic.Int64
	b.SetParallelism(25) // 50 goroutines on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			cb.ServeHTTP(w, reqs[next.Add(1)-1])
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
}
