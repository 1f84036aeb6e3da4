#!/bin/bash
# Every command and option `ocfkit --help` prints is described in ocfkit(8), and the page renders
# cleanly (tools/man/check-manpage.sh).
#   check-man-options.sh OCFKIT PAGE
set -u
ocfkit=$1 page=$2
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../tools/man/check-manpage.sh" --page "$page" ocfkit || exit 1
rendered=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l -Tutf8 "$page" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
help=$("$ocfkit" --help) || { echo "FAIL: ocfkit --help exited $?"; exit 1; }
words=$( (grep -oE -- '--[a-z-]+' <<<"$help"; grep -oE 'adopt [a-z]+' <<<"$help" | awk '{print $2}') | sort -u)
[[ $(wc -w <<<"$words") -ge 8 ]] || { echo "FAIL: read only '$words' from ocfkit --help"; exit 1; }
missing=""
for w in $words; do
    grep -qE -- "^ +$w( |\$)" <<<"$rendered" || missing="$missing $w"
done
[[ -z $missing ]] || { echo "FAIL: in ocfkit --help but not described in the page:$missing"; exit 1; }
echo "PASS: all $(wc -w <<<"$words") commands and options of 'ocfkit --help' described"
