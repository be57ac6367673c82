#!/usr/bin/env bash
# Soak run of `duban serve` (issue 18): builds duban and duban-load, then
# `duban-load -mode soak` imports the sample ledger into a temporary store,
# starts serve against a fake WeCom on 127.0.0.1 and, for DURATION, plays
# the ledger's people: progress reports and 完成 (whose 销号 cards the group
# leaders click), task lists, 帮助, policy questions — with a reminder pass
# every minute and a backup two minutes in. It prints RSS, goroutines, open
# files, store size and queue depths over time, and at the end whether every
# acknowledged message was answered once (nothing lost, nothing doubled)
# and the queues drained; it exits 1 otherwise. Nothing leaves the machine.
# Usage: scripts/soak.sh [DURATION] (default 10m); extra duban-load flags in
# SOAK_ARGS (e.g. SOAK_ARGS="-soak-rate 5 -sample 10s").
set -euo pipefail

duration=${1:-10m}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building duban and duban-load…"
go build -o "$tmp/duban" ./cmd/duban
go build -o "$tmp/duban-load" ./cmd/duban-load
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir "$tmp/run"
"$tmp/duban-load" -mode soak -duban "$tmp/duban" -dir "$tmp/run" -ledger examples/sample \
	-duration "$duration" ${SOAK_ARGS:-} || status=$?
if [ "${status:-0}" != 0 ]; then
	echo "serve's log: last lines" >&2
	tail -n 20 "$tmp/run/serve.log" >&2
fi
exit "${status:-0}"
