/*  bs_test_service: one service in the test's own process, on a fresh
    temporary folder, for unit tests that drive its handlers and consumers
    directly (no sockets between the test and the service).
*/
#ifndef BS_TEST_SERVICE_H_INCLUDED
#define BS_TEST_SERVICE_H_INCLUDED

#include "bs_config.h"
#include "bs_service.h"

/* Make a fresh folder (*folder, the caller's, named after prefix) and a
   configuration in it: data_dir = FOLDER/data, log_level = error, then the
   lines of extra (NULL for none). Fails the test when one cannot be made. */
bs_config_t *bs_test_service_config (const char *prefix, const char *extra, char **folder);

/* Make a fresh folder (*folder, the caller's), a configuration in it
   (*config: data_dir = FOLDER/data, log_level = error, then the lines of
   extra, NULL for none), the certificates of the system, and the service
   name over databases (*service). Fails the test when one cannot be made. */
void bs_test_service_open (const char *name, const char *const *databases, const char *extra,
                           char **folder, bs_config_t **config, bs_service_t **service);

/* Run the command handler fn (given argument) on record of schema in a
   write transaction of service at now, as a turn of the service would:
   its code, and its reply decoded into *reply (the caller's:
   bs_message_clear). A refusal's reply is checked to be an error of the
   handler's code whose message is a sentence, not a code. */
int bs_test_service_command (bs_service_t *service, bs_command_fn *fn, void *argument,
                             const bs_schema_t *schema, const void *record, uint64_t now,
                             bs_message_t *reply);

/* Destroy *service and *config and remove *folder (kept when
   BAOSONG_TEST_KEEP is set); each is NULL afterwards. */
void bs_test_service_close (char **folder, bs_config_t **config, bs_service_t **service);

#endif
