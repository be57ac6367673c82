package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/duban-org/duban/store"
)

// A value-log collection shows as the store's size by part and a count of
// rewritten files, added up over collections.
func TestStoreCollected(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := New(st, time.UTC, 3)
	m.StoreCollected(2, 1000, 2000, 30)
	m.StoreCollected(1, 900, 1500, 30)
	out := scrape(t, m)
	for _, want := range []string{
		`duban_store_disk_bytes{part="tables"} 900`,
		`duban_store_disk_bytes{part="value_log"} 1500`,
		`duban_store_disk_bytes{part="other"} 30`,
		`duban_store_value_log_rewrites_total 3`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}
