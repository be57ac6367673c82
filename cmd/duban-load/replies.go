package main

// -mode replies: chat replies through the real `duban serve` at province
// scale. duban-load imports the synthetic province (examples/province) into
// a store of its own, starts serve on it against a fake WeCom it runs in
// process, waits for serve's ledger view, then plays real users of the
// province — 联络员, 督办组长, 编办 and anyone asking a policy question —
// each sending a message, waiting for its reply, pausing, as people do. For
// every kind of message it measures the time from the callback's POST to
// the reply's arrival at the fake WeCom's message/send (and, apart, to the
// callback's answer), and it samples serve's RSS and CPU.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/bot/wecomtest"
	"github.com/duban-org/duban/examples/province"
	"github.com/duban-org/duban/store"
)

// repliesOptions are the flags of -mode replies (besides -tasks, -units,
// -duban, -dir and -timeout).
type repliesOptions struct {
	Players int           // people of each role talking at once
	Rounds  int           // times each person goes through their messages
	Pause   time.Duration // mean pause between one person's messages
	// StoreFrom is a store to start from (copied; the province is imported
	// into the copy), e.g. the policy benchmarks' 10,000 passages.
	StoreFrom string
	// Backup has serve write its scheduled backup while the people talk
	// (backup_at two minutes after serve's configuration is written).
	Backup bool
}

// replyKind is one kind of message measured; its label names who says
// what.
type replyKind struct {
	label string
	// mark is text every good reply of the kind holds (checked by the
	// test; the run counts replies without it as odd).
	mark *regexp.Regexp
}

// The kinds, in the table's order.
var replyKinds = []replyKind{
	{"联络员 进展 T… …", regexp.MustCompile(`已记录|进展`)},
	{"联络员 任务", regexp.MustCompile(`任务`)},
	{"联络员 记录 T…", regexp.MustCompile(`T\d{6}`)},
	{"督办组长 任务", regexp.MustCompile(`任务`)},
	{"督办组长 任务 红", regexp.MustCompile(`页|红`)},
	{"督办组长 下一页", regexp.MustCompile(`页`)},
	{"编办 任务", regexp.MustCompile(`任务`)},
	{"编办 任务 逾期 第2页", regexp.MustCompile(`第 ?2 ?/`)},
	{"编办 任务 待销号", regexp.MustCompile(`销号`)},
	{"一把手 政策问题", regexp.MustCompile(markPolicy + `|` + markDecline + `|文件`)},
	{"一把手 帮助 (baseline)", regexp.MustCompile(markHelp)},
}

// replySample is one message's figures.
type replySample struct {
	kind       int
	msgID      string
	ack, reply time.Duration // from the POST to its answer / to the reply's arrival
	handler    time.Duration // the handler's own time, from serve's log (-1: not found)
	text       string        // the reply's text
	odd        bool          // the reply lacks its kind's mark
}

// repliesRun is one run of the mode.
type repliesRun struct {
	o      options
	fake   *soakWeCom
	sealer wecomtest.Sealer
	client *http.Client
	serve  *served
	seq    atomic.Int64
	prefix string

	mu      sync.Mutex
	arrived map[string]chan replyArrival // by recipient
	samples []replySample
	lost    []string // messages whose reply never came
}

type replyArrival struct {
	at   time.Time
	text string
}

// player is one person of the province and the messages they send in a
// round.
type player struct {
	id    string
	kinds []int // indexes into replyKinds
	texts func(round int) []string
}

