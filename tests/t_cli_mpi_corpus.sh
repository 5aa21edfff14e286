#!/usr/bin/env bash
# Under mpirun: what a walk skips (hidden entries, binary files, globs),
# compressed files and --halt give the same records as a plain run.
. "$(dirname "$0")/cli_lib.sh"

if ! command -v mpirun > /dev/null || [ ! -x "$(dirname "$PARDO")/pardo-mpi" ]; then
    skip "corpora under mpirun" "mpirun or pardo-mpi not found"; exit 0
fi
# Open MPI's own leaks and threads: the suppressions of t_cli_mpi.sh.
export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0:symbolize=0"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:symbolize=0"
export LSAN_OPTIONS="suppressions=$TESTS_DIR/mpi/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TSAN_OPTIONS="${TSAN_OPTIONS}:suppressions=$TESTS_DIR/mpi/tsan.supp:symbolize=0"
MPIRUN=(timeout -k 5 300 mpirun --allow-run-as-root --oversubscribe)
cd "$TMP" || exit 1
mkdir -p c/.git c/build c/books
book=$(ls "$SHARED"/corpus/gutenberg/*.txt | head -n 1)
cp "$book" c/books/a.txt
gzip -c "$book" > c/books/b.txt.gz
xz -c "$TESTS_DIR"/golden/texts/sentences.txt > c/books/c.txt.xz
printf 'ref: x\n' > c/.git/HEAD
printf 'x\0y' > c/build/x.o
printf 'draft\n' > c/books/notes.md
head -c 5000 c/books/b.txt.gz > c/books/d.txt.gz
for how in "-j 1" "-j 2" "--isolate -j 2"; do
    run stats -q -j 1 -g '!*.md' c; want=$OUT
    "${MPIRUN[@]}" -n 3 "$PARDO" stats -q $how -g '!*.md' c > mpi.out 2> mpi.err
    check_eq "mpirun -n 3 pardo stats $how: the records of a plain run" "$want" "$(cat mpi.out)"
done
"${MPIRUN[@]}" -n 3 "$PARDO" stats -j 1 c > mpi.out 2> mpi.err
check "mpirun: the summary counts the skipped binary file" has "$(cat mpi.err)" "1 binary file skipped"
