/*  bench_common: the options and the report header bench programs share
    (see bench_common.h). */
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_system.h"

void
bench_common_defaults (bench_common_t *common, int argc, char **argv)
{
    const char *base = getenv ("TMPDIR");
    *common = (bench_common_t){
        .duration = 10, .warmup = 2, .clients = 50, .base = base && *base ? base : "/tmp"};
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--quick") == 0) {
            common->quick = true;
            common->duration = 2;
            common->warmup = 0.5;
            common->clients = 10;
        }
}

int
bench_common_option (bench_common_t *common, int option, const char *argument)
{
    char *end = NULL;
    switch (option) {
    case 'd':
        common->duration = strtod (argument, &end);
        return *end || common->duration <= 0 ? -1 : 0;
    case 'c':
        common->clients = (int) strtol (argument, &end, 10);
        return *end || common->clients < 1 || common->clients > 1000 ? -1 : 0;
    case 'D':
        common->base = argument;
        return 0;
    case 'q': /* taken by bench_common_defaults */
        return 0;
    default:
        return -1;
    }
}

void
bench_machine_take (bench_machine_t *machine, const char *base)
{
    time_t now = time (NULL);
    strftime (machine->stamp, sizeof machine->stamp, "%Y-%m-%d %H:%M:%S %z", localtime (&now));
    bench_system_cpu_model (machine->model, sizeof machine->model);
    bench_system_storage (base, machine->type, sizeof machine->type, machine->device,
                          sizeof machine->device);
    uname (&machine->system);
}

const char *
bench_common_load_average (char *buffer, size_t size)
{
    double load[1];
    if (getloadavg (load, 1) == 1)
        snprintf (buffer, size, "%.1f", load[0]);
    else
        snprintf (buffer, size, "?");
    return buffer;
}

void
bench_machine_print (const bench_machine_t *machine, const char *program,
                     const bench_common_t *common, const char *storage_note)
{
    char load[16];
    printf ("baosong %s, %s%s\n", program, machine->stamp, common->quick ? " (--quick)" : "");
    printf ("machine  %ld cores, %s, %s %s %s; load %s at the end\n",
            sysconf (_SC_NPROCESSORS_ONLN), machine->model, machine->system.sysname,
            machine->system.release, machine->system.machine,
            bench_common_load_average (load, sizeof load));
    printf ("storage  %s on %s under %s%s\n", machine->type, machine->device, common->base,
            storage_note);
#ifndef __OPTIMIZE__
    printf ("         WARNING: built without optimization (Debug?): use bench/run, which builds "
            "Release\n");
#endif
    if (strcmp (machine->type, "tmpfs") == 0 || strcmp (machine->type, "ramfs") == 0)
        printf ("         WARNING: %s keeps no data across a power cut and fsync costs nothing "
                "there; use --dir on a disk\n",
                machine->type);
}
