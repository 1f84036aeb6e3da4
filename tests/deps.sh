#!/bin/sh
# Prints the Debian packages of tests/deps.txt for Debian release N (default: this host's). A line
# "package [N]" is for Debian N and later only; every other line is for all releases.
set -eu
rel=${1:-$(. /etc/os-release && echo "${VERSION_ID:-99}")}
sed -e 's/#.*//' "$(dirname "$0")/deps.txt" | awk -v rel="${rel%%.*}" '
    NF == 0 { next }
    NF == 1 { print $1; next }
    NF == 2 && $2 ~ /^\[[0-9]+\]$/ { if (rel + 0 >= substr($2, 2, length($2) - 2) + 0) print $1; next }
    { print "tests/deps.txt: cannot read the line: " $0 > "/dev/stderr"; bad = 1 }
    END { exit bad }'
