#!/usr/bin/env bash
# Builds the binary to copy: a release `cinemesh` with the Swift runtime and Foundation linked in
# (--static-swift-stdlib), packed with the configuration, an example hosts file for `cinemesh
# cluster`, the systemd units and docs/DEPLOY.md as its README into
# dist/cinemesh-VERSION-linux-x86_64.tar.gz. A box then needs only Debian's
# libzmq5 and libsqlite3-0 (docs/DEPLOY.md); the script fails if the binary needs any other
# shared library, so that list cannot go stale.
#
# The binary names its commit (`cinemesh version`): `git rev-parse` here, "-dirty" when tracked
# files have changes, "unknown" outside a git checkout. Prints the tarball's path last.
# Usage: deploy/package.sh   (environment: SWIFT_BUILD_FLAGS, extra flags for swift build)
set -euo pipefail
cd "$(dirname "$0")/.."

commit=unknown
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  commit=$(git rev-parse --short=12 HEAD)
  if [ -n "$(git status --porcelain --untracked-files=no)" ]; then commit="$commit-dirty"; fi
fi

# shellcheck disable=SC2086 # SWIFT_BUILD_FLAGS is a list of flags
build=(swift build -c release --static-swift-stdlib --product cinemesh ${SWIFT_BUILD_FLAGS:-})
CINEMESH_COMMIT=$commit "${build[@]}" >&2
binary="$(CINEMESH_COMMIT=$commit "${build[@]}" --show-bin-path)/cinemesh"

# What the binary needs beyond the C and C++ runtimes: each must be in docs/DEPLOY.md's list.
allowed='^(libc|libm|libdl|libpthread|librt|libutil|libstdc\+\+|libgcc_s|ld-linux-x86-64|libzmq|libsqlite3)\.so'
needed=$(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
unexpected=$(grep -Ev "$allowed" <<<"$needed" || true)
if [ -n "$unexpected" ]; then
  echo "package: the binary needs shared libraries docs/DEPLOY.md does not list: $(echo $unexpected)" >&2
  exit 1
fi

version=$("$binary" --version)
name="cinemesh-$version-linux-$(uname -m)"
stage="dist/$name"
rm -rf "$stage"
install -D -m 755 "$binary" "$stage/bin/cinemesh"
strip "$stage/bin/cinemesh"
install -D -m 644 config/cluster.toml "$stage/config/cluster.toml"
install -D -m 644 config/hosts.toml "$stage/config/hosts.toml"
install -D -m 644 -t "$stage/systemd" deploy/systemd/*.service deploy/systemd/*.timer deploy/systemd/cinemesh.sysusers
install -D -m 644 docs/DEPLOY.md "$stage/README.md"
tarball="dist/$name.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner -czf "$tarball" -C dist "$name"
rm -rf "$stage"
echo "package: $(echo $needed) needed; $(du -h "$tarball" | cut -f1) $("$binary" version | head -n 1)" >&2
echo "$tarball"
