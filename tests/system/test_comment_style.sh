#!/usr/bin/env bash
# The C of the system writes its comments one way, /* ... */ (STYLE.md):
# no line of common/, schemas/, services/ or cli/ is a // comment.
#   tests/system/test_comment_style.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "${1:?usage: test_comment_style.sh SOURCE_DIR}" && pwd)
cd "$source_dir"
found=$(grep -rnE '^[[:space:]]*//' --include='*.c' --include='*.h' --include='*.def' \
    common schemas services cli || true)
if [ -n "$found" ]; then
    echo "FAIL: // comments (write /* ... */):" >&2
    echo "$found" >&2
    exit 1
fi
# The check itself: it finds a // comment line when there is one.
sample=$(mktemp)
trap 'rm -f "$sample"' EXIT
printf 'int x;\n    //  a comment\n' > "$sample"
grep -qE '^[[:space:]]*//' "$sample" || { echo "FAIL: the check finds nothing" >&2; exit 1; }
echo "comment style: no // comment lines in common, schemas, services, cli"
