package main

// Soak mode: duban-load starts `duban serve` itself against a fake WeCom
// it runs in process, plays the people of a ledger talking to the bot for
// -duration, samples serve's health over time, and at the end checks that
// every acknowledged message was answered once: nothing lost, nothing
// doubled.

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/duban-org/duban/bot/wecomtest"
)

// What the bot's replies carry, by the kind of message asked.
const (
	markHelp     = "可以这样对我说"
	markTaskList = "任务清单：共"
	markPolicy   = "——《"    // an answer's citation
	markDecline  = "无法据此回答" // the documents do not cover it
)

// policyQuestions are asked as people type them.
var policyQuestions = []string{
	"纳入大科室制改革的市直单位有多少家",
	"每个科室最少要有几个人？",
	"大科室制改革的目标是什么",
	"改革中多余的领导职数怎么处理",
	"任务清单制是怎么回事",
	"见底清零是什么意思",
}

// soakPerson is one userid of the ledger and what they may do.
type soakPerson struct {
	id, role, unit string
	tasks          []string // open tasks this person reports on (one contact per unit)
}

// soakExpect is what the fake WeCom must have received at the end.
type soakExpect struct {
	mu      sync.Mutex
	nonces  map[string]int            // nonce → messages carrying it
	marks   map[string]map[string]int // user → mark → replies
	clicks  map[string]bool           // response codes of acknowledged clicks
	acked   atomic.Int64
	refused atomic.Int64
	errors  atomic.Int64
}

// soakWeCom is the fake WeCom of a soak: it accepts everything and keeps
// every message by recipient.
type soakWeCom struct {
	corpID  string
	mu      sync.Mutex
	byUser  map[string][]wecomtest.Message
	updates map[string]int // response code → updates
	total   int
	// onSend, when set, is told of every message as it arrives.
	onSend func(at time.Time, m wecomtest.Message)
}

func (f *soakWeCom) handler() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io.WriteString(w, body)
	}
	mux.HandleFunc("GET /cgi-bin/gettoken", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("corpid") != f.corpID {
			reply(w, `{"errcode":40013,"errmsg":"invalid corpid"}`)
			return
		}
		reply(w, `{"errcode":0,"errmsg":"ok","access_token":"soak-fake-token","expires_in":7200}`)
	})
	mux.HandleFunc("POST /cgi-bin/message/send", func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var m wecomtest.Message
		if err := json.Unmarshal(raw, &m); err != nil || m.ToUser == "" {
			reply(w, `{"errcode":40008,"errmsg":"invalid message"}`)
			return
		}
		m.Raw = raw
		f.mu.Lock()
		f.total++
		n := f.total
		f.byUser[m.ToUser] = append(f.byUser[m.ToUser], m)
		f.mu.Unlock()
		if f.onSend != nil {
			f.onSend(at, m)
		}
		reply(w, `{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"soak-`+strconv.Itoa(n)+`"}`)
	})
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", func(w http.ResponseWriter, r *http.Request) {
		var u wecomtest.CardUpdate
		json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u)
		f.mu.Lock()
		f.updates[u.ResponseCode]++
		f.mu.Unlock()
		reply(w, `{"errcode":0,"errmsg":"ok","invaliduser":""}`)
	})
	return mux
}

// messages returns a copy of what user received.
func (f *soakWeCom) messages(user string) []wecomtest.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.byUser[user])
}

// countRaw counts the messages holding s, across every recipient.
func (f *soakWeCom) countRaw(s string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, ms := range f.byUser {
		for _, m := range ms {
			if strings.Contains(string(m.Raw), s) {
				n++
			}
		}
	}
	return n
}

// soak is one soak run.
type soak struct {
	o      options
	fake   *soakWeCom
	sealer wecomtest.Sealer
	client *http.Client
	people []*soakPerson
	expect soakExpect
	seq    atomic.Int64
	prefix string

	cbURL, metricsURL, storeDir, backupDir string
	serve                                  *served
	out                                    io.Writer
	start0                                 time.Time // when sending began
}

