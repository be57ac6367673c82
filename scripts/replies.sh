#!/usr/bin/env bash
# Chat replies through `duban serve` at province scale (issue 17): builds
# duban and duban-load, then `duban-load -mode replies` imports the
# synthetic province (examples/province; TASKS tasks, default 100000, in a
# tenth as many units) into a temporary store, starts serve on it against a
# fake WeCom on 127.0.0.1 and plays its people — 联络员 (进展, 任务, 记录),
# 督办组长 (任务, 任务 红, 下一页), 编办 (任务, 任务 逾期 第2页, 任务 待销号),
# 一把手 (帮助, a policy question) — each pausing between messages and
# staying under WeCom's 30 messages a minute. It prints, per kind of
# message, the time from the callback's POST to the reply at message/send
# (p50/p90/p99/max), the callback's acknowledgement, the handler's own time
# from serve's log and the rest, and serve's RSS and CPU. It exits 1 when a
# message got no reply. Nothing leaves the machine. Usage:
# scripts/replies.sh [TASKS]; extra duban-load flags in REPLIES_ARGS (e.g.
# REPLIES_ARGS="-players 8 -rounds 10").
set -euo pipefail

tasks=${1:-100000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building duban and duban-load…"
go build -o "$tmp/duban" ./cmd/duban
go build -o "$tmp/duban-load" ./cmd/duban-load
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir "$tmp/run"
"$tmp/duban-load" -mode replies -duban "$tmp/duban" -dir "$tmp/run" -tasks "$tasks" ${REPLIES_ARGS:-} || status=$?
if [ "${status:-0}" != 0 ]; then
	echo "serve's log: last lines" >&2
	tail -n 20 "$tmp/run/serve.log" >&2
fi
exit "${status:-0}"
