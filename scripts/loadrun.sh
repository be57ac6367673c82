#!/usr/bin/env bash
# Loopback load run of `duban serve`'s callback acknowledge path (issue 3):
# builds duban and duban-load, starts a fake WeCom API and serve on
# 127.0.0.1 with a temporary store, then runs
#   (a) closed loop: 50 concurrent senders for 10 s → acknowledged/s
#   (b) open loop: 500 callbacks/s offered for 10 s → p50/p90/p99/max latency
# each against a freshly started serve (so (b) does not inherit (a)'s inbox
# backlog), then
#   (c) the floor: bare synced Badger writes offered at the same rate for as
#       long, in a fresh store on the same disk (duban-load -mode floor),
# prints the figures, the acknowledgement's p99 against the floor's (target:
# within 1.5×) and stops everything. Nothing leaves the machine. Usage:
# scripts/loadrun.sh [duration] (default 10s); the open loop's rate in RATE
# (default 500); extra duban-load flags for (a) and (b) in LOAD_ARGS (e.g.
# LOAD_ARGS="-senders 1000").
set -euo pipefail

duration=${1:-10s}
rate=${RATE:-500}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building duban and duban-load…"
go build -o "$tmp/duban" ./cmd/duban
go build -o "$tmp/duban-load" ./cmd/duban-load

corp=ww00112233445566aa
token=load-run-token
aeskey=$(head -c 96 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')
aeskey=${aeskey:0:43}

# waitline FILE REGEX: wait up to 15 s for a line of FILE to match, print it.
waitline() {
	for _ in $(seq 150); do
		if line=$(grep -m1 -E "$2" "$1" 2>/dev/null); then
			echo "$line"
			return 0
		fi
		sleep 0.1
	done
	echo "timed out waiting for /$2/ in $1:" >&2
	cat "$1" >&2
	return 1
}

"$tmp/duban-load" -fake-wecom 127.0.0.1:0 -corp-id "$corp" >"$tmp/fake.out" 2>&1 &
pids+=($!)
fake=$(waitline "$tmp/fake.out" 'listening on' | sed 's/.*listening on //')

# startserve NAME: a fresh store and config, serve started; sets serve_pid and url.
startserve() {
	local dir="$tmp/$1"
	mkdir -p "$dir"
	cat >"$dir/duban.toml" <<EOF
[server]
listen = "127.0.0.1:0"
[store]
dir = "$dir/store"
[wecom]
corp_id = "$corp"
agent_id = 1000002
secret = "load-run-secret"
token = "$token"
encoding_aes_key = "$aeskey"
api_base = "$fake"
[policy]
default_corpus = false
[remind]
# reminders only in the minute 23:59 Shanghai time: nothing else competes
send_at = "23:59"
quiet_start = "00:00"
quiet_end = "23:59"
EOF
	"$tmp/duban" import --config "$dir/duban.toml" examples/sample >/dev/null
	DUBAN_PPROF=${DUBAN_PPROF:-} "$tmp/duban" serve --config "$dir/duban.toml" 2>"$dir/serve.log" &
	serve_pid=$!
	pids+=("$serve_pid")
	local addr
	addr=$(waitline "$dir/serve.log" 'msg=serving' | sed -E 's/.*addr=([^ ]+).*/\1/')
	for _ in $(seq 100); do
		curl -fs "http://$addr/healthz" >/dev/null && break
		sleep 0.1
	done
	url="http://$addr/wecom/callback"
}

# cputicks PID: user+system clock ticks the process has used.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

stopserve() {
	kill -TERM "$serve_pid"
	wait "$serve_pid" || echo "serve exited with $?" >&2
}

load() {
	local t0
	t0=$(cputicks "$serve_pid")
	"$tmp/duban-load" -url "$url" -token "$token" -aes-key "$aeskey" -corp-id "$corp" \
		-from load-test-nobody -duration "$duration" ${LOAD_ARGS:-} "$@" || status=$?
	echo "  duban serve CPU during the run: $(awk -v t="$(($(cputicks "$serve_pid") - t0))" -v hz="$hz" 'BEGIN{printf "%.2fs", t/hz}')"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
startserve closed
load -mode closed -concurrency 50
stopserve
echo
startserve open
load -mode open -rate "$rate" >"$tmp/open.out"
cat "$tmp/open.out"
stopserve
echo
"$tmp/duban-load" -mode floor -rate "$rate" -duration "$duration" -dir "$tmp" >"$tmp/floor.out" || status=$?
cat "$tmp/floor.out"

# p99 FILE: the p99 latency in ms that duban-load printed.
p99() { sed -nE 's/.* p99 ([0-9.]+)ms.*/\1/p' "$1"; }
ack=$(p99 "$tmp/open.out")
floor=$(p99 "$tmp/floor.out")
echo
awk -v a="$ack" -v f="$floor" 'BEGIN {
	r = a / f
	printf "acknowledgement p99 %.2f ms, floor (bare synced write) p99 %.2f ms: %.2f× the floor, target ≤ 1.5× — %s\n", a, f, r, (r <= 1.5 ? "met" : "not met")
}'
exit "${status:-0}"