func runSoak(ctx context.Context, o options, out io.Writer) error {
	if o.Duban == "" {
		return errors.New("-mode soak needs -duban, the duban binary to run")
	}
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "duban-soak-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	s := &soak{o: o, out: out, fake: &soakWeCom{corpID: o.CorpID, byUser: map[string][]wecomtest.Message{}, updates: map[string]int{}},
		client: &http.Client{Timeout: o.Timeout}, prefix: strconv.FormatInt(time.Now().Unix()%100000, 10)}
	s.expect.nonces = map[string]int{}
	s.expect.marks = map[string]map[string]int{}
	s.expect.clicks = map[string]bool{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fakeSrv := &http.Server{Handler: s.fake.handler(), ReadHeaderTimeout: 5 * time.Second}
	go fakeSrv.Serve(ln)
	defer fakeSrv.Close()

	if err := s.start(ctx, dir, "http://"+ln.Addr().String()); err != nil {
		return err
	}
	defer s.stop()
	if err := s.loadPeople(); err != nil {
		return err
	}
	fmt.Fprintf(out, "soak: %d people, about %.1f messages/s, for %v; serve pid %d; sampling every %v\n",
		len(s.people), o.SoakRate, o.Duration, s.serve.pid(), o.Sample)

	run, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range s.people {
		wg.Go(func() { s.play(run, p) })
	}
	samples := make(chan struct{})
	go func() { defer close(samples); s.sample(run) }()
	wg.Wait()
	<-samples
	if ctx.Err() != nil {
		return ctx.Err()
	}
	fmt.Fprintln(out, "soak: sending stopped; waiting for the queues to drain")
	drained := s.drain(ctx, 3*time.Minute)
	s.printSample(time.Now())
	return s.verdict(drained)
}

