// Command duban-load measures the callback acknowledge path of a running
// `duban serve` over HTTP: it sends correctly sealed WeCom text callbacks,
// each with a unique MsgId, and reports
//
//   - closed loop (-mode closed): -concurrency senders each sending the next
//     callback as soon as the previous one is answered; the figure is
//     acknowledged callbacks per second;
//   - open loop (-mode open): callbacks scheduled at fixed intervals (-rate
//     per second) whatever the answers, latency measured from each
//     callback's scheduled time to its answer, so a stalled server shows up
//     in the percentiles instead of slowing the offered load (no coordinated
//     omission);
//   - floor (-mode floor): bare synced Badger writes offered like the open
//     loop, in a fresh store on the same disk — the floor under the open
//     loop's latency, since serve syncs each callback before answering it
//     (floor.go);
//   - year (-mode year): no server; a simulated year of reminders on a
//     synthetic province, with the store's size on disk each month (year.go);
//   - replies (-mode replies): the synthetic province imported, the real
//     `duban serve` started on it and its people's chat replies timed from
//     the callback to message/send, per kind of message (replies.go).
//
// Use a sender that is not in the ledger (the default), so the bot's work
// per message is small and the acknowledge path is what is measured; point
// serve's [wecom] api_base at `duban-load -fake-wecom 127.0.0.1:0`, a
// minimal WeCom API that accepts every message, so no reply leaves the
// machine. scripts/loadrun.sh runs closed, open and floor against temporary
// stores.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

