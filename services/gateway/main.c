/*  baosong-gateway: the HTTP/JSON gateway process (see gateway.h).

        baosong-gateway [--config FILE] [--data DIR]

    It listens on gateway.http and runs until SIGINT or SIGTERM. Signals are
    blocked before libmicrohttpd starts its threads and taken here with
    sigwait, so no worker is interrupted by them.
*/
#include <czmq.h>
#include <signal.h>
#include <stdio.h>

#include "bs_log.h"
#include "bs_service.h"
#include "gateway.h"

int
main (int argc, char **argv)
{
    int exit_code;
    bs_config_t *config = bs_service_load_config ("gateway", argc, argv, &exit_code);
    if (!config)
        return exit_code;
    bs_error_t error;
    sigset_t signals;
    sigemptyset (&signals);
    sigaddset (&signals, SIGINT);
    sigaddset (&signals, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &signals, NULL);
    signal (SIGPIPE, SIG_IGN);
    zsys_handler_set (NULL); /* czmq must not take SIGINT: sigwait below does */
    zsys_init ();
    zsys_set_logstream (NULL);

    exit_code = 1;
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
