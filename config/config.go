// Package config reads duban's TOML configuration: every key documented in
// config.example.toml, unknown keys and wrong types refused with their line,
// secrets optionally taken from the environment.
package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration. The zero value is not useful; start from
// Default() or Load.
type Config struct {
	Server Server `toml:"server"`
	Store  Store  `toml:"store"`
	WeCom  WeCom  `toml:"wecom"`
	LLM    LLM    `toml:"llm"`
	Chat   Chat   `toml:"chat"`
	Policy Policy `toml:"policy"`
	Office Office `toml:"office"`
	Web    Web    `toml:"web"`
	Log    Log    `toml:"log"`
	// Remind is decoded into the reminder package's policy by the caller, so
	// this package does not depend on it; see Config.Remind and DecodeRemind.
	Remind toml.Primitive `toml:"remind"`

	// File is the path the configuration came from, "" for built-in defaults.
	File string `toml:"-"`
	// Warnings are problems worth logging at start that do not stop duban
	// (secrets in a file other users can read).
	Warnings []string `toml:"-"`
	md       toml.MetaData
	raw      []byte
}

// Server is the HTTP listener of `duban serve`.
type Server struct {
	Listen string `toml:"listen"`
	// MetricsListen is the address of the Prometheus listener (GET
	// /metrics), apart from the callback's; "" turns it off.
	MetricsListen string `toml:"metrics_listen"`
	// MemoryLimitMB is serve's soft Go memory limit (debug.SetMemoryLimit):
	// near it the collector runs sooner instead of letting the heap grow
	// to twice what is live. 0 turns it off; GOMEMLIMIT in the environment
	// wins over it.
	MemoryLimitMB int `toml:"memory_limit_mb"`
}

// Store is where the Badger database lives, and where serve backs it up.
type Store struct {
	Dir string `toml:"dir"`
	// BackupDir, when set, makes serve write a full backup there every day
	// at BackupAt (office time), keeping the newest BackupKeep files.
	BackupDir  string `toml:"backup_dir"`
	BackupAt   string `toml:"backup_at"`
	BackupKeep int    `toml:"backup_keep"`
	// ReceiptsKeep is how long serve keeps a message's delivery receipt
	// (sent/msg); 0 keeps them forever. Evidence is always kept.
	ReceiptsKeep Duration `toml:"receipts_keep"`
	// QuestionVectorsKeep is how long serve keeps a question's cached
	// embedding after the question was last asked; 0 keeps them forever.
	QuestionVectorsKeep Duration `toml:"question_vectors_keep"`
	// GCInterval is how often serve sweeps evidence content no record
	// names and gives back the value log's dead space (Badger's value-log
	// GC); 0 turns both off.
	GCInterval Duration `toml:"gc_interval"`
	// MinFreeMB is the floor of free disk space under Dir: below it
	// callbacks get 503, reminder passes and backups wait, and imports are
	// refused. 0 turns the guard off.
	MinFreeMB int `toml:"min_free_mb"`
	// AttachmentsPerTaskMB caps the total size of one task's evidence
	// (佐证材料); one file is at most 20 MB whatever this says.
	AttachmentsPerTaskMB int `toml:"attachments_per_task_mb"`
}

// WeCom is the self-built application's credentials and callback settings.
type WeCom struct {
	CorpID         string `toml:"corp_id"`
	AgentID        int    `toml:"agent_id"`
	Secret         string `toml:"secret"`
	Token          string `toml:"token"`
	EncodingAESKey string `toml:"encoding_aes_key"`
	// The *File keys name files holding the secret instead (secrets.go).
	SecretFile         string   `toml:"secret_file"`
	TokenFile          string   `toml:"token_file"`
	EncodingAESKeyFile string   `toml:"encoding_aes_key_file"`
	APIBase            string   `toml:"api_base"`
	CallbackPath       string   `toml:"callback_path"`
	TimestampWindow    Duration `toml:"timestamp_window"`
	MaxBodyBytes       int64    `toml:"max_body_bytes"`
	// Cards sends template cards (buttons); off, the sender sends every card
	// as its text, which always stands alone.
	Cards bool `toml:"cards"`
	// MaxRetryAge is how long a message is retried while WeCom fails for
	// a cause that passes (outage, limits, the trusted-IP list) before it
	// is recorded as failed and 编办 is told.
	MaxRetryAge Duration `toml:"max_retry_age"`
}

