#!/bin/sh
# packaging/man.sh BAOSONG VERSION OUTPUT: write baosong(1) from the
# program's own `baosong help` and every command's usage (`--help`).
set -e
program=$1 version=$2 output=$3
escape() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"; }
{
    echo ".TH BAOSONG 1 \"\" \"baosong $version\" \"User Commands\""
    echo ".SH NAME"
    echo "baosong \\- report, review, publish and count organization-work information"
    echo ".SH SYNOPSIS"
    echo ".B baosong"
    echo "[\\-\\-json] [\\-\\-data DIR] [\\-\\-config FILE] COMMAND [ARGS...]"
    echo ".SH DESCRIPTION"
    echo ".nf"
    "$program" help | escape
    echo ".fi"
    echo ".SH COMMANDS"
    for command in $("$program" help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
        echo ".SS $command"
        echo ".nf"
        "$program" "$command" --help 2>&1 | escape || true
        echo ".fi"
    done
    echo ".SH FILES"
    echo ".TP"
    echo "/etc/baosong/baosong.conf"
    echo "the configuration (\\fBbaosong config\\fR prints every key)"
    echo ".TP"
    echo "/var/lib/baosong"
    echo "every service's store and the run/ folder of sockets"
    echo ".SH SEE ALSO"
    echo "systemctl(1): \\fBsystemctl status baosong.target\\fR"
} >"$output"
