/*  baosong-review: the review service process. */
#include "review.h"

int
main (int argc, char **argv)
{
    return bs_service_main ("review", review_databases, review_setup, argc, argv);
}
