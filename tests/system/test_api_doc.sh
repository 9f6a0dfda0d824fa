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

# The HTTP endpoints: each /api/ row of the gateway's table
# (services/gateway/routes.c: a row's method and path, or a macro's,
# S_*_READ a GET, S_*_ACT a POST) is in docs/API.md's Endpoints table, and
# each path that table documents is a row. A table row may name several
# paths: "`POST /api/v1/review/claim`, `release`" is claim and release; a
# path that goes on in braces ("/reports/{reg_no}") is a row that reads the
# rest itself (its path the part before the brace).
routes=$(perl -0777 -ne '
    while (/\{\s*"(GET|POST)",\s*"(\/api\/[^"]*)",\s*(true|false)/g) { print "$1 $2\n" }
    while (/\bS_\w+_(READ|ACT)\s*\(\s*"(\/api\/[^"]*)"/g) { print(($1 eq "READ" ? "GET" : "POST"), " $2\n") }
' "$source_dir/services/gateway/routes.c" | sort -u)
[ "$(wc -l <<< "$routes")" -ge 50 ] || { echo "found only $(wc -l <<< "$routes") routes in routes.c (the test no longer reads it)" >&2; exit 1; }
documented_routes=$(sed -n '/^### Endpoints/,/^$/p;/^| method and path | who | what |/,/^$/p' "$source_dir/docs/API.md" \
    | perl -ne '
    next unless /^\| `/;
    my ($cell) = /^\|((?:[^|\\]|\\.)*)\|/;
    my ($method, $dir);
    while ($cell =~ /`([^`]*)`/g) {
        my $span = $1;
        if ($span =~ m!^(GET|POST) (/api/[^?\[\s{]*)!) { ($method, my $path) = ($1, $2); ($dir) = $path =~ m!^(.*/)!; print "$method $path\n" }
        elsif (defined $method && $span =~ /^([a-z_]+)(?:\?.*)?$/) { print "$method $dir$1\n" }
    }' | sort -u)
missing=$(comm -23 <(echo "$routes") <(echo "$documented_routes"))
[ -z "$missing" ] || { echo "docs/API.md's Endpoints table lacks these routes of the gateway:" >&2; echo "$missing" >&2; exit 1; }
extra=$(comm -13 <(echo "$routes") <(echo "$documented_routes"))
[ -z "$extra" ] || { echo "docs/API.md documents endpoints the gateway has no row for:" >&2; echo "$extra" >&2; exit 1; }
echo "docs/API.md documents each of the gateway's $(wc -l <<< "$routes") API routes, and no other"
# Every path the web console calls (web/js) and reads for a page's first
# answer (the gateway's console_reads.c) is one of those routes: the console
# does nothing the documented API does not.
paths=$(cd "$source_dir" && grep -rhoE "/api/v1/[a-z_/]*" web/js services/gateway/console_reads.c | sort -u)
[ "$(wc -l <<< "$paths")" -ge 40 ] || { echo "found only $(wc -l <<< "$paths") paths in web/js (the test no longer reads it)" >&2; exit 1; }
for path in $paths; do
    known=no
    while read -r _ route; do
        if [ "$path" = "$route" ] || { [[ $route == */ ]] && [[ $path == "$route"* ]]; }; then known=yes; break; fi
    done <<< "$routes"
    [ $known = yes ] || { echo "the console calls $path, which is no route of the gateway" >&2; exit 1; }
done
echo "each of the $(wc -l <<< "$paths") API paths the console calls is a documented route"
