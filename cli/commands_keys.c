/*  commands_keys: `baosong init` (the certificates of an installation) and
    `baosong cert add|list|revoke` (the keyring every service admits).

    The certificates live in the keys folder (bs_keys.h). After a change
    the command asks every running service to read the folder again
    (keyring.reload), so a revoked key loses its connections at once; a
    service that is not running reads the folder when it starts. `cert
    reload` asks the same alone, after the folder changed otherwise.
*/
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bs_keys.h"
#include "bs_proto.h"
#include "cli.h"

/* The services that hold a keyring: every one with a command socket. */
static const char *const s_holders[] = {"intake", "review", "publication", "statistics", "mail"};
#define S_HOLDER_COUNT (sizeof s_holders / sizeof s_holders[0])

static char *
s_folder (cli_t *cli)
{
    char *folder = bs_keys_folder (cli->config);
    if (!folder)
        fprintf (stderr, "baosong: out of memory\n");
    return folder;
}

/* A subcommand without options: check there are none, and find the keys
   folder (*folder_p, caller frees). */
static int
s_no_options (cli_t *cli, int argc, char **argv, char **folder_p)
{
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc == CLI_EXIT_OK) {
        *folder_p = s_folder (cli);
        rc = *folder_p ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
    }
    return rc;
}

/* Ask every running service to reload its keyring; print who did.
   Returns how many were not reached. */
static size_t
s_reload_all (cli_t *cli, const char *reason)
{
    size_t missed = 0;
    cli_sockets_init ();
    for (size_t i = 0; i < S_HOLDER_COUNT; i++) {
        bs_client_t *client = bs_client_new (cli->config, s_holders[i], "cli");
        if (!client)
            continue;
        bs_client_set_patience (client, 1000, 1);
        bs_keyring_reload_t request = {.reason = (char *) reason};
        bs_keyring_reloaded_t reply = {0};
        bs_error_t error;
        int rc = bs_client_call (client, &bs_keyring_reload_schema, &request,
                                 &bs_keyring_reloaded_schema, &reply, &error);
        if (!cli->json) {
            if (rc == BS_OK)
                printf ("%-12s reloaded: %llu keys admitted, %llu revoked\n", s_holders[i],
                        (unsigned long long) reply.admitted, (unsigned long long) reply.revoked);
            else
                printf ("%-12s not reached (it reads the keys when it starts)\n", s_holders[i]);
        }
        missed += rc != BS_OK;
        bs_codec_record_free (&bs_keyring_reloaded_schema, &reply);
        bs_client_destroy (&client);
    }
    return missed;
}

int
cli_keys_ensure (cli_t *cli, const char *folder, size_t *created, bs_error_t *error)
{
    (void) cli;
    static const char *const services[] = {"intake", "review", "publication", "statistics",
                                           NULL};
    return bs_keys_ensure (folder, services, created, error);
}

int
cli_cmd_init (cli_t *cli, int argc, char **argv)
{
    char *folder = NULL;
    int rc = s_no_options (cli, argc, argv, &folder);
    if (rc != CLI_EXIT_OK)
        return rc;
    size_t created = 0;
    bs_error_t error;
    rc = cli_keys_ensure (cli, folder, &created, &error);
    if (rc != BS_OK) {
        cli_error_print (cli, &error);
        free (folder);
        return cli_exit_code (rc);
    }
    if (cli->json)
        cli_json_print_value (json_pack ("{s:s, s:I}", "keys_dir", folder, "created",
                                         (json_int_t) created),
                              false);
    else if (created)
        printf ("made %zu certificates in %s (secret keys: *.cert_secret, mode 0600).\n"
                "Back this folder up: a lost secret key means a new certificate.\n",
                created, folder);
    else
        printf ("every certificate is already in %s\n", folder);
    free (folder);
    return CLI_EXIT_OK;
}

