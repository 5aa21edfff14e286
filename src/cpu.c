/*
 * cpu.c - how many workers "all the CPUs" means.
 *
 * DESIGN
 * The number of CPUs a process may use is not the number the machine has:
 * the affinity mask (taskset, cpusets) and a cgroup CPU quota (containers,
 * CI runners) both lower it.  We take the smaller of the two, as Go's and
 * Java's runtimes do, rounding the quota up.  PARDO_WORKERS in the
 * environment overrides the answer for `0`, so a user can choose without
 * recompiling.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pardo.h"

/* cgroup v2 "cpu.max" holds "QUOTA PERIOD" or "max PERIOD"; v1 has two files. */
static int cgroup_cpu_limit(void)
{
    long long quota = -1, period = 0;
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f) {
        char q[32];
        if (fscanf(f, "%31s %lld", q, &period) == 2 && strcmp(q, "max") != 0)
            quota = atoll(q);
        fclose(f);
    } else if ((f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r"))) {
        if (fscanf(f, "%lld", &quota) != 1)
            quota = -1;
        fclose(f);
        if ((f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r"))) {
            if (fscanf(f, "%lld", &period) != 1)
                period = 0;
            fclose(f);
        }
    }
    if (quota <= 0 || period <= 0)
        return 0;
    return (int)((quota + period - 1) / period);
}

static int usable_cpus(void)
{
    int n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        n = 1;
    int limit = cgroup_cpu_limit();
    if (limit > 0 && limit < n)
        n = limit;
    return n;
}

int pardo_cpu_count(int workers)
{
    if (workers > 0)
        return workers;
    if (workers == 0) {
        const char *env = getenv("PARDO_WORKERS");
        char *end;
        long v = env ? strtol(env, &end, 10) : 0;
        if (env && *env && *end == '\0' && v > 0 && v <= 1 << 16)
            return (int)v;
    }
    int n = usable_cpus() + workers;
    return n < 1 ? 1 : n;
}
