package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "duban.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExampleIsValidAndDefault(t *testing.T) {
	c, err := Load("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.Server != d.Server || c.Store != d.Store || c.WeCom != d.WeCom || !reflect.DeepEqual(c.LLM, d.LLM) || c.Chat != d.Chat || c.Policy != d.Policy || c.Log != d.Log {
		t.Errorf("config.example.toml differs from the defaults:\n%+v\n%+v", c, d)
	}
	co, do := c.Office, d.Office
	if !slices.Equal(co.CC, do.CC) {
		t.Errorf("office.cc: %q, default %q", co.CC, do.CC)
	}
	co.CC, do.CC = nil, nil
	if !reflect.DeepEqual(co, do) {
		t.Errorf("[office] differs from the defaults:\n%+v\n%+v", co, do)
	}
}

func TestOffice(t *testing.T) {
	c, err := Load(write(t, "[office]\nname = \"中共咸宁市委机构编制委员会办公室\"\nshort_name = \"市委编办\"\nletter_prefix = \"咸编办函\"\ncc = [\"市委办公室\", \"市政府办公室\"]\nnumbering = \"continuous\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := c.Office
	if o.Name != "中共咸宁市委机构编制委员会办公室" || o.ShortName != "市委编办" || o.LetterPrefix != "咸编办函" ||
		len(o.CC) != 2 || o.Numbering != "continuous" || o.BulletinTitle != "工作通报" || o.ReplyWorkdays != 5 {
		t.Errorf("got %+v", o)
	}
	_, err = Load(write(t, "[office]\nname = \"编办\"\n\nnumbering = \"monthly\"\nreply_workdays = 0\n"))
	if err == nil || !strings.Contains(err.Error(), "第 4 行，office.numbering") || !strings.Contains(err.Error(), "office.reply_workdays") {
		t.Errorf("bad numbering: %v", err)
	}
	if _, err := Load(write(t, "[office]\nsigner = \"x\"\nsigne = \"y\"\n")); err == nil || !strings.Contains(err.Error(), "office.signe") {
		t.Errorf("unknown office key: %v", err)
	}
}

func TestUnknownKeyNamesLine(t *testing.T) {
	p := write(t, "[server]\nlisten = \":80\"\n\n[wecom]\ncorp_id = \"x\"\nsecrt = \"y\"\n")
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "第 6 行") || !strings.Contains(err.Error(), "wecom.secrt") {
		t.Fatalf("got %v", err)
	}
}

func TestWrongTypeNamesLine(t *testing.T) {
	p := write(t, "[wecom]\n\nagent_id = \"1000002\"\n")
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "3") || !strings.Contains(err.Error(), "agent_id") {
		t.Fatalf("got %v", err)
	}
	p = write(t, "[wecom]\ntimestamp_window = \"five minutes\"\n")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "five minutes") {
		t.Fatalf("bad duration: %v", err)
	}
}

func TestEnvironmentSecretsWin(t *testing.T) {
	t.Setenv("DUBAN_WECOM_SECRET", "from-env")
	t.Setenv("DUBAN_LLM_API_KEY", "sk-env")
	p := write(t, "[wecom]\nsecret = \"from-file\"\ntimestamp_window = \"0s\"\n[llm]\nbase_url = \"http://127.0.0.1:1\"\nchat_model = \"m\"\n")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.WeCom.Secret != "from-env" || c.LLM.APIKey != "sk-env" || c.WeCom.TimestampWindow.D() != 0 {
		t.Errorf("got %+v", c)
	}
	if c.WeCom.CallbackPath != "/wecom/callback" || c.Chat.UndoWindow.D() != 30*time.Minute {
		t.Errorf("defaults lost: %+v", c)
	}
}

func TestValidation(t *testing.T) {
	p := write(t, "[wecom]\nencoding_aes_key = \"short\"\n[llm]\nbase_url = \"http://x\"\n")
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "encoding_aes_key") || !strings.Contains(err.Error(), "llm.chat_model") {
		t.Fatalf("got %v", err)
	}
}

func TestRemindSectionDecodedByCaller(t *testing.T) {
	p := write(t, "[remind]\nsend_at = \"08:30\"\n")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		SendAt string `toml:"send_at"`
	}
	if err := c.DecodeRemind(&v); err != nil || v.SendAt != "08:30" {
		t.Fatalf("%+v %v", v, err)
	}
	p = write(t, "[remind]\nsend_at = \"08:30\"\nsendat = 1\n")
	c, _ = Load(p)
	if err := c.DecodeRemind(&v); err == nil || !strings.Contains(err.Error(), "第 3 行") {
		t.Fatalf("unknown remind key: %v", err)
	}
}

