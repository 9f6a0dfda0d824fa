#!/usr/bin/env bash
# docs/API.md holds exactly what `baosong schemas` prints, so the documented
# messages are the ones the code uses; each error reason its table lists
# the web console says in both its scripts (web/js/i18n: reason.<word>,
# or reason.<word>.<field>), and each reason the services give in words
# (bs_request_refuse, bs_error_reason) is in that table.
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
reasons=$(sed -n '/^| `reason` | `code`, `field` |/,/^$/p' "$source_dir/docs/API.md" | sed 1d \
    | grep -o '^| `[a-z_]*`' | tr -d '|` ')
[ -n "$reasons" ] || { echo "docs/API.md lists no error reasons" >&2; exit 1; }
for reason in $reasons; do
    for script in zh-Hans zh-Hant; do
        grep -q "^  'reason\.$reason[.']" "$source_dir/web/js/i18n/$script.js" \
            || { echo "the console ($script) does not say the error reason '$reason' of docs/API.md" >&2; exit 1; }
    done
done
echo "the console says each error reason of docs/API.md"
# The reasons the code gives: the reason argument's words of each
# bs_request_refuse (the fourth) and bs_error_reason (the second).
given=$(cd "$source_dir" && find services common -name '*.c' -print0 | xargs -0 perl -0777 -ne '
    while (/\b(bs_request_refuse|bs_error_reason)\s*\(((?:[^;"]|"(?:[^"\\]|\\.)*")*)\)\s*;/g) {
        my ($call, $list) = ($1, $2);
        my @arguments = ($list =~ /((?:[^,"()]|"(?:[^"\\]|\\.)*"|\((?:[^()"]|"[^"]*")*\))+)/g);
        my $reason = $arguments[$call eq "bs_request_refuse" ? 3 : 1] // "";
        print "$1\n" while $reason =~ /"([a-z_]+)"/g;
    }' | sort -u)
[ -n "$given" ] || { echo "no reason found in the code (the test no longer reads it)" >&2; exit 1; }
for reason in $given; do
    grep -qx "$reason" <<< "$reasons" \
        || { echo "the code gives the error reason '$reason', which docs/API.md's Reasons table does not list" >&2; exit 1; }
done
echo "docs/API.md lists each error reason the code gives"
