/*
 * compressed.c - files compressed with gzip, bzip2, xz or zstd, recognised
 * by their first bytes and decompressed with libarchive.
 *
 * DESIGN
 * A compressed file is read like any other (read stage, whole), then, when
 * its first bytes are one of the four formats' magic numbers, decompressed
 * into a buffer of the worker's own, which the later stages read instead:
 * the record is the decompressed text's, under the file's own path, and
 * `bytes` stays the size on disk.  The name does not matter (a .gz that is
 * not gzip is read as it is; a gzip file named .txt is decompressed).
 * libarchive does the decompressing (its "raw" format: one stream, no
 * archive), so no decompressor is written here.  A stream that libarchive
 * cannot decode to its end (truncated, corrupt) fails its file alone.
 */
#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *compressed_kind(const unsigned char *p, size_t n)
{
    static const unsigned char xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
    static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
    static const unsigned char bz_block[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
    static const unsigned char bz_end[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
        return "gzip";
    if (n >= 6 && memcmp(p, xz, 6) == 0)
        return "xz";
    if (n >= 4 && memcmp(p, zstd, 4) == 0)
        return "zstd";
    if (n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, bz_block, 6) == 0 || memcmp(p + 4, bz_end, 6) == 0))
        return "bzip2";
    return NULL;
}

int decompress(const unsigned char *p, size_t n, unsigned char **out, size_t *len,
               size_t *cap)
{
    struct archive *a = archive_read_new();
    if (!a)
        return ENOMEM;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_raw(a);
    struct archive_entry *entry;
    int err = 0;
    *len = 0;
    /* No filter but "none" means no decoder took the stream: its magic
     * number is followed by no valid header. */
    if (archive_read_open_memory(a, p, n) != ARCHIVE_OK ||
        archive_read_next_header(a, &entry) != ARCHIVE_OK || archive_filter_count(a) < 2) {
        err = FILE_EDAMAGED;
        goto out;
    }
    for (;;) {
        if (*cap - *len < 65536) {
            size_t c = *cap ? *cap * 2 : (size_t)1 << 20;
            while (c - *len < 65536)
                c *= 2;
            unsigned char *q = realloc(*out, c);
            if (!q) {
                err = ENOMEM;
                goto out;
            }
            *out = q;
            *cap = c;
        }
        la_ssize_t got = archive_read_data(a, *out + *len, *cap - *len);
        if (got < 0) {
            err = FILE_EDAMAGED;
            goto out;
        }
        if (got == 0)
            break;
        *len += (size_t)got;
    }
out:
    archive_read_free(a);
    return err;
}