// start writes the configuration, imports the ledger and starts serve.
func (s *soak) start(ctx context.Context, dir, fakeURL string) error {
	s.storeDir = filepath.Join(dir, "store")
	s.backupDir = filepath.Join(dir, "backups")
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	// A backup while the soak runs: two minutes in, office time.
	backupAt := time.Now().In(shanghai).Add(2 * time.Minute).Format("15:04")
	calDir, err := workingCalendar(dir, time.Now().In(shanghai), s.o.Duration)
	if err != nil {
		return err
	}
	aes := randomKey()
	s.sealer = wecomtest.Sealer{CorpID: s.o.CorpID, AgentID: s.o.AgentID, Token: "soak-token", EncodingAESKey: aes}
	cfg := fmt.Sprintf(`[server]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
[store]
dir = %q
backup_dir = %q
backup_at = %q
[wecom]
corp_id = %q
agent_id = %d
secret = "soak-secret"
token = "soak-token"
encoding_aes_key = %q
api_base = %q
[remind]
# a reminder pass every minute, at any hour
send_at = "00:00"
quiet_start = "00:00"
quiet_end = "00:00"
catch_up_minutes = 1
calendar_dir = %q
`, s.storeDir, s.backupDir, backupAt, s.o.CorpID, s.o.AgentID, aes, fakeURL, calDir)
	cfgPath := filepath.Join(dir, "duban.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	imp := exec.CommandContext(ctx, s.o.Duban, "import", "--config", cfgPath, s.o.Ledger)
	if b, err := imp.CombinedOutput(); err != nil {
		return fmt.Errorf("duban import: %w\n%s", err, b)
	}
	srv, err := launchServe(s.o.Duban, cfgPath, filepath.Join(dir, "serve.log"), nil, 30*time.Second)
	if err != nil {
		return err
	}
	s.serve, s.cbURL, s.metricsURL = srv, srv.cbURL, srv.metricsURL
	return nil
}

// workingCalendar returns a calendar_dir making the soak's days working
// days when they fall on a weekend (so reminder passes run), or "" when
// they are weekdays already and the built-in schedule serves.
func workingCalendar(dir string, from time.Time, d time.Duration) (string, error) {
	var lines []string
	end := from.Add(d + time.Hour)
	for t := from; !t.After(end); t = t.Add(time.Hour) {
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			line := "work " + t.Format("2006-01-02") + " 压测"
			if !slices.Contains(lines, line) {
				lines = append(lines, line)
			}
		}
	}
	if len(lines) == 0 {
		return "", nil
	}
	calDir := filepath.Join(dir, "calendar")
	if err := os.MkdirAll(calDir, 0o750); err != nil {
		return "", err
	}
	return calDir, os.WriteFile(filepath.Join(calDir, "soak.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

func randomKey() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 43)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// loadPeople reads the ledger's people and open tasks. Each unit's open
// tasks are reported on by its first contact only, so two people never race
// on one task.
func (s *soak) loadPeople() error {
	people, err := readCSV(filepath.Join(s.o.Ledger, "people.csv"))
	if err != nil {
		return err
	}
	tasks, err := readCSV(filepath.Join(s.o.Ledger, "tasks.csv"))
	if err != nil {
		return err
	}
	open := map[string][]string{}
	for _, t := range tasks[1:] {
		if len(t) > 6 && t[6] != "已销号" && t[6] != "已报完成" {
			open[t[1]] = append(open[t[1]], t[0])
		}
	}
	byID := map[string]*soakPerson{}
	for _, r := range people[1:] {
		if len(r) < 4 {
			continue
		}
		p := byID[r[0]]
		if p == nil {
			p = &soakPerson{id: r[0], role: r[2], unit: r[3]}
			byID[r[0]] = p
			s.people = append(s.people, p)
		}
		if r[2] == "联络员" && open[r[3]] != nil {
			p.role, p.unit, p.tasks = r[2], r[3], open[r[3]]
			delete(open, r[3])
		}
	}
	if len(s.people) == 0 {
		return fmt.Errorf("%s: no people", s.o.Ledger)
	}
	return nil
}

func readCSV(path string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

// play is one person using the bot until ctx ends: a message, then the
// wait for its answer, then a pause, as people do.
func (s *soak) play(ctx context.Context, p *soakPerson) {
	mean := time.Duration(float64(len(s.people)) / s.o.SoakRate * float64(time.Second))
	clicked := map[string]bool{}
	for {
		pause := time.Duration(rand.ExpFloat64() * float64(mean))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		if s.clickCard(ctx, p, clicked) {
			continue
		}
		s.say(ctx, p)
	}
}

// say sends one message of a realistic mix and waits for its answer.
func (s *soak) say(ctx context.Context, p *soakPerson) {
	n := s.seq.Add(1)
	nonce := fmt.Sprintf("soak%s-%08d", s.prefix, n) // fixed width: no nonce holds another
	roll := rand.IntN(100)
	var text, mark string
	var want int // messages carrying the nonce
	switch {
	case len(p.tasks) > 0 && roll < 35:
		text, want = fmt.Sprintf("进展 %s 正在推进，%s", p.tasks[rand.IntN(len(p.tasks))], nonce), 1
	case len(p.tasks) > 0 && roll < 45:
		// Reported done: a reply to p and a card to the group leader.
		i := rand.IntN(len(p.tasks))
		text, want = fmt.Sprintf("完成 %s 已办结，%s", p.tasks[i], nonce), 2
		p.tasks = slices.Delete(p.tasks, i, i+1)
	case (p.role == "联络员" || p.role == "一把手") && roll < 65:
		text, mark = "任务", markTaskList
	case roll < 75:
		text, mark = "帮助", markHelp
	default:
		text, mark = policyQuestions[rand.IntN(len(policyQuestions))], markPolicy
	}
	cb := s.sealer.TextCallback(p.id, text, "9"+s.prefix+strconv.FormatInt(n, 10), time.Now())
	if !s.send(cb) {
		return
	}
	s.expect.mu.Lock()
	if mark != "" {
		if s.expect.marks[p.id] == nil {
			s.expect.marks[p.id] = map[string]int{}
		}
		s.expect.marks[p.id][mark]++
	} else {
		s.expect.nonces[nonce] = want
	}
	s.expect.mu.Unlock()
	s.waitFor(ctx, func() bool {
		if mark != "" {
			return s.marks(p.id)[mark] >= s.wantMark(p.id, mark)
		}
		return s.fake.countRaw(nonce) >= want
	})
}

// clickCard clicks 销号 on a card p received and has not clicked, if any.
func (s *soak) clickCard(ctx context.Context, p *soakPerson, clicked map[string]bool) bool {
	for _, m := range s.fake.messages(p.id) {
		c := m.TemplateCard
		if c == nil || clicked[c.TaskID] {
			continue
		}
		for _, b := range c.ButtonList {
			if !strings.HasPrefix(b.Key, "verify:") {
				continue
			}
			clicked[c.TaskID] = true
			code := fmt.Sprintf("soak-rc-%s-%d", s.prefix, s.seq.Add(1))
			pm := s.sealer.NewPlain(p.id, "event", time.Now())
			pm.Event, pm.EventKey, pm.TaskID = wecomtest.Text("template_card_event"), wecomtest.Text(b.Key), wecomtest.Text(c.TaskID)
			pm.CardType, pm.ResponseCode = wecomtest.Text("button_interaction"), wecomtest.Text(code)
			if s.send(s.sealer.SealMessage(pm, time.Now())) {
				s.expect.mu.Lock()
				s.expect.clicks[code] = true
				s.expect.mu.Unlock()
				s.waitFor(ctx, func() bool { return s.updates(code) >= 1 })
			}
			return true
		}
	}
	return false
}

// send posts cb and reports whether serve acknowledged it.
func (s *soak) send(cb wecomtest.Callback) bool {
	resp, err := cb.Send(s.client, s.cbURL)
	if err != nil {
		s.expect.errors.Add(1)
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.expect.refused.Add(1)
		return false
	}
	s.expect.acked.Add(1)
	return true
}

// waitFor polls cond until it holds, for at most a minute.
func (s *soak) waitFor(ctx context.Context, cond func() bool) {
	deadline := time.Now().Add(time.Minute)
	for !cond() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *soak) marks(user string) map[string]int {
	got := map[string]int{}
	for _, m := range s.fake.messages(user) {
		body := string(m.Raw)
		for _, mark := range []string{markHelp, markTaskList} {
			if strings.Contains(body, mark) {
				got[mark]++
			}
		}
		if strings.Contains(body, markPolicy) || strings.Contains(body, markDecline) {
			got[markPolicy]++
		}
	}
	return got
}

func (s *soak) wantMark(user, mark string) int {
	s.expect.mu.Lock()
	defer s.expect.mu.Unlock()
	return s.expect.marks[user][mark]
}

func (s *soak) updates(code string) int {
	s.fake.mu.Lock()
	defer s.fake.mu.Unlock()
	return s.fake.updates[code]
}

// sample prints one line of serve's figures every -sample until ctx ends.
func (s *soak) sample(ctx context.Context) {
	fmt.Fprintln(s.out, "   elapsed       RSS   Go heap  goroutines  open files  store size  inbox  outbox  acked  sent by serve")
	start := time.Now()
	s.start0 = start
	t := time.NewTicker(s.o.Sample)
	defer t.Stop()
	s.printSample(start)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.printSample(now)
		}
	}
}

func (s *soak) printSample(now time.Time) {
	m := s.scrape()
	s.fake.mu.Lock()
	sent := s.fake.total
	s.fake.mu.Unlock()
	fmt.Fprintf(s.out, "%10v %8.1fMB %7.1fMB %11.0f %11.0f %9.1fMB %6.0f %7.0f %6d %14d\n",
		now.Sub(s.start0).Round(time.Second), m["process_resident_memory_bytes"]/(1<<20), m["go_memstats_heap_inuse_bytes"]/(1<<20), m["go_goroutines"],
		m["process_open_fds"], float64(dirSize(s.storeDir))/(1<<20), m["duban_inbox_pending"], m["duban_outbox_pending"],
		s.expect.acked.Load(), sent)
}

// scrape reads serve's /metrics: the unlabelled samples by name.
func (s *soak) scrape() map[string]float64 {
	out := map[string]float64{}
	resp, err := s.client.Get(s.metricsURL)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// dirSize is the disk space the files under dir take (Badger's value log
// is preallocated sparse: its length says little).
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				if st, ok := fi.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				} else {
					n += fi.Size()
				}
			}
		}
		return nil
	})
	return n
}

