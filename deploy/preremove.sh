#!/bin/sh
# Stop the service before its binary is removed. An upgrade (deb: "upgrade",
# rpm: $1 = 1) keeps it running; postinstall restarts it on the new binary.
set -e
case "$1" in
	remove|purge|0)
		if [ -d /run/systemd/system ]; then
			systemctl stop duban.service >/dev/null 2>&1 || true
			systemctl disable duban.service >/dev/null 2>&1 || true
		fi
		;;
esac