// Enabled reports whether enough is set to talk to WeCom.
func (w WeCom) Enabled() bool { return w.CorpID != "" && w.Secret != "" && w.AgentID != 0 }

// LLM is an OpenAI-compatible endpoint; an empty BaseURL means no LLM.
type LLM struct {
	BaseURL        string   `toml:"base_url"`
	APIKey         string   `toml:"api_key"`
	APIKeyFile     string   `toml:"api_key_file"`
	ChatModel      string   `toml:"chat_model"`
	EmbeddingModel string   `toml:"embedding_model"`
	Timeout        Duration `toml:"timeout"`
	// Tools offers function calling; off, free text is understood by
	// asking for a JSON object in plain text.
	Tools bool `toml:"tools"`
	// ExtraBody is merged into every chat request (enable_thinking = false
	// for DashScope's Qwen3, chat_template_kwargs for vLLM).
	ExtraBody map[string]any `toml:"extra_body"`
	// EmbedBatch is how many texts go in one embeddings request.
	EmbedBatch int `toml:"embed_batch"`
	// MaxRetries is how many times a rate-limited or failed request is
	// repeated, waiting as Retry-After asks.
	MaxRetries int `toml:"max_retries"`
}

// Chat tunes the conversation.
type Chat struct {
	// UndoWindow is how long after a change its author may still 撤销 it.
	UndoWindow Duration `toml:"undo_window"`
	// FollowupWindow is how long a question the bot asked (a date and a
	// reason after 申请延期, a reason after 不同意) waits for its answer.
	FollowupWindow Duration `toml:"followup_window"`
	// MaxNoteChars caps the words of a report, reason or note.
	MaxNoteChars int `toml:"max_note_chars"`
}

// Policy tunes policy Q&A.
type Policy struct {
	// DefaultCorpus ingests the shipped reform article into an empty corpus.
	DefaultCorpus bool `toml:"default_corpus"`
	// MinScore is the relevance below which the bot declines to answer; 0
	// keeps the engine's calibrated default.
	MinScore float64 `toml:"min_score"`
}

// Office is the issuing office as its documents name it: the 工作通报's 版头
// and 版记 and the 专函督办's 文号, signature and contact line.
type Office struct {
	Name      string `toml:"name"`       // 中共咸宁市委机构编制委员会办公室
	ShortName string `toml:"short_name"` // 市委编办, in running text
	// BulletinTitle heads the bulletin's 版头 (工作通报, 改革工作通报).
	BulletinTitle string `toml:"bulletin_title"`
	// Numbering of the bulletins' 第N期: "year" starts again at 第1期 each
	// year (2027年第1期), "continuous" never does.
	Numbering string `toml:"numbering"`
	// LetterPrefix is the 文号 prefix of a 专函督办 (咸编办函 → 咸编办函〔2026〕3号).
	LetterPrefix string `toml:"letter_prefix"`
	// ReplyWorkdays is how many working days a letter gives for the written reply.
	ReplyWorkdays int `toml:"reply_workdays"`
	// Signer signs letters and issues bulletins (印发 line).
	Signer string `toml:"signer"`
	// Contact is the contact line at the foot of a letter (联系人：…，电话：…).
	Contact string `toml:"contact"`
	// CC lists the 抄送 organs of the bulletin's 版记.
	CC []string `toml:"cc"`
}