// drain waits until every expected answer has arrived and serve's queues
// are empty, or timeout passes; it reports whether they drained.
func (s *soak) drain(ctx context.Context, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		m := s.scrape()
		if len(s.problems()) == 0 && m["duban_inbox_pending"] == 0 && m["duban_outbox_pending"] == 0 {
			return true
		}
		time.Sleep(time.Second)
	}
	return false
}

// problems lists every answer lost or doubled.
func (s *soak) problems() []string {
	s.expect.mu.Lock()
	defer s.expect.mu.Unlock()
	var out []string
	for nonce, want := range s.expect.nonces {
		if got := s.fake.countRaw(nonce); got != want {
			out = append(out, fmt.Sprintf("message %s: %d answers, want %d", nonce, got, want))
		}
	}
	for user, want := range s.expect.marks {
		s.expect.mu.Unlock()
		got := s.marks(user)
		s.expect.mu.Lock()
		for mark, n := range want {
			if got[mark] != n {
				out = append(out, fmt.Sprintf("%s: %d answers marked %q, want %d", user, got[mark], mark, n))
			}
		}
	}
	for code := range s.expect.clicks {
		if got := s.updates(code); got != 1 {
			out = append(out, fmt.Sprintf("card click %s: %d card updates, want 1", code, got))
		}
	}
	// Reminders and notifications: the same text twice to one person is
	// a double (answers to repeated questions are counted above).
	s.fake.mu.Lock()
	for user, ms := range s.fake.byUser {
		seen := map[string]bool{}
		for _, m := range ms {
			body := string(m.Raw)
			if strings.Contains(body, markHelp) || strings.Contains(body, markTaskList) || strings.Contains(body, markPolicy) || strings.Contains(body, markDecline) {
				continue
			}
			if seen[body] {
				out = append(out, fmt.Sprintf("%s received the same message twice: %.80s", user, body))
			}
			seen[body] = true
		}
	}
	s.fake.mu.Unlock()
	slices.Sort(out)
	return out
}

