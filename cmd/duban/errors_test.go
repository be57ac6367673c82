package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What goes wrong at the command line is said in Chinese, naming the file,
// line, key or flag: a missing file or directory, a bad config line, a bad
// --now, a missing --as or --out, an unknown document.
func TestCLIErrorsInChinese(t *testing.T) {
	cfg, storeDir := tempConfig(t)
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	dir := filepath.Dir(storeDir)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badKey := write("key.toml", "[store]\ndir = \""+storeDir+"\"\nbackupkeep = 3\n")
	badLine := write("line.toml", "[store]\ndir = “"+storeDir+"”\n")
	badRemind := write("remind.toml", "[store]\ndir = \""+storeDir+"\"\n[remind]\nsend_at = \"9点\"\n")
	missing := filepath.Join(dir, "无此文件.xlsx")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tasks", "--config", filepath.Join(dir, "none.toml")}, "配置文件 " + filepath.Join(dir, "none.toml") + "：文件不存在"},
		{[]string{"tasks", "--config", badKey}, badKey + " 第 3 行：没有配置项 store.backupkeep"},
		{[]string{"tasks", "--config", badLine}, badLine + " 第 2 行第 7 列：引号须用英文双引号"},
		{[]string{"remind", "--config", badRemind}, badRemind + " 第 4 行，remind.send_at：\"9点\" 不是一天中的时刻"},
		{[]string{"import", "--config", cfg, missing}, "duban import: 找不到 " + missing + "（文件不存在）"},
		{[]string{"export", "--config", cfg, filepath.Join(dir, "无此目录", "台账.xlsx")}, "duban export: 目录 " + filepath.Join(dir, "无此目录") + " 不存在"},
		{[]string{"export", "--config", cfg, filepath.Join(dir, "台账.pdf")}, "duban export: 不能导出为PDF（" + filepath.Join(dir, "台账.pdf") + "）：请写 .xlsx 文件名"},
		{[]string{"backup", "--config", cfg, filepath.Join(dir, "无此目录", "a.bak")}, "目录 " + filepath.Join(dir, "无此目录") + " 不存在"},
		{[]string{"eval", "--config", cfg, filepath.Join(dir, "q.jsonl")}, "读取问题集：找不到 " + filepath.Join(dir, "q.jsonl")},
		{[]string{"remind", "--config", cfg, "--dry-run", "--now", "明天上午"}, "--now：时刻 \"明天上午\" 写法有误，应写成 \"2026-12-21 09:00\""},
		{[]string{"web", "--config", cfg}, "须用 --as 指定"},
		{[]string{"web", "--config", cfg, "--as", "nobody"}, "--as nobody：任务清单的人员中没有这个账号"},
		{[]string{"letters", "--config", cfg}, "duban letters：须用 --out 指定函件的输出目录"},
		{[]string{"ingest", "--config", cfg, "--remove", "无此文件.txt"}, "--remove 无此文件.txt：没有这个文件"},
		{[]string{"ingest", "--config", cfg, write("a.bak", "x")}, "不支持这种文件"},
		{[]string{"serve", "--config", cfg}, "运行 serve 须在配置的 [wecom] 中填写 corp_id"},
		{[]string{"tasks", "--config", cfg, "市司法局"}, "duban tasks：多余的参数「市司法局」"},
		{[]string{"report", "--config", cfg, "abc", "--publish"}, "duban report：多余的参数「abc --publish」"},
		{[]string{"web", "--config", cfg, "--as", "liujianhua", "--listen", "0.0.0.0:0"}, "预览不需登录，只能在本机地址上提供"},
	} {
		code, out, errs := cli(t, "", tc.args...)
		text := out + withoutLog(errs)
		if code != 2 || !strings.Contains(text, tc.want) {
			t.Errorf("duban %s: exit %d, want %q:\n%s", strings.Join(tc.args, " "), code, tc.want, text)
			continue
		}
		plain := commandWords.ReplaceAllString(strings.ReplaceAll(text, dir, ""), "")
		if m := englishWords.FindStringSubmatch(plain); m != nil {
			t.Errorf("duban %s holds English %q:\n%s", strings.Join(tc.args, " "), m[1], text)
		}
		for _, w := range []string{"no such file", "open ", "stat ", "not found", "must", "invalid", "required"} {
			if strings.Contains(text, w) {
				t.Errorf("duban %s holds %q:\n%s", strings.Join(tc.args, " "), w, text)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "台账.pdf")); !os.IsNotExist(err) {
		t.Errorf("a refused export left 台账.pdf behind (stat: %v)", err)
	}
}

// withoutLog drops the log's lines (which may stay English) from stderr.
func withoutLog(errs string) string {
	var keep []string
	for _, l := range strings.Split(errs, "\n") {
		if !strings.HasPrefix(l, "time=") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
