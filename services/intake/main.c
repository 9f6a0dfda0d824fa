/*  baosong-intake: the intake service process. */
#include "intake.h"

int
main (int argc, char **argv)
{
    return bs_service_main ("intake", intake_databases, intake_setup, argc, argv);
}
