/*  baosong-statistics: the statistics service process. */
#include "statistics.h"

int
main (int argc, char **argv)
{
    return bs_service_main ("statistics", statistics_databases, statistics_setup, argc, argv);
}
