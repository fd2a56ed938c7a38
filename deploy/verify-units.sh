#!/usr/bin/env bash
# Checks deploy/systemd/*.service and *.timer with `systemd-analyze verify`. It exits 0 on an unknown key or a
# bad value (it only says so), so any line it prints fails here. It fails on a missing ExecStart
# binary, and the units name /usr/local/bin/cinemesh: it checks copies that name BINARY instead.
# Usage: deploy/verify-units.sh BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "$1")
copies=$(mktemp -d)
trap 'rm -rf "$copies"' EXIT
for unit in deploy/systemd/*.service deploy/systemd/*.timer; do
  sed "s|/usr/local/bin/cinemesh|$binary|g" "$unit" > "$copies/$(basename "$unit")"
done
status=0
said=$(systemd-analyze verify "$copies"/*.service "$copies"/*.timer 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$said" ]; then
  printf '%s\n' "$said" | sed "s|$copies|deploy/systemd|g" >&2
  echo "units: systemd-analyze verify refused them (exit $status)" >&2
  exit 1
fi
echo "units: $(ls deploy/systemd/*.service deploy/systemd/*.timer | wc -l) verified by systemd-analyze"
