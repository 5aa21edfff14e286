/*
 * main.c - the pardo command: parse, run, return a status.
 *
 * DESIGN
 * Everything else lives elsewhere: the options table in opts.c, the run in
 * run.c.  Exit statuses are ripgrep's: 0 every file processed, 1 some files
 * failed, 2 a usage or fatal error; 130 after an interrupt (cli.h).
 * Under mpirun it first becomes its MPI twin (mpi_run.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"

/* A standard descriptor that was closed (pardo <&-) gets /dev/null opened
 * the wrong way round, so that using it fails with EBADF, as it would have,
 * and no file pardo opens later takes its number: the records must never
 * go into a file that was opened for reading, nor a path list come from
 * the output. */
static void guard_stdio(void)
{
    static const int flags[3] = { O_WRONLY, O_RDONLY, O_RDONLY };
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int got = open("/dev/null", flags[fd] | O_NOCTTY);
            if (got >= 0 && got != fd) {
                dup2(got, fd);
                close(got);
            }
        }
}

int main(int argc, char **argv)
{
    guard_stdio();
    ranks_exec(argv);           /* under mpirun: pardo-mpi, which links MPI */
    /* libarchive turns a zip member's DOS time into a time_t with mktime,
     * in the walk and in every worker at once.  With TZ unset, glibc reads
     * /etc/localtime again at each call and frees the zone it had, which
     * races with another thread's call; with TZ set (to what an unset TZ
     * means) the zone is read once. */
    setenv("TZ", ":/etc/localtime", 0);
    struct opts o;
    /* Under mpirun every rank parses the same command line; only rank 0
     * says what is wrong with it, and every rank exits 2. */
    int saved_stderr = -1;
    if (ranks_launched_rank() > 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        saved_stderr = null >= 0 ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
        if (saved_stderr >= 0)
            dup2(null, STDERR_FILENO);
        if (null >= 0)
            close(null);
    }
    int rc = opts_parse(&o, argc, argv);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
    }
    int status;
    if (rc != 0) {
        if (rc == PARDO_ENOMEM)
            fprintf(stderr, "pardo: %s\n", pardo_strerror(rc));
        ranks_wait_all();
        status = EXIT_FATAL;
    } else if (o.help) {
        opts_help(&o, stdout);
        status = fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_FATAL;
    } else if (o.version) {
        printf("pardo %s\n", PARDO_VERSION);
        status = fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_FATAL;
    } else if (o.man) {
        opts_man(stdout);
        status = fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_FATAL;
    } else {
        status = cli_run(&o);
    }
    opts_free(&o);
    return status;
}
