#!/bin/sh
# Reload systemd so the unit is known; the service is enabled and started by
# the operator once /etc/duban/duban.toml is filled in (see README).
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	# An upgrade restarts a running service on the new binary.
	if systemctl is-active --quiet duban.service; then
		systemctl restart duban.service || true
	fi
fi
