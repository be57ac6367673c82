#!/bin/sh
# Create the duban system user before the files are unpacked.
set -e
if ! getent group duban >/dev/null 2>&1; then
	groupadd --system duban
fi
if ! getent passwd duban >/dev/null 2>&1; then
	useradd --system --gid duban --home-dir /var/lib/duban --no-create-home \
		--shell /usr/sbin/nologin --comment "duban 督办" duban
fi