func runReplies(ctx context.Context, o options, out io.Writer) error {
	if o.Duban == "" {
		return errors.New("-mode replies needs -duban, the duban binary to run")
	}
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "duban-replies-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	now := time.Now()
	p := province.Generate(province.Size{Units: o.Year.Units, Tasks: o.Year.Tasks, Today: duban.DateOf(now.In(shanghai)), Seed: 1})
	t0 := time.Now()
	if o.Replies.StoreFrom != "" {
		if err := os.CopyFS(filepath.Join(dir, "store"), os.DirFS(o.Replies.StoreFrom)); err != nil {
			return fmt.Errorf("copy -store-from: %w", err)
		}
	}
	if err := importProvince(ctx, filepath.Join(dir, "store"), p.Units, p.People, p.Tasks, now); err != nil {
		return err
	}
	fmt.Fprintf(out, "replies: %d tasks in %d units, %d people; imported in %v\n",
		len(p.Tasks), len(p.Units), len(p.People), time.Since(t0).Round(time.Millisecond))

	r := &repliesRun{o: o, client: &http.Client{Timeout: o.Timeout}, arrived: map[string]chan replyArrival{},
		prefix: strconv.FormatInt(now.Unix()%100000, 10)}
	r.fake = &soakWeCom{corpID: o.CorpID, byUser: map[string][]wecomtest.Message{}, updates: map[string]int{}, onSend: r.onSend}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fakeSrv := &http.Server{Handler: r.fake.handler(), ReadHeaderTimeout: 5 * time.Second}
	go fakeSrv.Serve(ln)
	defer fakeSrv.Close()

	aes := randomKey()
	r.sealer = wecomtest.Sealer{CorpID: o.CorpID, AgentID: o.AgentID, Token: "replies-token", EncodingAESKey: aes}
	cfgPath := filepath.Join(dir, "duban.toml")
	cfg := fmt.Sprintf(`[server]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
[store]
dir = %q
[wecom]
corp_id = %q
agent_id = %d
secret = "replies-secret"
token = "replies-token"
encoding_aes_key = %q
api_base = %q
[remind]
# reminders only in the minute 23:59 Shanghai time: nothing else competes
send_at = "23:59"
quiet_start = "00:00"
quiet_end = "23:59"
`, filepath.Join(dir, "store"), o.CorpID, o.AgentID, aes, "http://"+ln.Addr().String())
	if o.Replies.Backup {
		// A minute's precision: the backup starts 1–2 minutes into the replies.
		cfg = strings.Replace(cfg, "[wecom]", fmt.Sprintf("backup_dir = %q\nbackup_at = %q\n[wecom]",
			filepath.Join(dir, "backups"), time.Now().In(shanghai).Add(2*time.Minute).Format("15:04")), 1)
	}
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	t0 = time.Now()
	srv, err := launchServe(o.Duban, cfgPath, filepath.Join(dir, "serve.log"), viewBuiltLine, 5*time.Minute)
	if err != nil {
		return err
	}
	r.serve = srv
	defer func() {
		if srv != nil {
			srv.stop()
		}
	}()
	rssReady := procStatus(srv.pid(), "VmRSS")
	fmt.Fprintf(out, "serve pid %d ready (ledger view built) in %v, RSS %s\n", srv.pid(), time.Since(t0).Round(time.Millisecond), mib(rssReady))

	players := replyPlayers(p.Units, p.People, p.Tasks, o.Replies.Players)
	fmt.Fprintf(out, "%d people talking at once, %d rounds each, pauses of %v on average, at most %d messages a minute each\n", len(players), o.Replies.Rounds, o.Replies.Pause, perMinute)

	load0 := loadAverage()
	cpu0 := procCPU(srv.pid())
	var rssMax, anonAtMax, fileAtMax atomic.Int64
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for t := time.NewTicker(50 * time.Millisecond); sampling.Err() == nil; <-t.C {
			if v := procStatus(srv.pid(), "VmRSS"); v > rssMax.Load() {
				rssMax.Store(v)
				anonAtMax.Store(procStatus(srv.pid(), "RssAnon"))
				fileAtMax.Store(procStatus(srv.pid(), "RssFile"))
			}
		}
	}()
	begin := time.Now()
	var wg sync.WaitGroup
	for _, pl := range players {
		wg.Go(func() { r.play(ctx, pl) })
	}
	wg.Wait()
	took := time.Since(begin)
	stopSampling()
	<-sampled
	cpu := procCPU(srv.pid()) - cpu0
	hwm := procStatus(srv.pid(), "VmHWM")
	anonEnd, fileEnd := procStatus(srv.pid(), "RssAnon"), procStatus(srv.pid(), "RssFile")
	stopErr := srv.stop()
	srv = nil
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.handlerTimes(r.serve.logPath); err != nil {
		return err
	}
	r.print(out)
	fmt.Fprintf(out, "serve: RSS %s when ready, %s at most while replying, %s peak since start (VmHWM); CPU %v over %v of replies (%.0f%% of one core)\n",
		mib(rssReady), mib(rssMax.Load()), mib(hwm), cpu.Round(10*time.Millisecond), took.Round(time.Millisecond), 100*cpu.Seconds()/took.Seconds())
	fmt.Fprintf(out, "serve: at its highest RSS %s anonymous, %s file-backed; at the end %s / %s\n",
		mib(anonAtMax.Load()), mib(fileAtMax.Load()), mib(anonEnd), mib(fileEnd))
	if o.Replies.Backup {
		backups, _ := filepath.Glob(filepath.Join(dir, "backups", "duban-*.bak"))
		fmt.Fprintf(out, "backups written while replying: %d\n", len(backups))
	}
	fmt.Fprintf(out, "load average before: %s; after: %s (%d cores)\n", load0, loadAverage(), runtime.NumCPU())
	if stopErr != nil {
		fmt.Fprintln(out, "serve exited:", stopErr)
	}
	if len(r.lost) > 0 {
		for _, l := range r.lost[:min(len(r.lost), 10)] {
			fmt.Fprintln(out, "  NO REPLY:", l)
		}
		return fmt.Errorf("%d messages got no reply within %v", len(r.lost), o.Timeout)
	}
	return nil
}