static int
s_cert_add (cli_t *cli, int argc, char **argv)
{
    const char *kind = "operator", *login = "", *unit = "", *roles = "";
    cli_option_t options[] = {{"kind", CLI_OPTION_TEXT, &kind},
                              {"login", CLI_OPTION_TEXT, &login},
                              {"unit", CLI_OPTION_TEXT, &unit},
                              {"roles", CLI_OPTION_TEXT, &roles},
                              {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1,
                                "name the certificate: baosong cert add NAME");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_peer_t peer = {.kind = bs_peer_kind_parse (kind)};
    if (peer.kind == BS_PEER_NOBODY || peer.kind >= BS_PEER_KIND_COUNT)
        return cli_usage_error (cli, "--kind is service, gateway, mail, admin or operator");
    if (peer.kind == BS_PEER_OPERATOR && !*login)
        return cli_usage_error (cli, "an operator certificate is bound to an officer: --login");
    snprintf (peer.name, sizeof peer.name, "%s", words[0]);
    snprintf (peer.login, sizeof peer.login, "%s", login);
    snprintf (peer.unit, sizeof peer.unit, "%s", unit);
    snprintf (peer.roles, sizeof peer.roles, "%s", roles);
    char *folder = s_folder (cli);
    if (!folder)
        return CLI_EXIT_REFUSED;
    bs_error_t error;
    rc = bs_keys_create (folder, &peer, &error);
    if (rc != BS_OK) {
        cli_error_print (cli, &error);
        free (folder);
        return cli_exit_code (rc);
    }
    if (cli->json)
        cli_json_print_value (json_pack ("{s:s, s:s, s:s}", "name", peer.name, "key", peer.key,
                                         "secret", folder),
                              false);
    else
        printf ("certificate %s (%s), key %s\n"
                "its secret: %s/%s.cert_secret; give it to its holder alone\n",
                peer.name, bs_peer_kind_name (peer.kind), peer.key, folder, peer.name);
    s_reload_all (cli, "cert add");
    free (folder);
    return CLI_EXIT_OK;
}

typedef struct {
    cli_table_t *table; /* text output */
    json_t *list;       /* --json output */
} s_listing_t;

static int
s_list_one (const bs_peer_t *peer, bool revoked, void *argument)
{
    s_listing_t *listing = argument;
    const char *kind = bs_peer_kind_name (peer->kind);
    if (listing->list)
        json_array_append_new (listing->list,
                               json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "name",
                                          peer->name, "kind", kind, "login", peer->login, "unit",
                                          peer->unit, "roles", peer->roles, "key", peer->key,
                                          "revoked", revoked));
    else {
        const char *cells[] = {peer->name, kind,      peer->login,
                               peer->unit, peer->roles, revoked ? "revoked" : "admitted",
                               peer->key};
        cli_table_add (listing->table, cells);
    }
    return BS_OK;
}

static int
s_cert_list (cli_t *cli, int argc, char **argv)
{
    char *folder = NULL;
    int rc = s_no_options (cli, argc, argv, &folder);
    if (rc != CLI_EXIT_OK)
        return rc;
    static const char *const headers[] = {"NAME", "KIND", "LOGIN", "UNIT",
                                          "ROLES", "STATE", "KEY"};
    s_listing_t listing = {0};
    if (cli->json)
        listing.list = json_array ();
    else
        listing.table = cli_table_new (7, headers);
    bs_keys_each (folder, s_list_one, &listing);
    if (cli->json)
        cli_json_print_value (listing.list, false);
    else
        cli_table_finish (&listing.table, "no certificates: `baosong init` makes them");
    free (folder);
    return CLI_EXIT_OK;
}

static int
s_cert_revoke (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, words, 1,
                                &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 1)
        return cli_usage_error (cli, "name the certificate: baosong cert revoke NAME");
    char *folder = s_folder (cli);
    if (!folder)
        return CLI_EXIT_REFUSED;
    bs_error_t error;
    rc = bs_keys_revoke (folder, words[0], &error);
    if (rc != BS_OK) {
        cli_error_print (cli, &error);
        free (folder);
        return cli_exit_code (rc);
    }
    if (cli->json)
        cli_json_print_value (json_pack ("{s:s, s:b}", "name", words[0], "revoked", 1), false);
    else
        printf ("revoked %s: no service admits its key any more\n", words[0]);
    s_reload_all (cli, "cert revoke");
    free (folder);
    return CLI_EXIT_OK;
}

/* Every running service reads its keys folder again: after the folder
   was changed by other means than add and revoke here (compose's
   baosong-keys-split copying a change to each service's own folder, a
   restored folder, a Kubernetes Secret updated in place). Exit 3 when a
   service was not reached (it reads the folder when it starts). */
static int
s_cert_reload (cli_t *cli, int argc, char **argv)
{
    char *folder = NULL;
    int rc = s_no_options (cli, argc, argv, &folder);
    if (rc != CLI_EXIT_OK)
        return rc;
    free (folder);
    return s_reload_all (cli, "cert reload") ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_OK;
}

int
cli_cmd_cert (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {{"add", s_cert_add},
                                             {"list", s_cert_list},
                                             {"revoke", s_cert_revoke},
                                             {"reload", s_cert_reload},
                                             {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}
