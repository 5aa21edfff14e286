/*
 * signals.c - Ctrl-C: stop handing out files, keep no temporary file.
 *
 * DESIGN
 * The handler may only do async-signal-safe things: it stores the signal
 * number, calls pardo_cancel() (an atomic store), unlinks the temporary
 * output file at once (so that even a second, killing signal leaves
 * nothing behind) and restores the default action, so that a second
 * Ctrl-C kills at once.  The main thread looks at signals_caught() after
 * each record, and the path generator before each path, and stops there;
 * the records already written are whole.
 *
 * Workers block SIGINT and SIGTERM (they inherit the mask set around
 * pardo_pool_new), so the handler runs in the main thread, where it can
 * interrupt a blocking read of a path list (no SA_RESTART).
 *
 * After the first signal, running files get a grace of a second (the
 * process pool kills its workers then, see PARDO_CANCEL_GRACE); a thread
 * cannot be killed, so an alarm a little later ends the run from the
 * handler: the whole records held are written, the temporary file goes,
 * and the status is 130.
 *
 * SIGHUP (the terminal went away) is taken as SIGTERM.
 *
 * A signal that was ignored when pardo started (nohup, a background job of
 * a non-interactive shell) stays ignored, as POSIX tools do.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t caught;
static pardo_pool *volatile sig_pool;
static const char *volatile sig_temp;
static struct output *volatile sig_out;

#define GRACE_US 1500000        /* PARDO_CANCEL_GRACE and some */

static void on_alarm(int sig)
{
    (void)sig;
    if (sig_temp)
        unlink(sig_temp);
    if (sig_out)
        output_emergency(sig_out);
    _exit(EXIT_INTERRUPTED);
}

static void on_signal(int sig)
{
    int saved = errno;
    if (!caught) {
        struct itimerval t = { { 0, 0 }, { GRACE_US / 1000000, GRACE_US % 1000000 } };
        signal(SIGALRM, on_alarm);
        setitimer(ITIMER_REAL, &t, NULL);
    }
    caught = sig;
    if (sig_pool)
        pardo_cancel(sig_pool);
    if (sig_temp)
        unlink(sig_temp);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    errno = saved;
}

int signals_install(pardo_pool *pool, const char *temp)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa, old;
    sig_pool = pool;
    sig_temp = temp;
    if (caught)
        return 0;                   /* the handler has run: keep the default */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        return PARDO_ESYS;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], NULL, &old) != 0)
            return PARDO_ESYS;
        if (old.sa_handler != SIG_IGN && sigaction(sigs[i], &sa, NULL) != 0)
            return PARDO_ESYS;
    }
    return 0;
}

int signals_caught(void)
{
    return caught;
}

void signals_set_output(struct output *out)
{
    sig_out = out;
}

void signals_disarm(void)
{
    struct itimerval t;
    memset(&t, 0, sizeof t);
    setitimer(ITIMER_REAL, &t, NULL);
    sig_out = NULL;
}

void signals_block(int block)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGALRM);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}
