package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Units A and A/B, tasks T1 and T1/2: 完成 T1/2 reports T1/2, and each
// unit's list and each task's 记录 show their own.
func TestChatSlashInIds(t *testing.T) {
	cfg, _ := tempConfig(t)
	dir := t.TempDir()
	files := map[string]string{
		"units.csv":  "单位编码,单位名称,督办组\nA,甲局,党群组\nA/B,甲局乙处,党群组/二\n",
		"people.csv": "账号,姓名,角色,所属\nboss,编办甲,编办,\nca,联络甲,联络员,A\ncab,联络乙,联络员,A/B\n",
		"tasks.csv":  "任务编号,单位编码,单位名称,任务事项,完成时限,备注\nT1,A,甲局,甲任务,2026-12-30,\nT1/2,A/B,甲局乙处,乙任务,2026-12-30,\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := cli(t, "", "import", "--config", cfg, dir); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	// A second import moves T1/2's deadline: a history entry of T1/2 only.
	files["tasks.csv"] = strings.Replace(files["tasks.csv"], "T1/2,A/B,甲局乙处,乙任务,2026-12-30", "T1/2,A/B,甲局乙处,乙任务,2027-01-15", 1)
	if err := os.WriteFile(filepath.Join(dir, "tasks.csv"), []byte(files["tasks.csv"]), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "", "import", "--config", cfg, dir); code != 0 {
		t.Fatalf("second import: %d\n%s\n%s", code, out, errs)
	}
	code, all, errs := cli(t, "完成 T1/2 乙已办好\n/as ca\n任务\n记录 T1\n", "chat", "--config", cfg, "--as", "cab")
	if code != 0 {
		t.Fatalf("chat: %d\n%s\n%s", code, all, errs)
	}
	mine, out, _ := strings.Cut(all, "（现在以 ca 的身份说话）")
	if !strings.Contains(mine, "完成：未启动 → 已报完成（乙已办好）") {
		t.Errorf("完成 T1/2 was not T1/2's report:\n%s", all)
	}
	for _, want := range []string{"甲局（党群组）任务清单：共 1 项", "【绿】T1 甲任务", "任务 T1「甲任务」（甲局）"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "2027-01-15") || strings.Contains(out, "乙任务") || strings.Contains(out, "乙已办好") {
		t.Errorf("unit A's contact is shown T1/2 (unit A/B):\n%s", out)
	}
}
