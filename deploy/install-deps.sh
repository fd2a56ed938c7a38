#!/usr/bin/env bash
# Installs what CineMesh needs on a Debian/Ubuntu box: libzmq (libzmq3-dev), SQLite (libsqlite3-dev,
# for the model store's registry) and pkg-config; for deploy/package.sh and the unit checks,
# binutils (objdump, strip) and systemd (systemd-analyze).
# Idempotent: does nothing when they are present. Needs root or sudo only when installing.
set -euo pipefail
need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists libzmq 2>/dev/null || need+=(libzmq3-dev)
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
command -v objdump >/dev/null 2>&1 || need+=(binutils)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "cinemesh: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "cinemesh: a Swift 6 toolchain is required (https://www.swift.org/install/linux/)" >&2
  exit 1
fi
