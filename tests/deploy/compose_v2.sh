#!/usr/bin/env bash
# tests/deploy/compose_v2.sh [FOLDER]: print the path of a compose v2
# program (the `docker compose` plugin, also run alone as docker-compose),
# fetching it into FOLDER (default /var/cache/baosong/compose-v2) when it is
# not there yet; kept for the next run.
#
# Debian 12 has no compose v2 (its docker-compose is 1.29). Debian 13's
# package docker-compose is compose v2, one Go program that needs only
# libc6 (>= 2.34), so it runs on Debian 12. Its .deb is fetched from the
# Debian mirror apt uses here (/etc/apt/sources.list.d/debian.sources, or
# BAOSONG_DEBIAN_MIRROR) by apt-get download with an apt state of its own
# (a trixie sources list, signatures checked against Debian's archive
# keyring) and unpacked into FOLDER: nothing is installed into the system
# and this machine's apt sources are left alone. Run as root, or with
# FOLDER writable.
set -euo pipefail
folder=${1:-/var/cache/baosong/compose-v2}
program=$folder/usr/libexec/docker/cli-plugins/docker-compose
version() { "$program" version --short 2>/dev/null; }
if [ -x "$program" ] && [[ "$(version)" == 2.* ]]; then
    echo "$program"
    exit 0
fi

sources=/etc/apt/sources.list.d/debian.sources
mirror=${BAOSONG_DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -r "$sources" ]; then
    mirror=$(sed -n 's/^URIs: *//p' "$sources" | grep -v -- '-security' | head -1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

state=$(mktemp -d "${TMPDIR:-/tmp}/baosong-compose-v2-XXXXXX")
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
echo "deb [signed-by=$keyring] $mirror trixie main" >"$state/sources.list"
apt=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache"
     -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
echo "compose_v2: fetching Debian 13's docker-compose from $mirror" >&2
apt-get "${apt[@]}" update -qq >"$state/log" 2>&1 \
    && (cd "$state" && apt-get "${apt[@]}" download docker-compose >>"$state/log" 2>&1) \
    || { tail -20 "$state/log" >&2; exit 1; }
mkdir -p "$folder"
dpkg-deb -x "$state"/docker-compose_*.deb "$folder"
[[ "$(version)" == 2.* ]] || { echo "compose_v2: $program is not compose v2: $(version)" >&2; exit 1; }
echo "compose_v2: compose $(version) in $folder" >&2
echo "$program"
