package metrics

import "github.com/prometheus/client_golang/prometheus"

// storeSpace is the store's size on disk, measured by serve's value-log
// collection (each [store] gc_interval), and what the collections rewrote.
type storeSpace struct {
	bytes    *prometheus.GaugeVec
	rewrites prometheus.Counter
}

func newStoreSpace() storeSpace {
	return storeSpace{
		bytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "duban_store_disk_bytes",
			Help: "Space the Badger store's files hold on disk, by part: tables (*.sst), value_log (*.vlog), other; measured at each value-log collection.",
		}, []string{"part"}),
		rewrites: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "duban_store_value_log_rewrites_total",
			Help: "Value-log files rewritten by garbage collection to give back the space of deleted and expired values.",
		}),
	}
}

// StoreCollected records a value-log collection: the files it rewrote and
// the store's size on disk after it, in bytes.
func (m *Metrics) StoreCollected(rewrites int, tables, valueLog, other int64) {
	m.store.rewrites.Add(float64(rewrites))
	m.store.bytes.WithLabelValues("tables").Set(float64(tables))
	m.store.bytes.WithLabelValues("value_log").Set(float64(valueLog))
	m.store.bytes.WithLabelValues("other").Set(float64(other))
}
