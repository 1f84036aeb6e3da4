#!/bin/bash
# Checks a generated man page the way lintian and man-db read it.
#   check-manpage.sh PAGE PROVIDER AGENT            a page built from an agent
#   check-manpage.sh --golden MANGEN XML EXPECTED   the generator's output on a fixed input
#   check-manpage.sh --page PAGE NAME [PROGRAM]     any page (groff warnings, whatis entry); with
#                                                   PROGRAM, every command its `help` lists is in it
set -u
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# groff warnings as lintian's groff-message check sees them, plus the whatis line man-db indexes.
check_page() {  # page expected-name
    local page=$1 want=$2 warnings whatis
    warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] && echo "PASS: $page renders without groff warnings" || fail "groff warnings for $page: $warnings"
    whatis=$(lexgrog "$page" 2>&1)
    case "$whatis" in
        *": \"$want - "?*) echo "PASS: whatis entry: $whatis" ;;
        *) fail "whatis entry of $page: $whatis (want '$want - ...')" ;;
    esac
}

if [ "${1:-}" = --page ]; then
    check_page "$2" "$3"
    if [ -n "${4:-}" ]; then
        # The usage lines: "  cmd | cmd [ARGS]   text"; each command must be described in the page.
        commands=$("$4" help | sed -n 's/^  \([a-z][a-z |-]*[a-z]\).*/\1/p' | tr '|' '\n' | awk '{ print $1 }' | sort -u)
        rendered=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l -Tutf8 "$2" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
        [ -n "$commands" ] || fail "no commands read from '$4 help'"
        missing=""
        for c in $commands; do
            grep -qE "^ +([a-z-]+ \| )*$c( |\$)" <<< "$rendered" || missing="$missing $c"
        done
        [ -z "$missing" ] && echo "PASS: all $(wc -w <<< "$commands") commands of '$(basename "$4") help' described" ||
            fail "commands of '$4 help' not described in the page:$missing"
    fi
elif [ "${1:-}" = --golden ]; then
    mangen=$2 xml=$3 expected=$4
    out=$(mktemp /tmp/ocfkit-mangen-XXXXXX.7)
    trap 'rm -f "$out"' EXIT
    "$mangen" --provider acme --version 9.9 --date 2000-01-01 "$xml" "$out" || fail "ocfkit-mangen exited $?"
    if diff -u "$expected" "$out"; then echo "PASS: output matches $(basename "$expected")"; else fail "output differs from $expected"; fi
    check_page "$out" ocf_acme_tricky-agent
else
    page=$1 provider=$2 agent=$3
    check_page "$page" "ocf_${provider}_${agent}"
    # Every parameter and action of the agent's meta-data appears in the rendered page.
    rendered=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l -Tutf8 "$page" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
    metadata=${page%/*}/$agent.metadata-1.1.xml
    for section in NAME SYNOPSIS DESCRIPTION "SUPPORTED PARAMETERS" "SUPPORTED ACTIONS" EXAMPLE; do
        grep -qx "$section" <<< "$rendered" || fail "section $section missing"
    done
    names=$(xmllint --xpath '//parameter/@name | //action/@name' "$metadata" | sed 's/.*="\(.*\)"/\1/' | sort -u)
    [ -n "$names" ] || fail "no parameters or actions read from $metadata"
    missing=""
    for n in $names; do
        grep -qE "^ +$n( |\$)" <<< "$rendered" || missing="$missing $n"
    done
    [ -z "$missing" ] && echo "PASS: all $(wc -w <<< "$names") parameters and actions listed" || fail "not in the page:$missing"
fi
echo "$failures failed"
[ "$failures" = 0 ]