// Web is the ledger's pages inside WeCom (package web), served by serve
// under Path once PublicURL is set.
type Web struct {
	Path string `toml:"path"`
	// PublicURL is the scheme and host WeCom's browser reaches serve at,
	// the app's trusted domain (可信域名); "" serves no pages.
	PublicURL    string   `toml:"public_url"`
	AuthorizeURL string   `toml:"authorize_url"`
	SessionKey   string   `toml:"session_key"` // "" generates one and keeps it in the store
	SessionTTL   Duration `toml:"session_ttl"`
	// Workbench keeps each person's figures on the app's workbench tile
	// (工作台自定义展示, enabled in the WeCom admin console).
	Workbench bool `toml:"workbench"`
}

// Log is how duban writes its log (to stderr).
type Log struct {
	// Format is "text" (key=value) or "json" (one object a line).
	Format string `toml:"format"`
	// Level is debug, info, warn or error; DUBAN_LOG_LEVEL overrides it.
	Level string `toml:"level"`
	// DebugBodies logs the text of messages received and sent, at debug
	// level. Off, the log names messages by id and person only.
	DebugBodies bool `toml:"debug_bodies"`
}

// Default returns the built-in configuration: a store in ./data, no WeCom,
// no LLM.
func Default() Config {
	return Config{
		Server: Server{Listen: "127.0.0.1:8080", MetricsListen: "127.0.0.1:9464", MemoryLimitMB: 160},
		Store:  Store{Dir: "data", BackupAt: "03:00", BackupKeep: 7, ReceiptsKeep: Duration(90 * 24 * time.Hour), QuestionVectorsKeep: Duration(90 * 24 * time.Hour), GCInterval: Duration(time.Hour), MinFreeMB: 256, AttachmentsPerTaskMB: 100},
		WeCom: WeCom{
			APIBase:         "https://qyapi.weixin.qq.com",
			CallbackPath:    "/wecom/callback",
			TimestampWindow: Duration(5 * time.Minute),
			MaxBodyBytes:    64 << 10,
			Cards:           true,
			MaxRetryAge:     Duration(24 * time.Hour),
		},
		LLM:    LLM{Timeout: Duration(20 * time.Second), Tools: true, EmbedBatch: 10, MaxRetries: 2},
		Chat:   Chat{UndoWindow: Duration(30 * time.Minute), FollowupWindow: Duration(30 * time.Minute), MaxNoteChars: 500},
		Policy: Policy{DefaultCorpus: true},
		Office: Office{Name: "机构编制委员会办公室", ShortName: "编办", BulletinTitle: "工作通报",
			Numbering: "year", ReplyWorkdays: 5},
		Web: Web{Path: "/ledger", AuthorizeURL: "https://open.weixin.qq.com/connect/oauth2/authorize",
			SessionTTL: Duration(8 * time.Hour)},
		Log: Log{Format: "text", Level: "info"},
	}
}

// Load reads path over the defaults, then applies secrets from the
// environment (DUBAN_WECOM_SECRET, DUBAN_WECOM_TOKEN, DUBAN_WECOM_AES_KEY,
// DUBAN_LLM_API_KEY), which win over the file.
func Load(path string) (Config, error) {
	c := Default()
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("配置文件 %w", readError(path, err))
	}
	if err := c.parse(path, raw); err != nil {
		return c, err
	}
	c.warnReadable()
	if err := c.readSecretFiles(); err != nil {
		return c, err
	}
	c.applyEnv(os.Getenv)
	return c, c.validate()
}

// LoadDefault loads path when it is set; otherwise duban.toml when present in
// the working directory; otherwise the built-in defaults.
func LoadDefault(path string) (Config, error) {
	if path != "" {
		return Load(path)
	}
	if _, err := os.Stat("duban.toml"); err == nil {
		return Load("duban.toml")
	}
	c := Default()
	c.applyEnv(os.Getenv)
	return c, c.validate()
}

func (c *Config) parse(path string, raw []byte) error {
	c.File, c.raw = path, raw
	md, err := toml.Decode(string(raw), c)
	if err != nil {
		return decodeError(path, raw, err)
	}
	c.md = md
	return c.undecoded("remind")
}

