/*
 * archive.c - zip and tar archives (a tar possibly compressed with gzip,
 * bzip2, xz or zstd), recognised by their first bytes and read member by
 * member with libarchive.
 *
 * DESIGN
 * An archive is one unit of work: the worker that meets it (run.c's read
 * stage) streams it from its start to its end with libarchive, one member
 * at a time, into the worker's own buffer, and measures each member there
 * before reading the next, so a member is held once and a .tar.gz is
 * decompressed in a single pass (a compressed tar has no index: any other
 * cut would decompress it again per member).  The members' records come
 * back as one block, in the archive's order, from whichever thread,
 * process or rank ran it, so the output is the same for every -j,
 * --isolate and MPI.  doc/corpora.md says what this costs.
 *
 * This file only wraps libarchive: archive_probe() says whether a file is
 * an archive, and struct arc walks its members.  What a member gives (the
 * walk's rules, binary, damaged) is run.c's.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int tar_magic(const unsigned char *p, size_t n)
{
    return n >= 263 && memcmp(p + 257, "ustar", 5) == 0 && (p[262] == 0 || p[262] == ' ');
}

int archive_probe(const unsigned char *p, size_t n, const char *path)
{
    if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
        ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
        return 1;
    if (tar_magic(p, n))
        return 1;
    if (!compressed_kind(p, n))
        return 0;
    /* A compressed stream: a tar when its first block says so.  Read from
     * the file, not from the first bytes: a decoder given a cut stream
     * may give nothing of it. */
    struct archive *a = archive_read_new();
    if (!a)
        return 0;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_raw(a);
    struct archive_entry *entry;
    unsigned char head[512];
    size_t got = 0;
    if (archive_read_open_filename(a, path, (size_t)1 << 16) == ARCHIVE_OK &&
        archive_read_next_header(a, &entry) == ARCHIVE_OK) {
        while (got < sizeof head) {
            la_ssize_t r = archive_read_data(a, head + got, sizeof head - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
    }
    archive_read_free(a);
    return tar_magic(head, got);
}

struct arc {
    struct archive *a;
    struct archive_entry *entry;
};

int arc_open(struct arc **out, const char *path)
{
    struct arc *c = calloc(1, sizeof *c);
    *out = c;
    if (!c || !(c->a = archive_read_new()))
        return ENOMEM;
    archive_read_support_filter_gzip(c->a);
    archive_read_support_filter_bzip2(c->a);
    archive_read_support_filter_xz(c->a);
    archive_read_support_filter_zstd(c->a);
    archive_read_support_format_zip(c->a);
    archive_read_support_format_tar(c->a);
    if (archive_read_open_filename(c->a, path, (size_t)1 << 16) != ARCHIVE_OK) {
        int e = archive_errno(c->a);
        return e > 0 ? e : FILE_EARCHIVE;
    }
    return 0;
}

int arc_next(struct arc *c, const char **name, int *type, uint64_t *size)
{
    int rc;
    do
        rc = archive_read_next_header(c->a, &c->entry);
    while (rc == ARCHIVE_RETRY);
    if (rc == ARCHIVE_EOF)
        return 0;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
        return FILE_EARCHIVE;
    *name = archive_entry_pathname(c->entry);
    if (!*name)
        *name = "";
    mode_t t = archive_entry_filetype(c->entry);
    if (archive_entry_hardlink(c->entry) || t == AE_IFLNK)
        *type = ARC_LINK;
    else if (t == AE_IFREG)
        *type = ARC_REG;
    else if (t == AE_IFDIR)
        *type = ARC_DIR;
    else
        *type = ARC_OTHER;
    *size = archive_entry_size_is_set(c->entry) && archive_entry_size(c->entry) > 0
                ? (uint64_t)archive_entry_size(c->entry) : 0;
    return 1;
}

long arc_read(struct arc *c, void *buf, size_t n)
{
    la_ssize_t r = archive_read_data(c->a, buf, n);
    return r < 0 ? -1 : (long)r;
}

void arc_close(struct arc *c)
{
    if (!c)
        return;
    if (c->a)
        archive_read_free(c->a);
    free(c);
}
