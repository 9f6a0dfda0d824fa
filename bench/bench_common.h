/*  bench_common: what bench_baseline and bench_throughput share around
    their measures: the options both take (--duration, --clients, --dir,
    --quick) and the lines their report starts with (the program, when it
    ran, the machine and the storage it measured, and the warnings when
    the figures cannot stand: a build without optimization, a tmpfs).
*/
#ifndef BENCH_COMMON_H_INCLUDED
#define BENCH_COMMON_H_INCLUDED

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/utsname.h>

typedef struct {
    double duration;  /* seconds counted */
    double warmup;    /* seconds before them, not counted */
    int clients;      /* concurrent clients */
    const char *base; /* folder the temporary data folders go into */
    bool quick;       /* small numbers, for a smoke run */
} bench_common_t;

/* getopt_long's entries for the options of bench_common_t, to put in a
   program's table of long options; their codes are 'd', 'c', 'D', 'q'. */
#define BENCH_COMMON_LONG_OPTIONS                                                                  \
    {"duration", required_argument, 0, 'd'}, {"clients", required_argument, 0, 'c'},               \
        {"dir", required_argument, 0, 'D'},                                                        \
    {                                                                                              \
        "quick", no_argument, 0, 'q'                                                               \
    }

/* The defaults (10 s counted after 2 s of warm-up, 50 clients, $TMPDIR or
   /tmp), or with --quick anywhere in argv 2 s after 0.5 s, 10 clients:
   --quick is looked for first, so numbers given with it win. */
void bench_common_defaults (bench_common_t *common, int argc, char **argv);

/* Takes getopt_long's option (with optarg) when it is one of
   BENCH_COMMON_LONG_OPTIONS: 0, or -1 when its value is out of range or
   option is none of them. */
int bench_common_option (bench_common_t *common, int option, const char *argument);

/* Where and when a program measured, taken when it starts (the time) or
   before its data go under base (the storage). */
typedef struct {
    char stamp[64];   /* local time, "2026-12-04 23:10:00 +0000" */
    char model[256];  /* the CPU */
    char type[64];    /* the file system under base ("ext4", "tmpfs") */
    char device[256]; /* and its device */
    struct utsname system;
} bench_machine_t;

void bench_machine_take (bench_machine_t *machine, const char *base);

/* Prints "baosong PROGRAM, stamp", the machine line (with the load
   average now, at the end), the storage line ending in storage_note, and
   the warnings. */
void bench_machine_print (const bench_machine_t *machine, const char *program,
                          const bench_common_t *common, const char *storage_note);

/* The 1-minute load average as text in buffer ("?" when unknown). */
const char *bench_common_load_average (char *buffer, size_t size);

#endif