func TestMetricsListenReplacesMetrics(t *testing.T) {
	if d := Default(); d.Server.MetricsListen != "127.0.0.1:9464" || d.Store.ReceiptsKeep.D() != 90*24*time.Hour {
		t.Errorf("defaults: %+v %+v", d.Server, d.Store)
	}
	_, err := Load(write(t, "[server]\nmetrics = true\n"))
	if err == nil || !strings.Contains(err.Error(), "第 2 行") || !strings.Contains(err.Error(), "metrics_listen") {
		t.Errorf("old metrics key: %v", err)
	}
	c, err := Load(write(t, "[server]\nmetrics_listen = \"\"\n[store]\nreceipts_keep = \"720h\"\n"))
	if err != nil || c.Server.MetricsListen != "" || c.Store.ReceiptsKeep.D() != 720*time.Hour {
		t.Errorf("metrics off, 30 days of receipts: %+v %+v %v", c.Server, c.Store, err)
	}
	if _, err := Load(write(t, "[store]\nreceipts_keep = \"-1h\"\n")); err == nil || !strings.Contains(err.Error(), "store.receipts_keep") {
		t.Errorf("negative receipts_keep: %v", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	if d := Default(); d.Server.MemoryLimitMB != 160 {
		t.Errorf("default memory_limit_mb = %d, want 160", d.Server.MemoryLimitMB)
	}
	c, err := Load(write(t, "[server]\nmemory_limit_mb = 0\n"))
	if err != nil || c.Server.MemoryLimitMB != 0 {
		t.Errorf("memory_limit_mb = 0 (off): %+v %v", c.Server, err)
	}
	_, err = Load(write(t, "[server]\nlisten = \"127.0.0.1:1\"\nmemory_limit_mb = -5\n"))
	if err == nil || !strings.Contains(err.Error(), "第 3 行") || !strings.Contains(err.Error(), "server.memory_limit_mb：不能为负数") {
		t.Errorf("negative memory_limit_mb: %v", err)
	}
}

func TestGCInterval(t *testing.T) {
	if d := Default(); d.Store.GCInterval.D() != time.Hour {
		t.Errorf("default gc_interval: %v", d.Store.GCInterval)
	}
	c, err := Load(write(t, "[store]\ngc_interval = \"0s\"\n"))
	if err != nil || c.Store.GCInterval != 0 {
		t.Errorf("gc_interval off: %v, %v", c.Store.GCInterval, err)
	}
	if _, err := Load(write(t, "[store]\ngc_interval = \"-1m\"\n")); err == nil || !strings.Contains(err.Error(), "store.gc_interval") {
		t.Errorf("negative gc_interval: %v", err)
	}
}

func TestLLMProviderKeys(t *testing.T) {
	p := write(t, `[llm]
base_url = "https://dashscope.aliyuncs.com/compatible-mode/v1"
chat_model = "qwen3-32b"
embedding_model = "text-embedding-v4"
embed_batch = 10
max_retries = 3
tools = false

[llm.extra_body]
enable_thinking = false
chat_template_kwargs = { enable_thinking = false }
`)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"enable_thinking": false, "chat_template_kwargs": map[string]any{"enable_thinking": false}}
	if c.LLM.Tools || c.LLM.EmbedBatch != 10 || c.LLM.MaxRetries != 3 || !reflect.DeepEqual(c.LLM.ExtraBody, want) {
		t.Errorf("got %+v", c.LLM)
	}
	for text, key := range map[string]string{
		"[llm]\nembed_batch = 0\n":                "llm.embed_batch",
		"[llm]\nmax_retries = -1\n":               "llm.max_retries",
		"[llm]\ntimeout = \"0s\"\n":               "llm.timeout",
		"[llm.extra_body]\nmodel = \"other\"\n":   "llm.extra_body.model",
		"[llm]\nextra_body = { messages = [] }\n": "llm.extra_body.messages",
	} {
		if _, err := Load(write(t, text)); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: err = %v, want one naming %s", text, err, key)
		}
	}
	if _, err := Load(write(t, "[llm]\nembed_batch = 0\n")); err == nil || !strings.Contains(err.Error(), "第 2 行") {
		t.Errorf("no line: %v", err)
	}
}

func TestQuestionVectorsKeep(t *testing.T) {
	if d := Default(); d.Store.QuestionVectorsKeep.D() != 90*24*time.Hour {
		t.Errorf("default question_vectors_keep: %v", d.Store.QuestionVectorsKeep)
	}
	for in, want := range map[string]time.Duration{`"720h"`: 720 * time.Hour, `"24h"`: 24 * time.Hour, `"0s"`: 0} {
		c, err := Load(write(t, "[store]\nquestion_vectors_keep = "+in+"\n"))
		if err != nil || c.Store.QuestionVectorsKeep.D() != want {
			t.Errorf("question_vectors_keep = %s: %v, %v", in, c.Store.QuestionVectorsKeep, err)
		}
	}
	for _, in := range []string{`"-1h"`, `"23h"`, `"1s"`} {
		_, err := Load(write(t, "[store]\nquestion_vectors_keep = "+in+"\n"))
		if err == nil || !strings.Contains(err.Error(), "store.question_vectors_keep") {
			t.Errorf("question_vectors_keep = %s: %v", in, err)
		}
	}
}

