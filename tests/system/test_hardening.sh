#!/usr/bin/env bash
# Every program is built hardened (CMakeLists.txt): a position-independent
# executable, full RELRO (relro + bind now), stack canaries, and, outside
# the sanitizer builds, glibc's fortified functions (__*_chk).
#   tests/system/test_hardening.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
build_dir=$(cd "$2" && pwd)
command -v readelf > /dev/null || { echo "SKIP: readelf (binutils) is missing"; exit 0; }
sanitized=$(grep -qE '^BAOSONG_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt" && echo 1 || echo 0)
fail() { echo "FAIL: $*" >&2; exit 1; }
count=0
for program in "$build_dir"/baosong "$build_dir"/baosong-*; do
    [ -x "$program" ] || continue
    name=$(basename "$program")
    grep -qE 'Type:[[:space:]]+DYN' <<< "$(readelf -h "$program")" || fail "$name is not a PIE"
    grep -q GNU_RELRO <<< "$(readelf -lW "$program")" || fail "$name has no RELRO segment"
    grep -qE 'BIND_NOW|FLAGS.*NOW' <<< "$(readelf -dW "$program")" \
        || fail "$name is not bound now (partial RELRO)"
    symbols=$(readelf --dyn-syms -W "$program")
    grep -q __stack_chk_fail <<< "$symbols" || fail "$name has no stack protector"
    if [ "$sanitized" = 0 ]; then
        grep -qE '__(snprintf|memcpy|strcpy|vsnprintf|fprintf|printf|read)_chk' <<< "$symbols" \
            || fail "$name has no fortified function (_FORTIFY_SOURCE)"
    fi
    count=$((count + 1))
done
[ $count -ge 7 ] || fail "only $count programs found in $build_dir"
echo "hardening: $count programs are PIE, full RELRO, stack-protected$([ "$sanitized" = 0 ] && echo ", fortified")"
