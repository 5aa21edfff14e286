/*
 * main.c - the pardo command: parse, run, return a status.
 *
 * DESIGN
 * Everything else lives elsewhere: the options table in opts.c, the run in
 * run.c.  Exit statuses are ripgrep's: 0 every file processed, 1 some files
 * failed, 2 a usage or fatal error; 130 after an interrupt (cli.h).
 * Under mpirun it first becomes its MPI twin (mpi_run.c).
 */
#include "cli.h"
#include "run.h"

int main(int argc, char **argv)
{
    ranks_exec(argv);           /* under mpirun: pardo-mpi, which links MPI */
    struct opts o;
    int rc = opts_parse(&o, argc, argv);
    int status;
    if (rc != 0) {
        if (rc == PARDO_ENOMEM)
            fprintf(stderr, "pardo: %s\n", pardo_strerror(rc));
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