// options are the command's flags.
type options struct {
	URL         string
	Token       string
	AESKey      string
	CorpID      string
	AgentID     int
	From        string
	Senders     int
	Mode        string
	Concurrency int
	Rate        int
	Duration    time.Duration
	Timeout     time.Duration
	FakeWeCom   string
	CPUProfile  string
	// soak mode
	Duban    string
	Dir      string
	Ledger   string
	SoakRate float64
	Sample   time.Duration
	// year mode (and replies: -tasks, -units)
	Year yearOptions
	// replies mode
	Replies repliesOptions
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("duban-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080/wecom/callback", "callback URL of the running `duban serve`")
	fs.StringVar(&o.Token, "token", wecomtest.DefaultToken, "[wecom] token of the server")
	fs.StringVar(&o.AESKey, "aes-key", "", "[wecom] encoding_aes_key of the server (43 characters)")
	fs.StringVar(&o.CorpID, "corp-id", wecomtest.DefaultCorpID, "[wecom] corp_id of the server")
	fs.IntVar(&o.AgentID, "agent-id", wecomtest.DefaultAgentID, "[wecom] agent_id of the server")
	fs.StringVar(&o.From, "from", "load-test-nobody", "sender userid (one not in the ledger keeps the handler's work small)")
	fs.IntVar(&o.Senders, "senders", 1, "spread the callbacks over this many userids (-from plus a number) instead of one")
	fs.StringVar(&o.Mode, "mode", "closed", "closed (N senders back to back: throughput), open (fixed offered rate: latency), floor (bare synced Badger writes at -rate in a fresh store under -dir: the disk's floor under open's latency), soak (runs -duban serve itself against a fake WeCom with a realistic mix; checks nothing is lost or doubled) or year (a simulated year of reminders on a synthetic province in a store of its own: the store's size on disk each month) or replies (imports a synthetic province, runs -duban serve on it against a fake WeCom and plays its people: each kind of chat reply's latency from the callback to message/send, and serve's RSS)")
	fs.IntVar(&o.Concurrency, "concurrency", 50, "closed loop: concurrent senders")
	fs.IntVar(&o.Rate, "rate", 500, "open loop: callbacks offered per second; floor: synced writes offered per second")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to send")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "longest wait for one answer")
	fs.StringVar(&o.Duban, "duban", "", "soak, replies: the duban binary to run")
	fs.StringVar(&o.Dir, "dir", "", "soak, replies, year, floor: directory for the store (and soak's configuration and serve.log); default a temporary one, removed after")
	fs.StringVar(&o.Ledger, "ledger", "examples/sample", "soak: directory of the ledger's CSV files (people.csv, tasks.csv…)")
	fs.Float64Var(&o.SoakRate, "soak-rate", 2, "soak: messages per second from all the people together, on average")
	fs.DurationVar(&o.Sample, "sample", 30*time.Second, "soak: how often to report serve's figures")
	fs.IntVar(&o.Year.Tasks, "tasks", 10_000, "year, replies: tasks of the synthetic province")
	fs.IntVar(&o.Year.Units, "units", 0, "year, replies: units of the synthetic province (default a tenth of -tasks)")
	fs.IntVar(&o.Year.Days, "days", 365, "year: days to simulate")
	fs.Float64Var(&o.Year.Changes, "changes", 0.02, "year: share of the tasks moved one step (进展, 完成, 销号) each working day")
	fs.Float64Var(&o.Year.AckShare, "acks", 0.5, "year: share of a day's recipients who say 收到")
	fs.BoolVar(&o.Year.Daily, "daily", false, "year: print each day's timings (reminder pass, deliveries, 收到, changes, upkeep)")
	fs.StringVar(&o.Year.Start, "start", "2027-01-04", "year: the first day (the province's deadlines lie within 180 days of it)")
	fs.IntVar(&o.Replies.Players, "players", 4, "replies: people of each role (联络员, 督办组长, 编办, 一把手) talking at once")
	fs.IntVar(&o.Replies.Rounds, "rounds", 25, "replies: times each person goes through their messages")
	fs.DurationVar(&o.Replies.Pause, "pause", 2*time.Second, "replies: mean pause before each of one person's messages (each says at most 25 a minute: WeCom's limit to one member is 30)")
	fs.StringVar(&o.Replies.StoreFrom, "store-from", "", "replies: start from a copy of this store (e.g. one holding a policy corpus) and import the province into it")
	fs.BoolVar(&o.Replies.Backup, "backup", false, "replies: serve writes its scheduled backup 1–2 minutes into the replies")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write this process's CPU profile to this file (year, floor, closed, open: the load side's own work)")
	fs.StringVar(&o.FakeWeCom, "fake-wecom", "", "instead of sending, serve a minimal fake WeCom API on this address (e.g. 127.0.0.1:0) until interrupted; its URL is printed on stdout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.FakeWeCom != "" {
		if err := serveFakeWeCom(ctx, o.FakeWeCom, o.CorpID, stdout); err != nil {
			fmt.Fprintln(stderr, "duban-load:", err)
			return 1
		}
		return 0
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(stderr, "duban-load:", err)
		return 2
	}
	if o.CPUProfile != "" {
		stopProfile, err := startCPUProfile(o.CPUProfile)
		if err != nil {
			fmt.Fprintln(stderr, "duban-load:", err)
			return 1
		}
		defer stopProfile()
	}
	if o.Year.Units == 0 {
		o.Year.Units = max(o.Year.Tasks/10, 1)
	}
	if o.Mode == "replies" {
		if err := runReplies(ctx, o, stdout); err != nil {
			fmt.Fprintln(stderr, "duban-load: replies:", err)
			return 1
		}
		return 0
	}
	if o.Mode == "year" {
		o.Year.Dir = o.Dir
		if err := runYear(ctx, o, stdout); err != nil {
			fmt.Fprintln(stderr, "duban-load: year:", err)
			return 1
		}
		return 0
	}
	if o.Mode == "soak" {
		if err := runSoak(ctx, o, stdout); err != nil {
			fmt.Fprintln(stderr, "duban-load: soak:", err)
			return 1
		}
		return 0
	}
	var r result
	var err error
	switch o.Mode {
	case "closed":
		r, err = closedLoop(ctx, o)
	case "open":
		r, err = openLoop(ctx, o)
	case "floor":
		r, err = floorLoop(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(stderr, "duban-load:", err)
		return 1
	}
	r.print(stdout, o)
	if r.Acked == 0 || r.Acked < r.Sent {
		return 1
	}
	return 0
}

