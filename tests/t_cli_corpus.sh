#!/usr/bin/env bash
# Corpora as they come: hidden entries, -g/--glob (compared with ripgrep's
# rg --files), --max-depth, binary files met in a walk, a corpus kept in a
# git checkout, directories that cannot be entered, trees deeper than
# PATH_MAX, and what -L says of broken links and loops.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
# The paths of the records, sorted, one line; "./" dropped.
paths() { sed 's/^{"path":"\([^"]*\)".*/\1/; s|^\./||' <<<"$OUT" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
set -f                          # globs below are pardo's and rg's, not the shell's

# ---- a corpus in a git checkout, with a build folder -------------------------
mkdir -p repo/books/austen repo/build
printf 'It is a truth universally acknowledged.\n' > repo/books/austen/pride.txt
printf 'Call me Ishmael.\n' > repo/books/moby.txt
printf '# corpus\n' > repo/README.md
printf '.DS_Store\nbuild/\n' > repo/.gitignore
printf 'x\0\0\0' > repo/.DS_Store
printf 'int f(void) { return 1; }\n' > repo/build/f.c
cc -c -o repo/build/f.o repo/build/f.c
printf 'ELF\0\0\1\2\3' > repo/build/pardo
(cd repo && git init -q && git add books README.md .gitignore &&
 git -c user.name=t -c user.email=t@t commit -qm corpus) || echo "# git failed"
run stats repo
check_eq "a git checkout: the texts only (no .git/, no binary build output)" \
    "repo/README.md repo/books/austen/pride.txt repo/books/moby.txt repo/build/f.c" "$(paths)"
check_rc "a git checkout: status 0" 0
check "the summary counts the skipped binary files" has "$ERR" "2 binary files skipped"
if has "$ERR" "repo/build/f.o"; then
    notok "binary files are not named without --verbose" "stderr: $ERR"
else ok "binary files are not named without --verbose"; fi
run stats --verbose repo
check "--verbose names each skipped binary file" has "$ERR" "repo/build/f.o: binary file, skipped"
check "--verbose names the other one too" has "$ERR" "repo/build/pardo: binary file, skipped"
for how in "-j 1" "-j 2" "--isolate -j 2"; do
    run stats -q $how repo
    check_eq "a git checkout, $how: the same records" \
        "repo/README.md repo/books/austen/pride.txt repo/books/moby.txt repo/build/f.c" "$(paths)"
done
run stats -q repo/build/f.o repo/books/moby.txt
check "a binary file named on the command line is an error record" \
    has "$OUT" '{"path":"repo/build/f.o","error":"binary file"}'
check_rc "a binary file named on the command line: status 1" 1
printf 'repo/build/pardo\n' > list
run stats -q --files-from list
check "a binary file in a path list is an error record" has "$OUT" '"error":"binary file"'

# ---- hidden entries ------------------------------------------------------------
mkdir -p h/.cache h/d
printf 'a\n' > h/.cache/c.txt; printf 'a\n' > h/.marker; printf 'a\n' > h/d/t.txt
printf 'a\n' > h/d/.swp
run count -t a -q h
check_eq "hidden files and directories are skipped" "h/d/t.txt" "$(paths)"
run count -t a -q --hidden h
check_eq "--hidden walks them" "h/.cache/c.txt h/.marker h/d/.swp h/d/t.txt" "$(paths)"
run count -t a -q h/.cache h/.marker
check_eq "hidden paths named on the command line are read" "h/.cache/c.txt h/.marker" "$(paths)"

# ---- globs, as ripgrep selects -------------------------------------------------
mkdir -p g/drafts/sub g/a/drafts g/a/b g/.hid g/b
for f in x.txt y.md drafts/d.txt drafts/sub/e.txt a/drafts/f.txt a/g.txt .hid/h.txt \
         .h.txt b/c.TXT a/b/z.txt 'b/[x].txt'; do
    printf 'a\n' > "g/$f"
done
cd g
run count -t a -q -g '*.txt' -g '!drafts/**' .
check_eq "-g '*.txt' -g '!drafts/**'" \
    ".h.txt a/b/z.txt a/drafts/f.txt a/g.txt b/[x].txt x.txt" "$(paths)"
run count -t a -q -g '!drafts' .
check_eq "-g '!drafts': a directory left out at any depth" \
    "a/b/z.txt a/g.txt b/[x].txt b/c.TXT x.txt y.md" "$(paths)"
run count -t a -q --max-depth 1 .
check_eq "--max-depth 1: the files directly inside" "x.txt y.md" "$(paths)"
run count -t a -q --max-depth 0 .
check_eq "--max-depth 0: nothing of a directory" "" "$(paths)"
globsets=("-g *.txt -g !drafts/**" "-g !drafts" "-g drafts" "-g a/**" "-g **/drafts/**"
          "-g !a/**" "-g *.txt -g !a" "-g !*.txt -g a/*" "-g /x.txt" "-g drafts/"
          "-g !drafts/" "-g [xy].*" "-g ?.txt" "-g a/**/z.txt" "-g **"
          "-g !drafts/** -g drafts/sub/*" "-g [!x].*" "-g *.{txt,md}" "-g a/*/*.txt"
          "-g **/*.txt" "-g *.TXT" "-g !**/drafts" "-g !*/" "-g b/\[x\].txt"
          "--hidden" "--hidden -g !.hid" "--max-depth 2 -g *.txt" "-g [a-c]/*.txt")
if command -v rg >/dev/null; then
    for gs in "${globsets[@]}"; do
        # shellcheck disable=SC2086  # word splitting is the point; set -f holds the globs
        want=$(rg --files --no-ignore $gs | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
        run count -t a -q $gs .
        check_eq "the files of $gs are rg --files's" "$want" "$(paths)"
    done
else
    notok "rg (Debian ripgrep, in TEST_PKGS) is needed to compare the globs with ripgrep's"
fi
cd "$TMP" || exit 1
run count -t a -q -g '*.md' g/x.txt
check_eq "globs do not filter paths named on the command line" "g/x.txt" "$(paths)"
run count -t a -q -g '!x.txt' g
check "a glob matches the path below the walked directory" has "$OUT" '"g/y.md"'
if has "$OUT" 'g/x.txt'; then notok "-g '!x.txt' leaves g/x.txt out" "$OUT"
else ok "-g '!x.txt' leaves g/x.txt out"; fi
set +f                          # the shell's globs again (the end of the script uses them)

# ---- a tree deeper than PATH_MAX ----------------------------------------------
# 2,100 levels of "dd": a path of 6,300 bytes.  The walk goes down relative
# to each parent and holds a bounded number of descriptors; the file at the
# bottom cannot be opened by its path and says so.
mkdir deep && printf 'a\n' > deep/top.txt
python3 - <<'EOF'             # bash's cd slows down with the depth: made relative to each parent
import os
fd = os.open("deep", os.O_RDONLY)
for level in range(2100):
    if level == 100:                # after "dd" has been walked, its frame opens "ee"
        os.mkdir("ee", dir_fd=fd)
        os.write(os.open("ee/x.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), b"a\n")
    os.mkdir("dd", dir_fd=fd)
    sub = os.open("dd", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = sub
os.write(os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), b"a\n")
EOF
OUT=$(ulimit -n 200; "$PARDO" count -t a -q deep 2>"$RUN_DIR/err"); RC=$?
ERR=$(cat "$RUN_DIR/err")
check_eq "a 2,100-level tree: a record for each file" 3 "$(grep -c . <<<"$OUT")"
check "a 2,100-level tree: a directory 100 levels down, met after the deepest one, is read" \
    has "$OUT" '/ee/x.txt","encoding"' 
check "a 2,100-level tree: the top file is read" has "$OUT" '{"path":"deep/top.txt","encoding"'
check "a 2,100-level tree: the bottom file's record says why" has "$OUT" '"error":"File name too long"'
check_rc "a 2,100-level tree: status 1" 1
rm -rf deep

# ---- directories that cannot be entered (as an unprivileged user) -------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    cp "$PARDO" "$TMP/pardo-copy" && chmod 755 "$TMP/pardo-copy"
    mkdir -p perm/closed perm/noexec/sub perm/open
    printf 'a\n' > perm/closed/c.txt; printf 'a\n' > perm/noexec/n.txt
    printf 'a\n' > perm/noexec/sub/s.txt; printf 'a\n' > perm/open/o.txt
    chmod 700 perm/closed; chmod 744 perm/noexec; chmod -R o+r perm/open
    chmod 644 perm/noexec/n.txt
    OUT=$(cd perm && env ASAN_OPTIONS= UBSAN_OPTIONS= TSAN_OPTIONS= \
          setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/pardo-copy" count -t a -q . \
          2>"$RUN_DIR/err"); RC=$?
    ERR=$(cat "$RUN_DIR/err")
    check "a directory without permission: its error record" \
        has "$OUT" '{"path":"./closed","error":"Permission denied"}'
    check "a directory without search permission: its file's record says why" \
        has "$OUT" '{"path":"./noexec/n.txt","error":"Permission denied"}'
    check "a directory without search permission: its subdirectory's record says why" \
        has "$OUT" '{"path":"./noexec/sub","error":"Permission denied"}'
    check "the rest of the walk goes on" has "$OUT" '{"path":"./open/o.txt","encoding"'
    check "the failures are on stderr" has "$ERR" "./closed: Permission denied"
    check_rc "directories that cannot be entered: status 1" 1
else
    notok "the permission checks need root and setpriv (util-linux) to become nobody"
fi

# ---- -L: broken links and loops are reported -------------------------------------
mkdir -p l/real
printf 'a\n' > l/real/f.txt
ln -s nowhere l/broken
ln -s self l/self
ln -s .. l/real/up
run count -t a -q -L l
check_eq "-L: the files" "l/real/f.txt" "$(paths)"
check "-L: a broken link is reported" has "$ERR" "l/broken: broken symbolic link"
check "-L: a link that loops on itself is reported" has "$ERR" "l/self: symbolic link loop"
check "-L: a link back up the tree is reported" has "$ERR" "l/real/up: file system loop"
run count -t a -q l
check_eq "without -L links are skipped silently" "" "$ERR"

# ---- a small file's cost: open, fstat, one read, close ---------------------------
# Each call that names one of the files (its path, or with -y a descriptor
# open on it) is counted, so the calls a sanitizer's runtime makes on its
# own never enter the count.
if command -v strace >/dev/null; then
    n=100
    mkdir -p "small$n/d"
    for i in $(seq "$n"); do printf 'A bird and a bee.\n' > "small$n/d/f$i.txt"; done
    # LeakSanitizer cannot run under ptrace: no leak check here.
    ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
        strace -f -qq -y -o "strace$n.txt" \
        -e trace=open,openat,read,pread64,readv,close,stat,lstat,fstat,newfstatat,statx \
        "$PARDO" count -t A,B -q -j 2 "small$n" > /dev/null
    # calls NAME...: the calls of these names on one of the files
    calls() {
        local re
        re=$(printf '%s|' "$@"); re=${re%|}
        grep -E "^[0-9]+ +($re)\\(" "strace$n.txt" | grep -cE 'f[0-9]+\.txt[">]'
    }
    for sc in openat read close; do
        check_eq "a small file costs one $sc" "$n" "$(calls $sc)"
    done
    check_eq "a small file costs one stat call (fstat)" "$n" \
        "$(calls stat lstat fstat newfstatat statx)"
    check_eq "a small file is never opened by open() nor read by pread/readv" 0 \
        "$(calls open pread64 readv)"
else
    notok "strace (in TEST_PKGS) is needed to count a file's system calls"
fi
