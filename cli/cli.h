/*  cli: what the files of the `baosong` command share.

    main.c reads the global options and the command name, finds the
    command in the table (commands.c), and hands the
    rest of the command line to the command's function with a cli_t that
    carries the global options and the loaded configuration. A command
    parses its own options with cli_options_parse, talks to a service with
    cli_call, prints its reply as text or, with --json, with cli_json_print,
    and returns the process exit code.

    Exit codes: CLI_EXIT_OK, CLI_EXIT_REFUSED (the service answered with an
    error), CLI_EXIT_USAGE (the command line is wrong), CLI_EXIT_UNAVAILABLE
    (a service is not running or does not answer).
*/
#ifndef CLI_H_INCLUDED
#define CLI_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bs_client.h"
#include "bs_config.h"
#include "bs_error.h"
#include "bs_schemas.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_REFUSED 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_UNAVAILABLE 3
#define CLI_EXIT_INTERRUPTED 130

/* Returned by cli_options_parse and cli_dispatch once --help has printed
   a usage: not an error. A command passes it on like any other code, and
   main exits 0 with it. */
#define CLI_HELP_SHOWN (-1)

typedef struct {
    bool json;               /* --json: print replies as JSON */
    const char *data_dir;    /* --data DIR, NULL if not given */
    const char *config_path; /* --config FILE, NULL if not given */
    bs_config_t *config;     /* loaded by main before the command runs */
    const char *command;     /* the command's name, for messages */
    const char *usage;       /* its usage, printed with a usage error */
    const char *id;          /* --id KEY: the idempotency key of the command's
                                calls, NULL for a fresh one each (call.c) */
    int wait_ms;             /* the least one try waits: a command whose
                                service works long (issue render) sets it
                                before cli_call; 0 for the usual (call.c) */
    bool found_running;      /* data_dir and config_path came from the run
                                file of a running `baosong up` (running.c) */
    int argc;                /* the words after `baosong`, as given */
    char **argv;             /* (to print the command line that goes on) */
} cli_t;

/* Prints a reply for a person; context is what the command passes along. */
typedef void (cli_print_fn) (const void *reply, const void *context);

/* One command: its name, function, a one-line summary and its usage text
   (the lines after "usage: baosong "). */
typedef int (cli_command_fn) (cli_t *cli, int argc, char **argv);

typedef struct {
    const char *name;
    cli_command_fn *run;
    const char *summary;
    const char *usage;
} cli_command_t;

/* The command table (commands.c)                                         */

/* The commands, in the order `baosong help` lists them; ends with a NULL name. */
extern const cli_command_t cli_commands[];

/* Print a command's usage to file. */
void cli_usage_print (const cli_command_t *command, FILE *file);

/* The command named name, or NULL. */
const cli_command_t *cli_command_find (const char *name);

/* Print `baosong help`: every command with its summary. */
void cli_help_print (FILE *file);

/* The running system (running.c)                                        */

/* When no data folder is given (no --data, --config, BAOSONG_DATA_DIR or
   BAOSONG_CONFIG, and the configuration keeps ./var) and no `baosong up`
   runs in ./var: point cli->data_dir and cli->config_path at the system
   the run file names, if its `up` still runs, set cli->found_running and
   return true (the caller then loads the configuration again). */
bool cli_running_find (cli_t *cli);

/* Record data_dir (absolute) and config_path (or NULL) in the run file:
   `baosong up`, once it holds the data folder's lock. */
void cli_running_record (const char *data_dir, const char *config_path);

/* Remove the run file if it names data_dir: `baosong up`, stopping. */
void cli_running_forget (const char *data_dir);

/* The run file's path (a static buffer), or NULL when there is no home. */
const char *cli_run_file (void);

/* Whether a `baosong up` runs on data_dir (the pid in its up.lock runs
   the baosong program). */
bool cli_up_runs (const char *data_dir);

/* Whether process pid runs the program named program (its executable's
   base name): checked before trusting a pid read from a file. */
bool cli_pid_runs (long pid, const char *program);

/* Usage (usage.c): calls nothing of the CLI but output.c                */

/* Print a usage error (and the command's usage line) and return
   CLI_EXIT_USAGE. With --json the error is a JSON object on stdout. */