var viewBuiltLine = regexp.MustCompile(`msg="ledger view built"|msg="ledger view not built`)

func mib(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// importProvince writes the ledger into a new store at dir, as `duban
// import` does, unsynced (the files are the same; it is quicker).
func importProvince(ctx context.Context, dir string, units []duban.Unit, people []duban.Person, tasks []duban.Task, now time.Time) error {
	s, err := store.Open(dir, store.Options{Unsynced: true})
	if err != nil {
		return err
	}
	if _, err := s.Import(ctx, duban.Ledger{Units: units, People: people, Tasks: tasks}, "import", now.Add(-time.Hour)); err != nil {
		s.Close()
		return fmt.Errorf("import the province: %w", err)
	}
	return s.Close()
}

// replyPlayers picks n people of each role: the 督办组长 of the largest
// groups (one each), 编办 staff, 联络员 of units with open tasks spread over
// the province, and 一把手 of other units, who ask policy questions. (A
// 进展 tells no one but its sender, so one player's messages never reach
// another.)
func replyPlayers(units []duban.Unit, people []duban.Person, tasks []duban.Task, n int) []player {
	groupOf := map[string]string{}
	for _, u := range units {
		groupOf[u.Code] = u.Group
	}
	size := map[string]int{}
	open := map[string][]string{} // unit → open tasks
	for _, t := range tasks {
		size[groupOf[t.Unit]]++
		if t.Status == duban.StatusNotStarted || t.Status == duban.StatusInProgress {
			open[t.Unit] = append(open[t.Unit], t.ID)
		}
	}
	var leaders []duban.Person
	var admins []string
	for _, pe := range people {
		if len(pe.Groups()) > 0 {
			leaders = append(leaders, pe)
		}
		if pe.IsAdmin() {
			admins = append(admins, pe.UserID)
		}
	}
	slices.SortStableFunc(leaders, func(a, b duban.Person) int { return size[b.Groups()[0]] - size[a.Groups()[0]] })
	led := map[string]bool{}
	var out []player
	for _, l := range leaders {
		if g := l.Groups()[0]; !led[g] && len(led) < n {
			led[g] = true
			out = append(out, player{id: l.UserID, kinds: []int{3, 4, 5}, texts: func(int) []string { return []string{"任务", "任务 红", "下一页"} }})
		}
	}
	for _, id := range admins[:min(n, len(admins))] {
		out = append(out, player{id: id, kinds: []int{6, 7, 8}, texts: func(int) []string { return []string{"任务", "任务 逾期 第2页", "任务 待销号"} }})
	}
	var withOpen []duban.Unit
	for _, u := range units {
		if len(open[u.Code]) > 0 {
			withOpen = append(withOpen, u)
		}
	}
	for i := range min(n, len(withOpen)) {
		ids := open[withOpen[i*len(withOpen)/n].Code]
		out = append(out, player{id: "c" + withOpen[i*len(withOpen)/n].Code, kinds: []int{0, 1, 2}, texts: func(round int) []string {
			id := ids[round%len(ids)]
			return []string{fmt.Sprintf("进展 %s 方案已起草，正在征求意见（第%d次）", id, round+1), "任务", "记录 " + id}
		}})
		head := withOpen[(i*len(withOpen)/n+len(withOpen)/(2*n))%len(withOpen)]
		out = append(out, player{id: "h" + head.Code, kinds: []int{10, 9}, texts: func(round int) []string {
			return []string{"帮助", policyQuestions[(round+i)%len(policyQuestions)]}
		}})
	}
	return out
}

// perMinute is the most messages one person sends in a minute. WeCom takes
// at most 30 a minute for one member from an app and serve's sender keeps
// to that (bot/limiter.go), holding the rest for up to a minute; a person
// who talks faster would measure that hold, not the reply.
const perMinute = 25

// play is one person going through their messages Rounds times, pausing
// before each and never saying more than perMinute in a minute.
func (r *repliesRun) play(ctx context.Context, pl player) {
	ch := make(chan replyArrival, 64)
	r.mu.Lock()
	r.arrived[pl.id] = ch
	r.mu.Unlock()
	var sent []time.Time
	for round := range r.o.Replies.Rounds {
		for i, text := range pl.texts(round) {
			wait := time.Duration(rand.ExpFloat64() * float64(r.o.Replies.Pause))
			if len(sent) >= perMinute {
				wait = max(wait, time.Until(sent[len(sent)-perMinute].Add(time.Minute)))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			sent = append(sent, time.Now())
			r.say(ctx, pl.id, pl.kinds[i], text, ch)
		}
	}
}

// say sends text from id and waits for the reply on ch.
func (r *repliesRun) say(ctx context.Context, id string, kind int, text string, ch chan replyArrival) {
	for len(ch) > 0 { // anything late from before
		<-ch
	}
	msgID := "7" + r.prefix + strconv.FormatInt(r.seq.Add(1), 10)
	cb := r.sealer.TextCallback(id, text, msgID, time.Now())
	start := time.Now()
	resp, err := cb.Send(r.client, r.serve.cbURL)
	ack := time.Since(start)
	if err != nil {
		r.lose(fmt.Sprintf("%s %q: %v", id, text, err))
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.lose(fmt.Sprintf("%s %q: HTTP %d", id, text, resp.StatusCode))
		return
	}
	select {
	case a := <-ch:
		r.mu.Lock()
		r.samples = append(r.samples, replySample{kind: kind, msgID: msgID, ack: ack, reply: a.at.Sub(start), text: a.text,
			odd: !replyKinds[kind].mark.MatchString(a.text) || strings.Contains(a.text, "抱歉")})
		r.mu.Unlock()
	case <-time.After(r.o.Timeout):
		r.lose(fmt.Sprintf("%s %q: no reply within %v", id, text, r.o.Timeout))
	case <-ctx.Done():
	}
}

func (r *repliesRun) lose(what string) {
	r.mu.Lock()
	r.lost = append(r.lost, what)
	r.mu.Unlock()
}

// onSend is the fake WeCom telling of a message as it arrives.
func (r *repliesRun) onSend(at time.Time, m wecomtest.Message) {
	r.mu.Lock()
	ch := r.arrived[m.ToUser]
	r.mu.Unlock()
	if ch == nil {
		return
	}
	var text string
	switch {
	case m.Text != nil:
		text = m.Text.Content
	case m.Markdown != nil:
		text = m.Markdown.Content
	default:
		text = string(m.Raw)
	}
	select {
	case ch <- replyArrival{at: at, text: text}:
	default:
	}
}

var handledLine = regexp.MustCompile(`msg="message handled" key=msg:(\S+) .*took=(\S+)`)

// handlerTimes reads each message's handler time from serve's log (one
// line per message handled, cmd/duban/logging.go), in milliseconds.
func (r *repliesRun) handlerTimes(logPath string) error {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return err
	}
	took := map[string]time.Duration{}
	for line := range strings.Lines(string(b)) {
		if m := handledLine.FindStringSubmatch(line); m != nil {
			if d, err := time.ParseDuration(m[2]); err == nil {
				took[m[1]] = d
			}
		}
	}
	for i := range r.samples {
		r.samples[i].handler = -1
		if d, ok := took[r.samples[i].msgID]; ok {
			r.samples[i].handler = d
		}
	}
	return nil
}

// print writes the table: per kind, the replies' latency from the POST,
// the callback's acknowledgement, the handler's own time (serve's log) and
// the rest: the wait for the worker, the reply's synced writes and its
// send.
func (r *repliesRun) print(w io.Writer) {
	const format = "%s %4v %8v %8v %8v %8v %8v %8v %8v %8v %4v\n"
	fmt.Fprintf(w, "\nmilliseconds from the callback's POST to the reply at message/send; ack: to the callback's own answer; handler: the handler's time in serve's log; rest: the reply less ack and handler (waiting for the worker, the reply's synced writes, its send)\n")
	fmt.Fprintf(w, format, padRunes("message", 26), "n", "p50", "p90", "p99", "max", "ack p99", "hand p50", "hand p99", "rest p99", "odd")
	for k, kind := range replyKinds {
		var lat, acks, hand, rest []time.Duration
		odd := 0
		for _, s := range r.samples {
			if s.kind != k {
				continue
			}
			lat, acks = append(lat, s.reply), append(acks, s.ack)
			if s.handler >= 0 {
				hand, rest = append(hand, s.handler), append(rest, s.reply-s.ack-s.handler)
			}
			if s.odd {
				odd++
			}
		}
		if len(lat) == 0 {
			continue
		}
		for _, l := range [][]time.Duration{lat, acks, hand, rest} {
			slices.Sort(l)
		}
		// ms is the p-th percentile of l in milliseconds, "-" for none.
		ms := func(l []time.Duration, p float64) string {
			if len(l) == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f", float64(percentile(l, p))/float64(time.Millisecond))
		}
		fmt.Fprintf(w, format, padRunes(kind.label, 26), len(lat), ms(lat, 50), ms(lat, 90), ms(lat, 99),
			ms(lat, 100), ms(acks, 99), ms(hand, 50), ms(hand, 99), ms(rest, 99), odd)
	}
	fmt.Fprintln(w, "\nfirst reply of each kind (and the first odd one: not what the kind should get):")
	for k, kind := range replyKinds {
		if i := slices.IndexFunc(r.samples, func(s replySample) bool { return s.kind == k }); i >= 0 {
			fmt.Fprintf(w, "  %s → %s\n", kind.label, firstRunes(strings.ReplaceAll(r.samples[i].text, "\n", " / "), 60))
		}
		if i := slices.IndexFunc(r.samples, func(s replySample) bool { return s.kind == k && s.odd }); i >= 0 {
			fmt.Fprintf(w, "  %s, odd → %s\n", kind.label, firstRunes(strings.ReplaceAll(r.samples[i].text, "\n", " / "), 60))
		}
	}
}

// padRunes pads s with spaces to width columns, a Han character taking two.
func padRunes(s string, width int) string {
	cols := 0
	for _, c := range s {
		cols++
		if c >= 0x2E80 {
			cols++
		}
	}
	return s + strings.Repeat(" ", max(width-cols, 0))
}

func firstRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
