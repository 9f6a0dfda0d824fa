#!/usr/bin/env bash
# Every change of a store goes through bs_store_change.c (bs_store_put,
# bs_store_del, bs_store_cursor_put, bs_store_cursor_del, bs_store_clear,
# bs_store_drop, bs_store_child_*): it is the one place that sees each
# change a write transaction makes. A direct LMDB write call, or a nested
# transaction begun by hand, in the product's C outside the store's own
# files fails this test. The journal's replay (bs_store_replay.c) applies
# recorded changes with LMDB's calls, and the journal (bs_store_journal_io.c)
# stores its turn's number: they are the journal's, and must not be
# recorded again.
#   tests/system/test_store_changes.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
cd "$1"
calls='\b(mdb_put|mdb_del|mdb_cursor_put|mdb_cursor_del|mdb_drop)[[:space:]]*\('
child='\bmdb_txn_begin[[:space:]]*\([^;]*,[[:space:]]*[a-z_>.-]+[[:space:]]*,[[:space:]]*0[[:space:]]*,'
found=$(grep -rnE --include='*.c' --include='*.h' "$calls|$child" services common cli \
        | grep -vE '^common/bs_store(_change|_journal_io|_replay)?\.c:' || true)
# Comments may name LMDB's calls: only code lines count.
found=$(printf '%s\n' "$found" | grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)' | grep -v '^$' || true)
if [ -n "$found" ]; then
    echo "store changes not made through bs_store_change.c:" >&2
    printf '%s\n' "$found" >&2
    exit 1
fi
echo "every store change goes through bs_store_change.c"
