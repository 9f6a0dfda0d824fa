#!/usr/bin/env bash
# docs/API.md holds exactly what `baosong schemas` prints, so the documented
# messages are the ones the code uses.
#   tests/system/test_api_doc.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
documented=$(sed -n '/<!-- schemas:/,/<!-- end schemas -->/p' "$source_dir/docs/API.md" | sed '1d;$d')
generated=$("$build_dir/baosong" schemas)
if [ "$documented" != "$generated" ]; then
    echo "docs/API.md is out of date with schemas/bs_schemas.def; regenerate its tables:" >&2
    diff <(echo "$documented") <(echo "$generated") >&2 || true
    exit 1
fi
echo "docs/API.md matches the schemas"