func (o options) validate() error {
	switch {
	case !slices.Contains([]string{"closed", "open", "floor", "soak", "year", "replies"}, o.Mode):
		return fmt.Errorf("-mode %q: want closed, open, floor, soak, year or replies", o.Mode)
	case o.Mode == "replies" && (o.Year.Tasks < 1 || o.Year.Units < 0 || o.Replies.Players < 1 || o.Replies.Rounds < 1 || o.Replies.Pause < 0):
		return fmt.Errorf("-tasks, -players and -rounds must be positive, -pause not negative")
	case o.Mode == "year" && (o.Year.Tasks < 1 || o.Year.Units < 0 || o.Year.Days < 1 ||
		o.Year.Changes < 0 || o.Year.Changes > 1 || o.Year.AckShare < 0 || o.Year.AckShare > 1):
		return fmt.Errorf("-tasks and -days must be positive, -changes and -acks between 0 and 1")
	case o.Mode == "soak" && (o.SoakRate <= 0 || o.Sample <= 0):
		return fmt.Errorf("-soak-rate and -sample must be positive")
	case (o.Mode == "closed" || o.Mode == "open") && len(o.AESKey) != 43:
		return fmt.Errorf("-aes-key must be the server's 43-character EncodingAESKey")
	case o.Concurrency < 1:
		return fmt.Errorf("-concurrency must be at least 1")
	case o.Senders < 1:
		return fmt.Errorf("-senders must be at least 1")
	case o.Rate < 1:
		return fmt.Errorf("-rate must be at least 1")
	case o.Duration <= 0:
		return fmt.Errorf("-duration must be positive")
	}
	return nil
}

// result is what one run measured.
type result struct {
	Mode      string
	Sent      int             // requests completed (answered or failed)
	Acked     int             // answered 200
	Refused   map[int]int     // other statuses, by code
	Errors    int             // transport errors and timeouts
	FirstErr  error           // the first transport error, for the report
	Elapsed   time.Duration   // from the first send to the last answer
	Latencies []time.Duration // of acknowledged requests; sorted by print
	LoadStart string          // /proc/loadavg before and after
	LoadEnd   string
	CPU       time.Duration // the generator's own CPU time (user+system) during the run
}

// ackedPerSecond is the acknowledged throughput.
func (r result) ackedPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Elapsed.Seconds()
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted, by the
// nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func (r *result) print(w io.Writer, o options) {
	slices.Sort(r.Latencies)
	switch r.Mode {
	case "closed":
		fmt.Fprintf(w, "closed loop: %d concurrent connections for %v, from %d userid(s)\n", o.Concurrency, o.Duration, max(o.Senders, 1))
	case "open":
		fmt.Fprintf(w, "open loop: %d/s offered for %v, from %d userid(s) (latency from the scheduled send time)\n", o.Rate, o.Duration, max(o.Senders, 1))
	case "floor":
		fmt.Fprintf(w, "floor: bare synced Badger writes, %d/s offered for %v in a fresh store under %s (latency from the scheduled time)\n", o.Rate, o.Duration, cmp.Or(o.Dir, os.TempDir()))
	}
	if r.Mode == "floor" {
		fmt.Fprintf(w, "  writes %d, synced %d, errors %d", r.Sent, r.Acked, r.Errors)
	} else {
		fmt.Fprintf(w, "  sent %d, acknowledged %d (200), errors %d", r.Sent, r.Acked, r.Errors)
	}
	for code, n := range r.Refused {
		fmt.Fprintf(w, ", HTTP %d ×%d", code, n)
	}
	fmt.Fprintln(w)
	if r.FirstErr != nil {
		fmt.Fprintf(w, "  first error: %v\n", r.FirstErr)
	}
	if r.Mode != "floor" {
		fmt.Fprintf(w, "  throughput %.0f acknowledged/s over %v\n", r.ackedPerSecond(), r.Elapsed.Round(time.Millisecond))
	}
	l := r.Latencies
	fmt.Fprintf(w, "  latency p50 %v  p90 %v  p99 %v  max %v\n",
		ms(percentile(l, 50)), ms(percentile(l, 90)), ms(percentile(l, 99)), ms(percentile(l, 100)))
	fmt.Fprintf(w, "  load average before: %s; after: %s\n", r.LoadStart, r.LoadEnd)
	if r.Elapsed > 0 {
		fmt.Fprintf(w, "  generator CPU %v (%.0f%% of one core)\n", r.CPU.Round(time.Millisecond), 100*r.CPU.Seconds()/r.Elapsed.Seconds())
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// loader seals and sends callbacks, and collects what happened.
type loader struct {
	o      options
	sealer wecomtest.Sealer
	client *http.Client
	prefix string // MsgIds are prefix + a counter: unique across runs
	seq    atomic.Int64
	cpu0   time.Duration

	mu sync.Mutex
	r  result
}

func newLoader(o options, mode string, conns int) *loader {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns, // the default of 2 would open a connection per request
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &loader{
		o:      o,
		sealer: wecomtest.Sealer{CorpID: o.CorpID, AgentID: o.AgentID, Token: o.Token, EncodingAESKey: o.AESKey},
		client: &http.Client{Transport: tr, Timeout: o.Timeout},
		prefix: strconv.FormatInt(time.Now().UnixNano(), 10),
		r:      result{Mode: mode, Refused: map[int]int{}, LoadStart: loadAverage()},
		cpu0:   cpuTime(),
	}
}

// next seals the next callback as a request, with a unique MsgId.
func (l *loader) next(ctx context.Context) (*http.Request, error) {
	n := l.seq.Add(1)
	from := l.o.From
	if l.o.Senders > 1 {
		from += "-" + strconv.FormatInt(n%int64(l.o.Senders), 10)
	}
	cb := l.sealer.TextCallback(from, "进展 T001 压测消息 "+strconv.FormatInt(n, 10), l.prefix+strconv.FormatInt(n, 10), time.Now())
	req, err := cb.Request(l.o.URL)
	if err != nil {
		return nil, err
	}
	return req.WithContext(ctx), nil
}

// do sends req and records its outcome, with latency measured from start.
func (l *loader) do(req *http.Request, start time.Time, lat *[]time.Duration) {
	resp, err := l.client.Do(req)
	var status int
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	took := time.Since(start)
	if status == http.StatusOK {
		*lat = append(*lat, took)
		l.mu.Lock()
		l.r.Sent++
		l.r.Acked++
		l.mu.Unlock()
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r.Sent++
	if err != nil {
		l.r.Errors++
		if l.r.FirstErr == nil {
			l.r.FirstErr = err
		}
		return
	}
	l.r.Refused[status]++
}

func (l *loader) finish(begin time.Time, lats ...[]time.Duration) result {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r.Elapsed = time.Since(begin)
	for _, s := range lats {
		l.r.Latencies = append(l.r.Latencies, s...)
	}
	l.r.LoadEnd = loadAverage()
	l.r.CPU = cpuTime() - l.cpu0
	return l.r
}

// closedLoop runs o.Concurrency senders back to back for o.Duration.
func closedLoop(ctx context.Context, o options) (result, error) {
	l := newLoader(o, "closed", o.Concurrency)
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	lats := make([][]time.Duration, o.Concurrency)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, err := l.next(context.WithoutCancel(ctx))
				if err != nil {
					return
				}
				l.do(req, time.Now(), &lats[i])
			}
		})
	}
	wg.Wait()
	return l.finish(begin, lats...), nil
}

