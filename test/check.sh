# check.sh: what the CLI test scripts share (sourced: `. "$(dirname "$0")/check.sh"`).
# A temporary folder $dir removed at exit; check DESCRIPTION EXPECTED-EXIT COMMAND... runs
# COMMAND with its output in $dir/out and $dir/err (shown on failure) and counts failures;
# keep saves them as $dir/o and $dir/e, since the next check overwrites them; finish ends the
# script, failing if any check did.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # check DESCRIPTION EXPECTED-EXIT COMMAND...
    what=$1 want=$2
    shift 2
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"
        sed 's/^/  | /' "$dir/out" "$dir/err"
        fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
}
keep() { cp "$dir/out" "$dir/o"; cp "$dir/err" "$dir/e"; }
finish() {
    echo "$fails check(s) failed"
    [ "$fails" -eq 0 ]
    exit
}
