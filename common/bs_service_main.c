/*  bs_service_main: the start of every service program: its options
    ([--config FILE] [--data DIR]), its configuration, then its loop; see
    bs_service_main and bs_service_load_config in bs_service.h.
*/
#include <czmq.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>

#include "bs_log.h"
#include "bs_service.h"

static void
s_usage (const char *name)
{
    fprintf (stderr,
             "usage: baosong-%s [--config FILE] [--data DIR]\n"
             "Runs the %s service. `baosong up` starts every service for you.\n",
             name, name);
}

void
bs_service_tune_memory (void)
{
    mallopt (M_MMAP_THRESHOLD, BS_SERVICE_MMAP_THRESHOLD);
    mallopt (M_TRIM_THRESHOLD, BS_SERVICE_TRIM_THRESHOLD);
}

bs_config_t *
bs_service_load_config (const char *name, int argc, char **argv, int *exit_code)
{
    bs_service_tune_memory ();
    static const struct option options[] = {{"config", required_argument, 0, 'c'},
                                            {"data", required_argument, 0, 'd'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    const char *config_path = NULL, *data = NULL;
    int option;
    while ((option = getopt_long (argc, argv, "c:d:h", options, NULL)) != -1) {
        if (option == 'c')
            config_path = optarg;
        else if (option == 'd')
            data = optarg;
        else {
            s_usage (name);
            *exit_code = option == 'h' ? 0 : 2;
            return NULL;
        }
    }
    bs_log_set_component (name);
    bs_error_t error;
    *exit_code = 2;
    bs_config_t *config = bs_config_load (config_path, &error);
    if (!config) {
        bs_log_error ("%s", error.text);
        return NULL;
    }
    if (data && bs_config_set (config, "data_dir", data, &error) != BS_OK) {
        bs_log_error ("%s", error.text);
        bs_config_destroy (&config);
        return NULL;
    }
    /* A service program presents its own certificate, whatever the
       environment says. */
    bs_config_set (config, "certificate", name, &error);
    *exit_code = 0;
    return config;
}

int
bs_service_main (const char *name, const char *const *databases, bs_service_setup_fn *setup,
                 int argc, char **argv)
{
    int exit_code;
    bs_config_t *config = bs_service_load_config (name, argc, argv, &exit_code);
    if (!config)
        return exit_code;
    bs_error_t error;
    zsys_init ();
    zsys_set_logstream (NULL);
    bs_service_t *service = bs_service_new (name, config, databases, &error);
    exit_code = 1;
    if (!service)
        bs_log_error ("cannot start %s: %s", name, error.text);
    else if (setup (service) != BS_OK)
        bs_log_error ("cannot start %s: setup failed", name);
    else
        exit_code = bs_service_run (service) == BS_OK ? 0 : 1;
    bs_service_destroy (&service);
    bs_config_destroy (&config);
    return exit_code;
}
