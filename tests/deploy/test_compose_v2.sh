#!/usr/bin/env bash
# The containers with compose v2: the whole of test_compose.sh (the image
# scripts/test-deploy built, BAOSONG_IMAGE; kills under load, down/up,
# revocation, backup and restore, Prometheus, one container) run again with
# compose v2 in place of Debian 12's docker-compose 1.29, so that
# docker/compose.yaml, docker/backup and docker/restore are shown to work
# with both. Compose v2 is Debian 13's docker-compose package, fetched once
# into /var/cache/baosong/compose-v2 (tests/deploy/compose_v2.sh; nothing
# installed into the system).
#   tests/deploy/test_compose_v2.sh    (root or the docker group; ~5 min)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BAOSONG_COMPOSE=$("$top/tests/deploy/compose_v2.sh") \
    || { echo "FAIL: no compose v2 (tests/deploy/compose_v2.sh)" >&2; exit 1; }
export BAOSONG_COMPOSE
exec bash "$top/tests/deploy/test_compose.sh"