// undecoded reports the first key that no field took, with its line. Keys
// under the sections named in skip are checked later, by their decoder.
func (c *Config) undecoded(skip ...string) error {
	for _, k := range c.md.Undecoded() {
		if len(k) > 0 && slices.Contains(skip, k[0]) {
			continue
		}
		if len(k) > 2 && k[0] == "llm" && k[1] == "extra_body" {
			continue // free-form: whatever the provider takes
		}
		hint := "（请对照 config.example.toml 检查拼写和所在的节）"
		if k.String() == "server.metrics" {
			hint = "（指标已改为单独监听：请用 server.metrics_listen，留空则关闭）"
		}
		return fmt.Errorf("%s：没有配置项 %s%s", at(c.File, keyLine(c.raw, k)), k.String(), hint)
	}
	return nil
}

// Place names where key (dotted: "remind.send_at") is set: the file and
// its line, or the file alone when the key is not written in it.
func (c *Config) Place(key string) string { return at(c.File, keyLine(c.raw, strings.Split(key, "."))) }

// DecodeRemind decodes the [remind] section into v (the reminder policy,
// already holding its defaults) and refuses unknown keys in it.
func (c *Config) DecodeRemind(v any) error {
	if c.File == "" || !c.md.IsDefined("remind") {
		return nil
	}
	if err := c.md.PrimitiveDecode(c.Remind, v); err != nil {
		return decodeError(c.File, c.raw, err)
	}
	return c.undecoded()
}

func (c *Config) applyEnv(getenv func(string) string) {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.WeCom.Secret, "DUBAN_WECOM_SECRET")
	set(&c.WeCom.Token, "DUBAN_WECOM_TOKEN")
	set(&c.WeCom.EncodingAESKey, "DUBAN_WECOM_AES_KEY")
	set(&c.LLM.APIKey, "DUBAN_LLM_API_KEY")
}

