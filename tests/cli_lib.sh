# cli_lib.sh - helpers for the shell tests of the pardo tool (tests/t_cli*.sh).
#
# Sourced, not run.  tests/run.sh sets PARDO (the binary), BUILD and SHARED;
# run one script alone with e.g.
#   PARDO=build/dev/pardo SHARED=$PWD/../shared bash tests/t_cli_basic.sh
# Each check prints "ok - NAME" or "not ok - NAME" (plus "# " lines that
# say why); a skipped check prints "ok - NAME # SKIP reason".

set -u
: "${PARDO:?set PARDO to the pardo binary}"
case $PARDO in /*) ;; *) PARDO=$PWD/$PARDO ;; esac
SHARED=${SHARED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared}
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pardo-test.XXXXXX")     # the test's files
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pardo-run.XXXXXX")  # run's captures
chmod 755 "$TMP"

# Sanitizer builds (make asan, make tsan) write their reports into files,
# which the tests could not see otherwise (pardo's stderr is captured).
# Each check looks for new reports first: a report fails the check it came
# in ("not ok - sanitizer report, in: NAME", its first lines under it, and
# the whole report on stderr), and any report left at the end fails the
# script.
SAN_DIR=$RUN_DIR/san
mkdir -p "$SAN_DIR" "$RUN_DIR/san-seen"
export ASAN_OPTIONS="log_path=$SAN_DIR/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="log_path=$SAN_DIR/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export TSAN_OPTIONS="log_path=$SAN_DIR/tsan${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
san_reports() {     # san_reports WHERE: a "not ok" for new reports, if any
    [ -n "$(ls -A "$SAN_DIR" 2>/dev/null)" ] || return 0
    echo "not ok - sanitizer report, in: $1"
    local f
    for f in "$SAN_DIR"/*; do
        echo "#   $(basename "$f"):"
        head -n 40 "$f" | sed 's/^/#     /'
        { echo "--- sanitizer report $(basename "$f"), in: $1"; sed 's/^/#| /' "$f"; } >&2
        mv "$f" "$RUN_DIR/san-seen/"
    done
}
finish() {
    san_reports "$(basename "$0"), after its last check"
    rm -rf "$TMP" "$RUN_DIR"
}
trap finish EXIT

ok()   { san_reports "$1"; echo "ok - $1"; }
skip() { san_reports "$1"; echo "ok - $1 # SKIP $2"; }
notok() {
    san_reports "$1"
    echo "not ok - $1"; shift
    local line
    for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}

# run ARGS...: runs pardo; stdout in $OUT, stderr in $ERR, status in $RC;
# the bytes stay in $RUN_DIR/out and $RUN_DIR/err.
run() {
    "$PARDO" "$@" >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$?
    OUT=$(cat "$RUN_DIR/out")   # without the last newline, as $(...) gives
    ERR=$(cat "$RUN_DIR/err")
}

# check NAME COMMAND...: ok when the command succeeds.
check() {
    local name=$1; shift
    if "$@"; then ok "$name"; else notok "$name" "failed: $*" "stdout: ${OUT:-}" "stderr: ${ERR:-}"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
    if [ "$2" == "$3" ]; then ok "$1"
    else notok "$1" "expected: $2" "got:      $3" "stderr: ${ERR:-}"; fi
}

# check_num NAME A OP B: an integer comparison (OP as for test: -eq, -lt,
# -ge, ...), both values shown when it fails.
check_num() {
    if [ "$2" "$3" "$4" ]; then ok "$1"
    else notok "$1" "expected: $2 $3 $4 (got $2, and $4)" "stderr: ${ERR:-}"; fi
}

# check_rc NAME EXPECTED: compares with $RC of the last run.
check_rc() {
    if [ "$RC" -eq "$2" ]; then ok "$1"
    else notok "$1" "expected status $2, got $RC" "stderr: ${ERR:-}"; fi
}

# with_limit SECONDS COMMAND...: runs COMMAND (stdin, stdout and stderr as
# given); if it is still running after SECONDS (a hang: the limit is a
# safety net far above a normal run), writes what each of its processes
# was doing to $RUN_DIR/hang and to the script's stderr (ps, the kernel's
# wait channel of every thread, and each thread's backtrace when gdb is
# installed), kills them all and returns 124, as timeout(1) would.
with_limit() {
    local limit=$1 ticks=0; shift
    "$@" &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$ticks" -ge $((limit * 10)) ]; then
            local all p
            all="$pid $(descendants "$pid")"
            { echo "hung after $limit s: $*"
              ps -o pid,ppid,stat,etime,wchan:32,args -p "$(tr -s ' ' ',' <<<"${all% }")"
              for p in $all; do
                  echo "-- $p: $(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | cut -c1-100)"
                  echo "   threads' wait channels: $(cat /proc/"$p"/task/*/wchan 2>/dev/null | tr '\n' ' ')"
                  if command -v gdb > /dev/null; then
                      timeout 30 gdb -batch -p "$p" -ex "thread apply all bt 20" 2>/dev/null |
                          grep -E '^(Thread|#)' | head -n 80
                  fi
              done; } > "$RUN_DIR/hang" 2>&1
            cat "$RUN_DIR/hang" >&2
            for p in $all; do kill -KILL "$p" 2>/dev/null; done
            wait "$pid" 2>/dev/null
            return 124
        fi
        sleep 0.1
        ticks=$((ticks + 1))
    done
    wait "$pid"
}
descendants() {     # descendants PID: every process under PID, by pid
    local c
    for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done | tr '\n' ' '
}

# has TEXT PATTERN: grep -F in a string.
has() { grep -qaF -- "$2" <<<"$1"; }

# sanitizer: "none" unless the binary was built with a sanitizer.
sanitizer() {
    "$PARDO" stats --debug-rss -q /dev/null 2>&1 >/dev/null |
        sed -n 's/.*sanitizer=\([a-z]*\).*/\1/p'
}

# max_rss_kb ARGS...: runs pardo ARGS (stdout discarded) and prints its
# peak resident set size in KiB, as getrusage gives it.
max_rss_kb() {
    "$PARDO" "$@" --debug-rss 2>&1 >/dev/null | sed -n 's/.*max_rss_kb=\([0-9]*\).*/\1/p'
}