// verdict prints the end figures and returns an error when anything was
// lost or doubled or the queues did not drain.
func (s *soak) verdict(drained bool) error {
	problems := s.problems()
	backups, _ := filepath.Glob(filepath.Join(s.backupDir, "duban-*.bak"))
	s.fake.mu.Lock()
	sent, updates := s.fake.total, len(s.fake.updates)
	s.fake.mu.Unlock()
	s.expect.mu.Lock()
	nonces, clicks := len(s.expect.nonces), len(s.expect.clicks)
	s.expect.mu.Unlock()
	fmt.Fprintf(s.out, "soak: callbacks acknowledged %d (refused %d, errors %d); progress/done reports %d, card clicks %d; messages sent by serve %d, card updates %d; backups written %d\n",
		s.expect.acked.Load(), s.expect.refused.Load(), s.expect.errors.Load(), nonces, clicks, sent, updates, len(backups))
	if !drained {
		problems = append(problems, "the queues did not drain within 3 minutes")
	}
	if len(backups) == 0 && s.o.Duration > 3*time.Minute {
		problems = append(problems, "no backup was written")
	}
	if len(problems) == 0 {
		fmt.Fprintln(s.out, "soak: every acknowledged message answered once; nothing lost, nothing doubled; queues drained")
		return nil
	}
	for _, p := range problems[:min(len(problems), 20)] {
		fmt.Fprintln(s.out, "  PROBLEM:", p)
	}
	return fmt.Errorf("%d problems", len(problems))
}

// stop ends serve with SIGTERM, as systemd does.
func (s *soak) stop() {
	if s.serve == nil {
		return
	}
	if err := s.serve.stop(); err != nil {
		fmt.Fprintln(s.out, "soak: serve exited:", err)
	}
}