// openLoop offers o.Rate callbacks per second for o.Duration. Callbacks are
// sealed before the run, so the generator's schedule is not delayed by its
// own crypto; each is sent at its scheduled time in its own goroutine and
// its latency counts from that time.
func openLoop(ctx context.Context, o options) (result, error) {
	interval := time.Second / time.Duration(o.Rate)
	n := int(o.Duration / interval)
	l := newLoader(o, "open", min(n, 1024))
	reqs := make([]*http.Request, n)
	for i := range reqs {
		req, err := l.next(context.Background())
		if err != nil {
			return result{}, err
		}
		reqs[i] = req
	}
	lats := make([][]time.Duration, n)
	var wg sync.WaitGroup
	begin := time.Now()
	for i, req := range reqs {
		at := begin.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				return l.finish(begin, lats...), ctx.Err()
			}
		}
		wg.Go(func() { l.do(req, at, &lats[i]) })
	}
	wg.Wait()
	return l.finish(begin, lats...), nil
}

// serveFakeWeCom answers gettoken, message/send and update_template_card
// as WeCom does when all is well, until ctx ends; its URL goes to out.
func serveFakeWeCom(ctx context.Context, addr, corpID string, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fake wecom: %w", err)
	}
	var sent atomic.Int64
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io.WriteString(w, body)
	}
	mux.HandleFunc("GET /cgi-bin/gettoken", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("corpid") != corpID {
			reply(w, `{"errcode":40013,"errmsg":"invalid corpid"}`)
			return
		}
		reply(w, `{"errcode":0,"errmsg":"ok","access_token":"load-fake-token","expires_in":7200}`)
	})
	ok := func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		n := sent.Add(1)
		reply(w, `{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"load-`+strconv.FormatInt(n, 10)+`"}`)
	}
	mux.HandleFunc("POST /cgi-bin/message/send", ok)
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", ok)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "fake wecom listening on http://%s\n", ln.Addr())
	if f, ok := out.(interface{ Sync() error }); ok {
		f.Sync()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("fake wecom: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	fmt.Fprintf(out, "fake wecom accepted %d messages\n", sent.Load())
	return nil
}
