/*  baosong-gateway: the HTTP/JSON gateway process (see gateway.h).

        baosong-gateway [--config FILE] [--data DIR]

    It listens on gateway.http and runs until SIGINT or SIGTERM. Signals are
    blocked before libmicrohttpd starts its threads and taken here with
    sigwait, so no worker is interrupted by them.
*/
#include <czmq.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "bs_log.h"
#include "gateway.h"

int
main (int argc, char **argv)
{
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
            fprintf (stderr, "usage: baosong-gateway [--config FILE] [--data DIR]\n");
            return option == 'h' ? 0 : 2;
        }
    }
    bs_log_set_component ("gateway");
    bs_error_t error;
    bs_config_t *config = bs_config_load (config_path, &error);
    if (!config) {
        bs_log_error ("%s", error.text);
        return 2;
    }
    if (data && bs_config_set (config, "data_dir", data, &error) != BS_OK) {
        bs_log_error ("%s", error.text);
        bs_config_destroy (&config);
        return 2;
    }
    sigset_t signals;
    sigemptyset (&signals);
    sigaddset (&signals, SIGINT);
    sigaddset (&signals, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &signals, NULL);
    signal (SIGPIPE, SIG_IGN);
    zsys_handler_set (NULL); /* czmq must not take SIGINT: sigwait below does */
    zsys_init ();
    zsys_set_logstream (NULL);

    int exit_code = 1;
    gateway_t *gateway = gateway_new (config, &error);
    if (!gateway)
        bs_log_error ("cannot start gateway: %s", error.text);
    else if (gateway_start (gateway, &error) != BS_OK)
        bs_log_error ("cannot start gateway: %s", error.text);
    else {
        int signal_number = 0;
        sigwait (&signals, &signal_number);
        bs_log_info ("stopping on signal %d", signal_number);
        exit_code = 0;
    }
    gateway_destroy (&gateway);
    bs_config_destroy (&config);
    return exit_code;
}
