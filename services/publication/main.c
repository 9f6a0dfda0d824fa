/*  baosong-publication: the publication service process. */
#include "publication.h"

int
main (int argc, char **argv)
{
    return bs_service_main ("publication", publication_databases, publication_setup, argc, argv);
}
