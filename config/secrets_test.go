package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	key := filepath.Join(dir, "llm-key")
	os.WriteFile(secret, []byte("app-secret-from-file\n"), 0o640)
	os.WriteFile(key, []byte("  sk-from-file\r\n"), 0o600)
	p := write(t, "[wecom]\nsecret_file = \""+secret+"\"\n[llm]\nbase_url = \"http://127.0.0.1:1\"\nchat_model = \"m\"\napi_key_file = \""+key+"\"\n")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.WeCom.Secret != "app-secret-from-file" || c.LLM.APIKey != "sk-from-file" {
		t.Errorf("secrets from files = %q, %q", c.WeCom.Secret, c.LLM.APIKey)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings for private files: %v", c.Warnings)
	}

	// The environment still wins.
	t.Setenv("DUBAN_WECOM_SECRET", "from-env")
	if c, _ := Load(p); c.WeCom.Secret != "from-env" {
		t.Errorf("environment did not win over secret_file: %q", c.WeCom.Secret)
	}
}

func TestSecretFileErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	missing := filepath.Join(dir, "missing")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct{ text, want string }{
		{"[wecom]\ntoken_file = \"" + missing + "\"\n", "第 2 行，wecom.token_file：" + missing + "：文件不存在"},
		{"[wecom]\n\nencoding_aes_key_file = \"" + empty + "\"\n", "第 3 行，wecom.encoding_aes_key_file：文件 " + empty + " 是空的"},
		{"[wecom]\nsecret = \"s\"\nsecret_file = \"" + empty + "\"\n", "第 3 行，wecom.secret_file：wecom.secret 和 wecom.secret_file 只能写一个"},
	} {
		if _, err := Load(write(t, tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q) = %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestWarnsOfReadableSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("s3cr3t"), 0o644)
	os.Chmod(secret, 0o644) // whatever the umask
	for _, tc := range []struct {
		name, text string
		mode       os.FileMode
		want       string
	}{
		{"secret in a world-readable file", "[wecom]\nsecret = \"abc\"\n", 0o644, "holds secrets (wecom.secret)"},
		{"secret in a private file", "[wecom]\nsecret = \"abc\"\n", 0o640, ""},
		{"no secret in a world-readable file", "[wecom]\ncorp_id = \"ww1\"\n", 0o644, ""},
		{"session key in a world-readable file", "[web]\nsession_key = \"" + strings.Repeat("k", 32) + "\"\n", 0o644, "holds secrets (web.session_key)"},
		{"world-readable secret file", "[wecom]\nsecret_file = \"" + secret + "\"\n", 0o600, "secret file " + secret + " (wecom.secret_file)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.text)
			os.Chmod(p, tc.mode)
			c, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.Warnings, "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("warnings = %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "abc") || strings.Contains(got, "s3cr3t") {
				t.Errorf("the warning shows the secret: %q", got)
			}
		})
	}
}

func TestLogSettings(t *testing.T) {
	c, err := Load(write(t, "[log]\nformat = \"json\"\nlevel = \"DEBUG\"\ndebug_bodies = true\n"))
	if err != nil || c.Log != (Log{Format: "json", Level: "DEBUG", DebugBodies: true}) {
		t.Fatalf("Load = %+v, %v", c.Log, err)
	}
	for text, want := range map[string]string{
		"[log]\nformat = \"xml\"\n":   "第 2 行，log.format：须是",
		"[log]\n\nlevel = \"loud\"\n": "第 3 行，log.level：须是",
	} {
		if _, err := Load(write(t, text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%q) = %v, want %q", text, err, want)
		}
	}
}