int cli_usage_error (cli_t *cli, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

/* Print the usage line of the command running, if main named one. */
void cli_usage_line (const cli_t *cli, FILE *file);

/* Parse text as a decimal uint64_t (digits only). */
bool cli_parse_number (const char *text, uint64_t *value);

/* A positive number in word (what says what it should be) into *value, or
   a usage error. */
int cli_number_argument (cli_t *cli, const char *word, const char *what, uint64_t *value);

/* Options (options.c)                                                    */

/* (Re)load cli->config from the global options. Prints the error and
   returns CLI_EXIT_USAGE when the file or a value is bad. */
int cli_config_load (cli_t *cli);

/* Options of a command.
   CLI_OPTION_FLAG sets a bool, CLI_OPTION_TEXT a const char * (pointing into
   argv), CLI_OPTION_NUMBER a uint64_t (decimal digits only).
   CLI_OPTION_UNIT is text that must name a unit of intake's registry
   (cli_unit_known, once every option is read): a listing filtered by an
   unknown unit says so instead of "nothing found". */
typedef enum {
    CLI_OPTION_FLAG,
    CLI_OPTION_TEXT,
    CLI_OPTION_NUMBER,
    CLI_OPTION_UNIT
} cli_option_kind_t;

typedef struct {
    const char *name;       /* long name without the dashes: "unit" */
    cli_option_kind_t kind; /* see above */
    void *target;           /* bool *, const char ** or uint64_t * */
} cli_option_t;

/* Parse argv (the words after the command name) against options, which
   ends with a NULL name. --json, --data, --config, --id and --help are
   accepted everywhere. Words that are not options go to positionals (at most
   positional_max, count in *positional_count). Returns CLI_EXIT_OK, or
   CLI_EXIT_USAGE after printing why, or CLI_HELP_SHOWN when --help was
   asked for and the usage has been printed. */
int cli_options_parse (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                       char **positionals, size_t positional_max, size_t *positional_count);

/* cli_options_parse for a command of exactly want words (into words):
   any other number of them is a usage error that says usage. */
int cli_options_words (cli_t *cli, int argc, char **argv, const cli_option_t *options, char **words,
                       size_t want, const char *usage);

/* Send request to service and wait for its reply. On failure, prints the
   error (as text on stderr, or JSON on stdout with --json) and returns the
   exit code; on success returns CLI_EXIT_OK and reply must be freed with
   bs_codec_record_free. The idempotency key is cli->id (the --id option),
   or a fresh one. When no reply came, so that a change may or may not
   have been made, the error says how to run the command again with its
   key, to make the change at most once. */
int cli_call (cli_t *cli, const char *service, const bs_schema_t *request_schema,
              const void *request, const bs_schema_t *reply_schema, void *reply);

/* cli_call, but a refusal that gives a reason (docs/API.md, "Reasons") is
   not printed: it goes to *refusal, for the command to say in its own words
   (what to run instead), and the exit code is returned. With refusal NULL
   it is cli_call. */
int cli_call_refusal (cli_t *cli, const char *service, const bs_schema_t *request_schema,
                      const void *request, const bs_schema_t *reply_schema, void *reply,
                      bs_error_t *refusal);

/* cli_call, then cli_show of its reply: the whole of most commands. */
int cli_ask (cli_t *cli, const char *service, const bs_schema_t *request_schema,
             const void *request, const bs_schema_t *reply_schema, cli_print_fn *print,
             const void *context);

/* A report named on the command line by its id (123) or its registration
   number (2026-000123, looked up at intake). Prints the problem and returns
   its exit code when word names no report. */
int cli_report_id (cli_t *cli, const char *word, uint64_t *report_id);

/* Print a receipt (intake.submitted) for a person: "registered 2026-000001
   (report 1)", "duplicate of ...", "revised ...: version 2", "held as N". */
void cli_receipt_print (const bs_submitted_t *receipt);

/* cli_call of a request answered by a receipt, then print it (or its JSON
   with --json). */
int cli_receipt_ask (cli_t *cli, const char *service, const bs_schema_t *schema,
                     const void *request);

/* Set up czmq for a command that uses sockets (quiet czmq logging). */
void cli_sockets_init (void);

/* How long the CLI waits for a service: *timeout_ms a try and *tries in
   all come in as the command's defaults and leave as the configuration
   sets them (request_timeout_ms, request_retries: file, --config or
   BAOSONG_REQUEST_TIMEOUT_MS and BAOSONG_REQUEST_RETRIES), at least
   cli->wait_ms a try. cli_call starts from 2 s and two tries; `status`
   from a quick 500 ms and one. */
void cli_patience (const cli_t *cli, int *timeout_ms, int *tries);

/* Guard stdout and stderr against what the data holds: from here on,
   every control character printed (ESC of a terminal escape sequence,
   CSI U+009B, BEL, backspace, CR ...) becomes U+FFFD, except newline and
   tab; CR is dropped. A report title can then neither recolour, retitle
   nor rewrite a person's terminal. Call first thing in main. At exit the
   guards are closed (what they hold written, their memory freed) and the
   original streams put back. */
void cli_output_guard (void);

/* The unguarded standard output, for bytes that must go out as they are
   (an attachment written to stdout). */
FILE *cli_output_raw (void);

/* The exit code for a bs_error code (unavailable -> 3, others -> 1). */
int cli_exit_code (int code);

/* Print an error: "baosong: <text>" on stderr, naming the field, or the
   JSON error object on stdout with --json. */
void cli_error_print (cli_t *cli, const bs_error_t *error);

/* Print record (of schema) as indented JSON on stdout; compact (one line)
   when compact is set. */
void cli_json_print (const bs_schema_t *schema, const void *record, bool compact);

/* The JSON value of a record, walking its schema (jansson json_t *, owned
   by the caller). */
void *cli_json_record (const bs_schema_t *schema, const void *record);

/* Print a jansson value on stdout and release it. */
void cli_json_print_value (void *value, bool compact);

/* "2026-11-28 10:03" (local) of a time in ms; "-" for 0. */
void cli_time_format (uint64_t at, char *buffer, size_t size);

/* 《name》, without doubling brackets already there, into buffer. */
void cli_periodical_format (const char *name, char *buffer, size_t size);

/* A text table with columns sized to their contents (Chinese characters
   count two columns). Cells are copied. */
typedef struct cli_table cli_table_t;

/* headers: column titles; a title starting with '>' is right-aligned (the
   '>' is not printed). */
cli_table_t *cli_table_new (size_t columns, const char *const *headers);
void cli_table_destroy (cli_table_t **self_p);

/* Set the widest a column may be; longer cells are cut with "…". */
void cli_table_set_max_width (cli_table_t *self, size_t column, size_t width);

/* Add a row of columns cells (NULL cells print as empty). */
int cli_table_add (cli_table_t *self, const char *const *cells);

/* Rows added so far. */
size_t cli_table_rows (cli_table_t *self);

void cli_table_print (cli_table_t *self, FILE *file);

/* Print the table to stdout, or `empty` when it has no rows, then destroy
   it. */
void cli_table_finish (cli_table_t **self_p, const char *empty);

/* Print the command line that ran ("baosong" and its words) to file, its
   --option (if given) replaced by --option value, quoted for the shell
   where needed (command_line.c). */
void cli_command_line_print (const cli_t *cli, FILE *file, const char *option, const char *value);

/* A listing (list.c): a page reply (one LIST of entries and, when more
   follow, a `next` cursor, a number or a text) shown as a table, a row an
   entry, then the command line that goes on: "more: baosong reports
   --limit 20 --after 40". */

/* Add entry's row (cells copied by cli_table_add) to table. */
typedef void (cli_row_fn) (cli_table_t *table, const void *entry, const void *context);

typedef struct {
    size_t columns;             /* columns of the table */
    const char *const *headers; /* their titles, as cli_table_new takes them */
    const size_t *widths;       /* widest each column may be (0: any), or NULL */
    cli_row_fn *row;            /* adds one entry's row */
    const char *empty;          /* printed instead of a table with no rows */
    cli_print_fn *footer;       /* prints under the table (page, context), or NULL */
} cli_list_t;

/* The --after and --limit options of a listing whose request has
   numeric `after` and `limit` fields. */
#define CLI_PAGE_OPTIONS(request)                                                                  \
    {"after", CLI_OPTION_NUMBER, &(request).after},                                                \
    {                                                                                              \
        "limit", CLI_OPTION_NUMBER, &(request).limit                                               \
    }

/* Print page (a record of page_schema) as list says; context goes to its
   row and footer functions. */
void cli_list_print (const cli_t *cli, const cli_list_t *list, const bs_schema_t *page_schema,
                     const void *page, const void *context);

/* cli_ask for a listing: the page as JSON with --json, else as list says.
   Returns an exit code. */
int cli_list (cli_t *cli, const char *service, const bs_schema_t *request_schema,
              const void *request, const bs_schema_t *page_schema, const cli_list_t *list,
              const void *context);

/* Show a reply: as JSON with --json, else with print (given context), then
   free it. Returns CLI_EXIT_OK. */
int cli_show (cli_t *cli, const bs_schema_t *schema, void *reply, cli_print_fn *print,
              const void *context);

/* The columns text takes on a terminal (wide characters count 2). */
size_t cli_display_width (const char *text);

/* Who acts: the holder of the CLI's certificate (options.c), never a
   name or role typed on the command line: the services check the
   principal the certificate proves (bs_principal.h). cli_acting_load reads
   it once the configuration is loaded; until then, or without keys, the
   administrator. cli_person is its officer's login (operator) or its name
   (admin). cli_role is the first role of accepted (a comma list, the
   roles a command takes, e.g. CLI_ROLES_LEAD) the certificate holds, else
   the first of editor, leader, publisher, admin, officer it holds (the
   service then says the role may not). */
#define CLI_ROLES_DESK "editor,leader,admin" /* review's desk work */
#define CLI_ROLES_LEAD "leader,admin"        /* reverts, critique sessions */
void cli_acting_load (bs_config_t *config);
const char *cli_person (void);
const char *cli_role (const char *accepted);

/* Parse options and the one case a command names (report id or
   registration number) into report_id. Returns an exit code, or -1 after
   --help. */
int cli_case_argument (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                       uint64_t *report_id);

/* The reports named by count words into list (items malloc'd, the
   caller's to free, even on failure). Returns an exit code. */
int cli_report_ids (cli_t *cli, char **words, size_t count, bs_u64_list_t *list);

/* Print a review case for a person (a cli_print_fn). */
void cli_case_print (const void *reply, const void *context);

/* Units of intake's registry (unit_lookup.c): calls call.c, not options.c */

/* Call each on every unit of intake's registry, in name order, until it
   returns false. Returns an exit code (of the calls to intake). */
typedef bool (cli_unit_fn) (const bs_unit_t *unit, void *context);
int cli_units_each (cli_t *cli, cli_unit_fn *each, void *context);

/* CLI_EXIT_OK when unit is NULL, "" or registered in intake; else say in
   English and Chinese that the unit is unknown (naming it) and return
   CLI_EXIT_REFUSED. A listing filtered by an unknown unit would otherwise
   say only that it found nothing. */
int cli_unit_known (cli_t *cli, const char *unit);

/* The units a commission or notice goes to: the comma list units, or
   every enabled unit of tier (a level or kind) in intake's registry;
   exactly one of them. On success list->items (malloc'd) point into
   *names (malloc'd); the caller frees both, also after a failure. Returns
   an exit code. */
int cli_units_argument (cli_t *cli, const char *units, const char *tier, char **names,
                        bs_list_t *list);

/* Parse options and the one id (a number from 1) of a commission or
   notice (what) into id. Returns an exit code, or -1 after --help. */
int cli_id_argument (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                     const char *what, uint64_t *id);

/* Make the certificates of an installation that are missing from folder
   (bs_keys_ensure with the services `baosong up` runs): `baosong init`,
   and `baosong up` before it starts anything. */
int cli_keys_ensure (cli_t *cli, const char *folder, size_t *created, bs_error_t *error);

/* A subcommand (`topic create`, `session open`): name and function. */
typedef struct {
    const char *name;
    cli_command_fn *run;
} cli_subcommand_t;

/* Run the subcommand argv[0] names from table (ends with a NULL name),
   with the rest of argv; --help and --json before it work as anywhere. */
int cli_dispatch (cli_t *cli, int argc, char **argv, const cli_subcommand_t *table);

/* Commands, one function each (commands_*.c, up.c). */
int cli_cmd_up (cli_t *cli, int argc, char **argv);
int cli_cmd_init (cli_t *cli, int argc, char **argv);
int cli_cmd_cert (cli_t *cli, int argc, char **argv);
int cli_cmd_status (cli_t *cli, int argc, char **argv);
int cli_cmd_config (cli_t *cli, int argc, char **argv);
int cli_cmd_schemas (cli_t *cli, int argc, char **argv);
int cli_cmd_submit (cli_t *cli, int argc, char **argv);
int cli_cmd_phone (cli_t *cli, int argc, char **argv);
int cli_cmd_walk_in (cli_t *cli, int argc, char **argv);
int cli_cmd_batch (cli_t *cli, int argc, char **argv);
int cli_cmd_attachment (cli_t *cli, int argc, char **argv);
int cli_cmd_unit (cli_t *cli, int argc, char **argv);
int cli_cmd_officer (cli_t *cli, int argc, char **argv);
int cli_cmd_token (cli_t *cli, int argc, char **argv);
int cli_cmd_held (cli_t *cli, int argc, char **argv);
int cli_cmd_report (cli_t *cli, int argc, char **argv);
int cli_cmd_reports (cli_t *cli, int argc, char **argv);
int cli_cmd_queue (cli_t *cli, int argc, char **argv);
int cli_cmd_case (cli_t *cli, int argc, char **argv);
int cli_cmd_decide (cli_t *cli, int argc, char **argv);
int cli_cmd_claim (cli_t *cli, int argc, char **argv);
int cli_cmd_release (cli_t *cli, int argc, char **argv);
int cli_cmd_revert (cli_t *cli, int argc, char **argv);
int cli_cmd_edit (cli_t *cli, int argc, char **argv);
int cli_cmd_diff (cli_t *cli, int argc, char **argv);
int cli_cmd_audit (cli_t *cli, int argc, char **argv);
int cli_cmd_synthesize (cli_t *cli, int argc, char **argv);
int cli_cmd_topic (cli_t *cli, int argc, char **argv);
int cli_cmd_session (cli_t *cli, int argc, char **argv);
int cli_cmd_commission (cli_t *cli, int argc, char **argv);
int cli_cmd_withdraw (cli_t *cli, int argc, char **argv);
int cli_cmd_notice (cli_t *cli, int argc, char **argv);
int cli_cmd_pending (cli_t *cli, int argc, char **argv);
int cli_cmd_issue (cli_t *cli, int argc, char **argv);
int cli_cmd_periodicals (cli_t *cli, int argc, char **argv);
int cli_cmd_forward (cli_t *cli, int argc, char **argv);
int cli_cmd_outbox (cli_t *cli, int argc, char **argv);
int cli_cmd_upward (cli_t *cli, int argc, char **argv);
int cli_cmd_adoption (cli_t *cli, int argc, char **argv);
int cli_cmd_instruct (cli_t *cli, int argc, char **argv);
int cli_cmd_follow_up (cli_t *cli, int argc, char **argv);
int cli_cmd_instructions (cli_t *cli, int argc, char **argv);

/* `issue` subcommands of commands_issue_edit.c. */

/* Parse options, an issue id and the reports after it (ids or
   registration numbers, at least `least` of them) into issue_id and
   report_ids (items malloc'd, the caller's to free, also after a
   failure). missing is the usage error when words are missing. Returns an
   exit code. */
int cli_issue_reports_argument (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                                size_t least, const char *missing, uint64_t *issue_id,
                                bs_u64_list_t *report_ids);
int cli_issue_remove (cli_t *cli, int argc, char **argv);
int cli_issue_move (cli_t *cli, int argc, char **argv);
int cli_issue_edit_item (cli_t *cli, int argc, char **argv);
int cli_issue_edit (cli_t *cli, int argc, char **argv);
int cli_issue_signoff_ask (cli_t *cli, int argc, char **argv);
int cli_issue_signoff (cli_t *cli, int argc, char **argv);
int cli_issue_erratum (cli_t *cli, int argc, char **argv);
int cli_issue_errata (cli_t *cli, int argc, char **argv);

/* `search` (commands_search.c). */
int cli_cmd_search (cli_t *cli, int argc, char **argv);

/* `issue render` (commands_render.c). */
int cli_issue_render (cli_t *cli, int argc, char **argv);
/* Write a file a service made to output (NULL: its name filename; "-":
   standard output) and say "wrote NAME (FORMAT, N bytes)" unless it went
   to standard output. Returns an exit code, after saying what failed. */
int cli_file_write (const char *output, const char *filename, const char *format,
                    const bs_bytes_t *content);
/* `rules`, `scores`, `authors` (commands_scores.c), `bulletin`, `export`
   (commands_bulletins.c). */
int cli_cmd_rules (cli_t *cli, int argc, char **argv);
int cli_cmd_scores (cli_t *cli, int argc, char **argv);
int cli_cmd_authors (cli_t *cli, int argc, char **argv);
int cli_cmd_bulletin (cli_t *cli, int argc, char **argv);
int cli_cmd_export (cli_t *cli, int argc, char **argv);

/* Call publication with request and print the bs_issue_t reply
   (issue_output.c). Returns an exit code. */
int cli_issue_call (cli_t *cli, const bs_schema_t *schema, const void *request);

/* An issue's name as on its cover: 《組工信息》2026年第3期（總第3期）. */
void cli_issue_title (const bs_issue_t *issue, char *buffer, size_t size);

int cli_cmd_stats (cli_t *cli, int argc, char **argv);
int cli_cmd_ranking (cli_t *cli, int argc, char **argv);
int cli_cmd_feed (cli_t *cli, int argc, char **argv);

#endif