// A secret pasted without its quotes is a syntax error whose parser message
// quotes the value ("expected value but found …"): the message names the
// line and the key, says how to write it, and never repeats the value.
func TestSyntaxErrorNeverQuotesASecret(t *testing.T) {
	for _, c := range []struct{ section, key, value string }{
		{"wecom", "secret", "Xk3v_9Qp-SeKrEtVaLuE"},
		{"wecom", "token", "T0kEnVaLuE-77"},
		{"wecom", "encoding_aes_key", "AesKeyVaLuE_0123456789"},
		{"llm", "api_key", "sk-ApiKeyVaLuE"},
		{"web", "session_key", "SessionKeyVaLuE"},
		{"wecom", "secret", "'Xk3v_9Qp-SeKrEtVaLuE\""},
	} {
		p := write(t, "["+c.section+"]\n# pasted\n"+c.key+" = "+c.value+"\n")
		_, err := Load(p)
		if err == nil {
			t.Fatalf("%s = %s: loaded", c.key, c.value)
		}
		msg := err.Error()
		if !strings.Contains(msg, "第 3 行") || !strings.Contains(msg, c.key) || !strings.Contains(msg, "双引号") {
			t.Errorf("%s: %q does not name line 3, the key and how to write it", c.key, msg)
		}
		for _, part := range strings.FieldsFunc(c.value, func(r rune) bool { return r == '-' || r == '_' || r == '\'' || r == '"' }) {
			if len(part) >= 4 && strings.Contains(msg, part) {
				t.Errorf("%s: the message repeats the secret: %q", c.key, msg)
			}
		}
	}
}

// Every mistake a person makes in the file is told in plain Chinese with
// the file, the line (and column where the parser knows it) and the key,
// and how to write it instead; none of the parser's English comes through.
func TestErrorsNameThePlaceInChinese(t *testing.T) {
	gbk := string([]byte{'[', 'o', 'f', 'f', 'i', 'c', 'e', ']', '\n', 'n', 'a', 'm', 'e', ' ', '=', ' ', '"', 0xca, 0xd0, 0xb1, 0xe0, 0xb0, 0xec, '"', '\n'})
	for _, tc := range []struct{ text, want string }{
		{"[store]\ndir = \"./d\"\nfoo = 1\n", "第 3 行：没有配置项 store.foo（请对照 config.example.toml"},
		{"[store]\nbackup_keep = \"3\"\n", "第 2 行，store.backup_keep：应写整数，这里写的是字符串"},
		{"[wecom]\nagent_id = \"1000002\"\n", "第 2 行，wecom.agent_id：应写整数"},
		{"[llm]\ntools = \"false\"\n", "第 2 行，llm.tools：应写true 或 false"},
		{"[llm]\ntimeout = \"30秒\"\n", "列，llm.timeout：时长 \"30秒\" 写法有误，应写成 \"30s\""},
		{"[llm]\ntimeout = 30\n", "llm.timeout：时长 \"30\" 写法有误"},
		{"[store]\ndir = ./data\n", "第 2 行第 7 列：值的写法有误：文字须用英文双引号括起"},
		{"[store]\ndir = “./data”\n", "第 2 行第 7 列：引号须用英文双引号 \"，不能用中文引号“”"},
		{"[store]\ndir ＝ \"./data\"\n", "第 2 行第 5 列：等号须用英文 =，不能用全角＝"},
		{"[store]\ndir = \"./data\n", "第 2 行第 14 列：引号没有配对"},
		{"[store]\ndir = \"a\"\ndir = \"b\"\n", "第 3 行第 11 列：同一配置项或同一节重复写了两次"},
		{"[store\ndir = \"a\"\n", "节名写法有误，应写成 [store] 这样"},
		{"[store]\ndir\n", "第 2 行第 4 列：每行应写成「配置项 = 值」"},
		{gbk, "第 2 行第 8 列：配置文件须用 UTF-8 编码保存"},
		{"[store]\nbackup_keep = 0\n", "第 2 行，store.backup_keep：至少为 1"},
		{"[office]\nnumbering = \"monthly\"\n", "第 2 行，office.numbering：须是 \"year\"（按年编号）或 \"continuous\"（连续编号），这里是 \"monthly\""},
		{"[llm]\nbase_url = \"http://127.0.0.1:11434/v1\"\n", "llm.chat_model：填写了 llm.base_url 时必须填写"},
	} {
		_, err := Load(write(t, tc.text))
		if err == nil || !strings.Contains(err.Error(), "duban.toml") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.text, err, tc.want)
			continue
		}
		for _, english := range []string{"must", "invalid", "expected", "unknown", "toml:", "type", "line", "found", "cannot", "instead"} {
			if strings.Contains(err.Error(), english) {
				t.Errorf("%q: %q holds the English %q", tc.text, err, english)
			}
		}
	}
	_, err := Load(filepath.Join(t.TempDir(), "duban.toml"))
	if err == nil || !strings.HasSuffix(err.Error(), "duban.toml：文件不存在") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "这是一个目录，不是文件") {
		t.Errorf("a directory: %v", err)
	}
}
