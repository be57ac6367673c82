package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/duban-org/duban"
)

// BenchmarkRecordNotices records one reminder pass of 2,000 messages (three
// notices each, a digest's text of about 600 bytes) in an on-disk store
// with writes synced, as serve's is: the cost of putting a pass on record
// before its messages go out.
func BenchmarkRecordNotices(b *testing.B) {
	ctx := context.Background()
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const perPass = 2_000
	text := strings.Repeat("【督办提醒】市司法局：T000123 机构职能调整方案 已逾期 3 天。\n", 8)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		msgs := make([]duban.Outgoing, perPass)
		recs := map[string]NoticeRecord{}
		for j := range msgs {
			to := fmt.Sprintf("c%d", j)
			keys := make([]string, 3)
			for k := range keys {
				task := fmt.Sprintf("T%d-%d-%d", i, j, k)
				keys[k] = task + "|overdue-1|" + to + "|2027-01-04"
				recs[keys[k]] = NoticeRecord{TaskID: task, Stage: "overdue-1", To: to, Role: duban.RoleContact, Unit: "U1"}
			}
			msgs[j] = duban.Outgoing{To: to, Text: text, NoticeKeys: keys}
		}
		b.StartTimer()
		if n, err := s.RecordNotices(ctx, msgs, recs, at); err != nil || n != perPass {
			b.Fatalf("RecordNotices = %d, %v", n, err)
		}
	}
}
