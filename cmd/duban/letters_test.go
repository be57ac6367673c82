package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duban-org/duban/docx/docxtest"
	"github.com/duban-org/duban/store"
)

// TestLettersDraftThenIssue: drafts change nothing; --issue numbers the
// letters of the year consecutively, archives them, tells each unit's 一把手,
// and issues none twice the same day.
func TestLettersDraftThenIssue(t *testing.T) {
	cfg, storeDir := tempConfig(t)
	if err := os.WriteFile(cfg, []byte("[store]\ndir = \""+storeDir+"\"\n[office]\nname = \"中共咸宁市委机构编制委员会办公室\"\nshort_name = \"市委编办\"\nletter_prefix = \"咸编办函\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "", "import", "--config", cfg, "../../examples/sample"); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	dir := t.TempDir()
	now := "2026-12-30 16:00"
	code, out, errs := cli(t, "", "letters", "--config", cfg, "--now", now, "--out", filepath.Join(dir, "drafts"))
	if code != 0 || !strings.Contains(out, "专函督办（草稿）：") {
		t.Fatalf("drafts: %d\n%s\n%s", code, out, errs)
	}
	drafts := strings.Count(out, "专函督办（草稿）：")
	code, out, _ = cli(t, "", "letters", "--config", cfg, "--list")
	if code != 0 || !strings.Contains(out, "尚未发出专函督办") {
		t.Fatalf("drafts issued something: %s", out)
	}

	// Two units by code, then all: the two are not issued again that day.
	st, err := store.Open(storeDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, name := range []string{"市交通运输局", "市不动产登记中心"} {
		for _, u := range snap.Units {
			if u.Name == name {
				codes = append(codes, u.Code)
			}
		}
	}
	if len(codes) != 2 {
		t.Fatalf("sample units %v", codes)
	}
	issued := filepath.Join(dir, "issued")
	code, out, errs = cli(t, "", "letters", "--config", cfg, "--now", now, "--out", issued, "--issue", strings.Join(codes, ","))
	if code != 0 || !strings.Contains(out, "已发专函：咸编办函〔2026〕1号 市交通运输局") || !strings.Contains(out, "已发专函：咸编办函〔2026〕2号 市不动产登记中心") {
		t.Fatalf("issue two: %d\n%s\n%s", code, out, errs)
	}
	data, err := os.ReadFile(filepath.Join(issued, "专函督办-市交通运输局-1.docx"))
	if err != nil {
		t.Fatal(err)
	}
	text := docxtest.Text(t, docxtest.Parts(t, data)["word/document.xml"])
	if !strings.Contains(text, "咸编办函〔2026〕1号") || !strings.Contains(text, "市交通运输局") || !strings.Contains(text, "同志：") {
		t.Errorf("issued letter:\n%s", text)
	}
	code, out, errs = cli(t, "", "letters", "--config", cfg, "--now", now, "--out", issued, "--issue", "all")
	if code != 0 || strings.Count(out, "已发专函：") != drafts-2 || strings.Count(errs, "今天已向该单位发出专函，未再发") != 2 || !strings.Contains(out, "咸编办函〔2026〕3号") ||
		!strings.Contains(errs, "的通知已放入发件箱，由 duban serve 发送") || latin.MatchString(strings.NewReplacer("duban serve", "").Replace(errs)) {
		t.Fatalf("issue all: %d drafts\n%s\n%s", drafts, out, errs)
	}
	code, out, _ = cli(t, "", "letters", "--config", cfg, "--list")
	if code != 0 || strings.Count(out, "咸编办函〔2026〕") != drafts {
		t.Fatalf("list: %s", out)
	}
	if code, _, errs := cli(t, "", "letters", "--config", cfg, "--now", now, "--out", issued, "--issue", "NOPE"); code == 0 || !strings.Contains(errs, "NOPE") {
		t.Errorf("unknown unit: %d %s", code, errs)
	}

	// Each addressee was told, in the outbox.
	st, err = store.Open(storeDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pending, err := st.PendingOutgoing(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	notices := 0
	for _, e := range pending {
		if strings.HasPrefix(e.Msg.Text, "【专函督办】市委编办向贵单位发出《关于督促") && strings.Contains(e.Msg.Text, "前将办理情况书面报送市委编办") {
			notices++
		}
	}
	if notices < drafts {
		t.Errorf("%d notices queued for %d letters", notices, drafts)
	}
}