func (c *Config) validate() error {
	var problems []string
	bad := func(key, format string, args ...any) {
		line := keyLine(c.raw, strings.Split(key, "."))
		problems = append(problems, fmt.Sprintf("%s，%s：%s", at(c.File, line), key, fmt.Sprintf(format, args...)))
	}
	if c.Server.MemoryLimitMB < 0 {
		bad("server.memory_limit_mb", "不能为负数（0 表示不设内存上限）")
	}
	if c.Store.Dir == "" {
		bad("store.dir", "不能为空")
	}
	if _, err := time.Parse("15:04", c.Store.BackupAt); err != nil {
		bad("store.backup_at", "须是一天中的时刻，如 \"03:00\"")
	}
	if c.Store.BackupKeep < 1 {
		bad("store.backup_keep", "至少为 1")
	}
	if c.Store.ReceiptsKeep < 0 {
		bad("store.receipts_keep", "不能为负数")
	}
	if k := c.Store.QuestionVectorsKeep; k != 0 && k < Duration(24*time.Hour) {
		bad("store.question_vectors_keep", "至少为 \"24h\"（问题的使用每天记录一次），或写 \"0s\" 表示一直保留")
	}
	if c.Store.GCInterval < 0 {
		bad("store.gc_interval", "不能为负（\"0s\" 表示关闭）")
	}
	if c.Store.MinFreeMB < 0 {
		bad("store.min_free_mb", "不能为负数（0 表示不检查剩余空间）")
	}
	if c.Store.AttachmentsPerTaskMB < 20 {
		bad("store.attachments_per_task_mb", "至少为 20（一个文件最大可达 20 MB）")
	}
	if k := c.WeCom.EncodingAESKey; k != "" && len(k) != 43 {
		bad("wecom.encoding_aes_key", "须是企业微信后台显示的 43 个字符，这里是 %d 个", len(k))
	}
	if !strings.HasPrefix(c.WeCom.CallbackPath, "/") {
		bad("wecom.callback_path", "须以 / 开头")
	}
	if c.WeCom.MaxRetryAge <= 0 {
		bad("wecom.max_retry_age", "须大于 0，如 \"24h\"")
	}
	if c.WeCom.TimestampWindow < 0 {
		bad("wecom.timestamp_window", "不能为负")
	}
	if c.Office.Numbering != "year" && c.Office.Numbering != "continuous" {
		bad("office.numbering", `须是 "year"（按年编号）或 "continuous"（连续编号），这里是 %q`, c.Office.Numbering)
	}
	if strings.TrimSpace(c.Office.Name) == "" {
		bad("office.name", "不能为空")
	}
	if c.Office.ReplyWorkdays < 1 {
		bad("office.reply_workdays", "至少为 1")
	}
	if c.Chat.FollowupWindow <= 0 {
		bad("chat.followup_window", "须大于 0，如 \"30m\"")
	}
	if c.Chat.MaxNoteChars < 1 {
		bad("chat.max_note_chars", "至少为 1")
	}
	if p := c.Web.Path; !strings.HasPrefix(p, "/") || strings.Trim(p, "/") == "" || p == c.WeCom.CallbackPath {
		bad("web.path", "须以 / 开头，且不能是 / 本身或回调路径")
	}
	if u := c.Web.PublicURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		bad("web.public_url", "须以 https:// 开头（应用的可信域名）")
	}
	if k := c.Web.SessionKey; k != "" && len(k) < 32 {
		bad("web.session_key", "至少 32 个字符（或留空，由 duban 生成并保存在存储中）")
	}
	if c.Web.SessionTTL <= 0 {
		bad("web.session_ttl", "须大于 0，如 \"8h\"")
	}
	if c.LLM.BaseURL != "" && c.LLM.ChatModel == "" {
		bad("llm.chat_model", "填写了 llm.base_url 时必须填写")
	}
	if c.LLM.Timeout <= 0 {
		bad("llm.timeout", "须大于 0，如 \"30s\"")
	}
	if c.LLM.EmbedBatch < 1 || c.LLM.EmbedBatch > 2048 {
		bad("llm.embed_batch", "须在 1 到 2048 之间，这里是 %d", c.LLM.EmbedBatch)
	}
	if c.LLM.MaxRetries < 0 || c.LLM.MaxRetries > 10 {
		bad("llm.max_retries", "须在 0 到 10 之间，这里是 %d", c.LLM.MaxRetries)
	}
	for _, k := range slices.Sorted(maps.Keys(c.LLM.ExtraBody)) {
		switch k {
		case "model", "messages", "tools", "tool_choice", "stream":
			bad("llm.extra_body."+k, "由 duban 设置，不能在此改写")
		}
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "须是 \"text\" 或 \"json\"，这里是 %q", c.Log.Format)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Log.Level)); err != nil {
		bad("log.level", "须是 debug、info、warn 或 error，这里是 %q", c.Log.Level)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// secretKeys are the keys whose values must never be shown.
var secretKeys = []string{"secret", "token", "encoding_aes_key", "api_key", "session_key"}

// secretOnLine returns the secret key that line n (1-based) of raw sets,
// or "".
func secretOnLine(raw []byte, n int) string {
	lines := strings.Split(string(raw), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	k, _, ok := strings.Cut(lines[n-1], "=")
	if !ok {
		return ""
	}
	k = strings.Trim(strings.TrimSpace(k), `"'`)
	if slices.Contains(secretKeys, k) {
		return k
	}
	return ""
}

// keyLine finds the line where the dotted key is set in raw, 0 if unknown.
func keyLine(raw []byte, key []string) int {
	if len(key) == 0 {
		return 0
	}
	section, name := strings.Join(key[:len(key)-1], "."), key[len(key)-1]
	current := ""
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			current = strings.Trim(line, "[] ")
			if i := strings.Index(current, "#"); i >= 0 {
				current = strings.TrimSpace(strings.Trim(current[:i], "[] "))
			}
			if current == strings.Join(key, ".") {
				return n
			}
			continue
		}
		if current != section {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok && strings.Trim(strings.TrimSpace(k), `"`) == name {
			return n
		}
	}
	return 0
}

// Duration is a time.Duration written as "5m", "30s", "2h".
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("时长 %q 写法有误，应写成 \"30s\"、\"5m\"、\"2h\" 这样（s 秒、m 分、h 小时）", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
