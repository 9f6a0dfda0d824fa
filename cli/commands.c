/*  commands: the table of `baosong` commands (name, function, summary,
    usage) that main.c looks the command up in and `baosong help` lists.
    Every command file is reached from here; none calls back.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int s_cmd_help (cli_t *cli, int argc, char **argv);

const cli_command_t cli_commands[] = {
    {"up", cli_cmd_up, "run every service on this machine until Ctrl-C", "up"},
    {"status", cli_cmd_status, "say which services are running",
     "status [SERVICE...]\n"
     "  Only the services named (intake, review, publication, statistics, mail,\n"
     "  gateway) when any are: exit status 0 if they all answer, 3 if not\n"
     "  (a container's or unit's health check)."},
    {"init", cli_cmd_init, "make the certificates of every service and client (keys folder)",
     "init"},
    {"cert", cli_cmd_cert, "add, list, revoke and reload certificates (who may reach the services)",
     "cert add NAME [--kind operator|admin|gateway|mail|service] [--login LOGIN]\n"
     "               [--unit UNIT] [--roles ROLE,...]   (operator: --login is required)\n"
     "       baosong cert list\n"
     "       baosong cert revoke NAME\n"
     "       baosong cert reload\n"
     "  add and revoke make every running service read its keys folder again;\n"
     "  reload asks that alone (exit 3 when a service was not reached)."},
    {"submit", cli_cmd_submit, "register a report",
     "submit --unit UNIT --title TITLE [--body TEXT | --body-file FILE] [--kind KIND]\n"
     "               [--urgent] [--topic TOPIC] [--channel CHANNEL] [--operator NAME]\n"
     "               [--officer LOGIN] [--token SECRET] [--sender ADDRESS] [--key KEY]\n"
     "               [--message-id ID] [--revision-of REG_NO] [--attach FILE\n"
     "               [--content-type TYPE]] [--commission N] [--id KEY]\n"
     "  The body is read from standard input when neither --body nor --body-file\n"
     "  is given. --id KEY makes a retried submission register the report once.\n"
     "  The default channel is walk_in, keyed in by --operator (default $USER).\n"
     "  --revision-of sends a new version of a report returned for revision.\n"
     "  --commission N answers commission (約稿) N (also on phone and walk-in)."},
    {"phone", cli_cmd_phone, "record a report phoned in to the hotline",
     "phone --caller NUMBER --operator NAME --title TITLE [--body TEXT | --body-file FILE]\n"
     "               [--unit UNIT] [--called-at MS] [--kind KIND] [--key KEY] ...\n"
     "  The caller number names the unit (an officer's phone); --unit names it\n"
     "  for an unknown caller."},
    {"walk-in", cli_cmd_walk_in, "key in a report handed over in person",
     "walk-in --unit UNIT --operator NAME --title TITLE [--body TEXT | --body-file FILE]\n"
     "               [--kind KIND] [--attach FILE] ..."},
    {"batch", cli_cmd_batch, "send a direct batch (直報) of reports from a JSON file",
     "batch FILE.json --token SECRET [--id KEY]\n"
     "  FILE holds [{\"key\": ..., \"title\": ..., \"body\": ..., \"kind\": ...}, ...]\n"
     "  (or {\"items\": [...]}); every item needs its own key. --id makes a\n"
     "  retried batch the same batch."},
    {"unit", cli_cmd_unit, "register, change and list reporting units",
     "unit add|set NAME --level township|county|city|province [--parent UNIT]\n"
     "               [--kind department|section|key_unit] [--disabled]\n"
     "       baosong unit list [--parent UNIT] [--after NAME] [--limit N]\n"
     "  add registers a new unit and refuses a name taken; set changes a unit\n"
     "  (every field as given: an option left out is its default)."},
    {"officer", cli_cmd_officer, "register, list and show officers",
     "officer add LOGIN --name NAME [--unit UNIT] [--roles officer,editor,...]\n"
     "               [--email A,B] [--phone N,M] [--password P | --password-stdin]\n"
     "               [--disabled]\n"
     "       baosong officer list [--unit UNIT]\n"
     "       baosong officer show LOGIN"},
    {"token", cli_cmd_token, "create and revoke API tokens for direct reporting",
     "token create NAME --unit UNIT   (prints the secret once)\n"
     "       baosong token revoke NAME"},
    {"held", cli_cmd_held, "list mail held for an unknown sender, assign it a unit",
     "held list [--after ID] [--limit N]\n"
     "       baosong held assign HOLD_ID --unit UNIT [--staff NAME]"},
    {"report", cli_cmd_report, "show one report, its provenances and versions",
     "report [show] REPORT_ID|REG_NO [--version N]"},
    {"attachment", cli_cmd_attachment, "save an attachment of a report",
     "attachment REPORT_ID|REG_NO INDEX [--version N] [--output FILE]\n"
     "  Without --output the bytes go to standard output."},
    {"reports", cli_cmd_reports, "list registered reports", "reports [--after ID] [--limit N]"},
    {"queue", cli_cmd_queue, "list the review queue (urgent first) and who holds what",
     "queue [--limit N] [--all] [--after ID] [--unit UNIT]\n"
     "  --all lists every case, decided ones too, by report id; --unit one unit's\n"
     "  cases with their critiques and scores (its feedback)."},
    {"case", cli_cmd_case, "show one review case", "case REPORT_ID|REG_NO"},
    {"claim", cli_cmd_claim, "claim a case before deciding it (a lease)",
     "claim REPORT_ID|REG_NO\n"
     "  Every command acts as the holder of the CLI's certificate (admin, or the\n"
     "  officer of BAOSONG_CERTIFICATE), in a role it holds."},
    {"release", cli_cmd_release, "give a claimed case back to the queue",
     "release REPORT_ID|REG_NO"},
    {"decide", cli_cmd_decide, "adopt, return, decline or forward a claimed case",
     "decide REPORT_ID|REG_NO... adopt|return|decline|forward --critique TEXT\n"
     "               [--periodical NAME] [--scores CRITERION=N,...] [--claim]\n"
     "  --claim claims a case nobody holds and decides it in one step (both are\n"
     "  in its audit trail); a case another editor holds is refused. Several\n"
     "  reports (at most 200) get the same decision in one command (批量審核):\n"
     "  one line each, a refused one does not stop the others."},
    {"revert", cli_cmd_revert, "take a decision back (leader or admin)",
     "revert REPORT_ID|REG_NO --reason TEXT"},
    {"edit", cli_cmd_edit, "edit the copy of a claimed case (the original is kept)",
     "edit REPORT_ID|REG_NO [--title TEXT] [--body TEXT]"},
    {"diff", cli_cmd_diff, "show a case's original and edited text", "diff REPORT_ID|REG_NO"},
    {"audit", cli_cmd_audit, "list every action on a case", "audit REPORT_ID|REG_NO"},
    {"synthesize", cli_cmd_synthesize, "combine reports into one synthesized item",
     "synthesize --title TEXT --body TEXT [--urgent] REPORT_ID|REG_NO..."},
    {"topic", cli_cmd_topic, "create, rename, close and list topics; assign cases",
     "topic create NAME\n"
     "       baosong topic rename TOPIC_ID NAME\n"
     "       baosong topic close TOPIC_ID\n"
     "       baosong topic list [--all]\n"
     "       baosong topic assign REPORT_ID|REG_NO TOPIC_ID\n"
     "       baosong topic cases TOPIC_ID [--after ID] [--limit N]"},
    {"session", cli_cmd_session, "hold a critique session over cases (leaders)",
     "session open --title TEXT REPORT_ID|REG_NO...\n"
     "       baosong session comment SESSION_ID REPORT_ID|REG_NO --comment TEXT\n"
     "       baosong session close SESSION_ID\n"
     "       baosong session show SESSION_ID"},
    {"commission", cli_cmd_commission, "commission reports (約稿) from units; follow answers",
     "commission create --title TEXT --deadline TIME (--units A,B | --tier LEVEL|KIND)\n"
     "               [--brief TEXT] [--topic NAME] [--remind TIME] [--scored]\n"
     "       baosong commission list [--unit UNIT] [--open] [--after ID] [--limit N]\n"
     "       baosong commission show COMMISSION_ID\n"
     "       baosong commission extend COMMISSION_ID --deadline TIME --reason TEXT\n"
     "       baosong commission cancel COMMISSION_ID --reason TEXT\n"
     "  TIME is YYYY-MM-DD [HH:MM] (local), +36h or +3d from now. Units answer\n"
     "  with `submit --commission ID`\n"
     "  (any channel) or a mail whose subject holds [約稿ID]."},
    {"withdraw", cli_cmd_withdraw, "withdraw a report before an editor claims it (撤回)",
     "withdraw REPORT_ID|REG_NO --unit UNIT --reason TEXT"},
    {"notice", cli_cmd_notice, "send notices and reporting guidance to units; read receipts",
     "notice send --title TEXT --body TEXT (--units A,B | --tier LEVEL|KIND)\n"
     "               [--kind notice|guidance]\n"
     "       baosong notice list [--unit UNIT] [--kind KIND] [--after ID] [--limit N]\n"
     "       baosong notice show NOTICE_ID\n"
     "       baosong notice read NOTICE_ID --unit UNIT\n"
     "  notice (通知) or guidance (報送要點); `read` records that the officer read it."},
    {"pending", cli_cmd_pending, "list adopted reports waiting for an issue",
     "pending [--periodical NAME] [--after ID] [--limit N]"},
    {"issue", cli_cmd_issue, "create, fill, publish and show periodical issues",
     "issue create PERIODICAL [--series 專刊|增刊] [--year YEAR]\n"
     "       baosong issue add ISSUE_ID REPORT_ID|REG_NO... [--section NAME]\n"
     "       baosong issue remove ISSUE_ID REPORT_ID|REG_NO...\n"
     "       baosong issue move ISSUE_ID REPORT_ID|REG_NO POSITION\n"
     "       baosong issue edit-item ISSUE_ID REPORT_ID|REG_NO [--title T] [--body B]\n"
     "             [--section S] [--note 編者按] [--credit UNITS] [--author NAME]\n"
     "       baosong issue edit ISSUE_ID [--note 編者按] [--editor 責任編輯]\n"
     "       baosong issue ask-signoff ISSUE_ID\n"
     "       baosong issue signoff ISSUE_ID\n"
     "       baosong issue publish ISSUE_ID\n"
     "       baosong issue show ISSUE_ID\n"
     "       baosong issue list [--periodical NAME] [--after ID] [--limit N]\n"
     "       baosong issue erratum ISSUE_ID TEXT [--report REPORT_ID|REG_NO]\n"
     "       baosong issue errata ISSUE_ID\n"
     "       baosong issue render ISSUE_ID [--format pdf|docx|html|txt] [--output FILE|-]"},
    {"periodicals", cli_cmd_periodicals, "list the periodicals publication keeps; add or change one",
     "periodicals\n"
     "       baosong periodicals put NAME --code CODE --level LEVEL [--issuing-unit UNIT]\n"
     "               [--upward] [--signoff]"},
    {"forward", cli_cmd_forward, "send an issue's items to the level above (上報)",
     "forward ISSUE_ID [REPORT_ID|REG_NO...]"},
    {"outbox", cli_cmd_outbox, "what was sent upward and where it stands",
     "outbox [--due] [--after ID] [--limit N]"},
    {"upward", cli_cmd_upward, "a report's sends upward and its adoptions above",
     "upward REPORT_ID|REG_NO"},
    {"adoption", cli_cmd_adoption, "record an adoption by an outside outlet (採用)",
     "adoption REPORT_ID|REG_NO --level county|city|province|central --outlet NAME\n"
     "       [--issue 第N期]"},
    {"instruct", cli_cmd_instruct, "record a leader's comment (領導批示) on a report",
     "instruct REPORT_ID|REG_NO --leader NAME --level LEVEL --text TEXT [--issue ID]\n"
     "       [--days N]"},
    {"follow-up", cli_cmd_follow_up, "a unit's answer to a leader's comment (落實反饋)",
     "follow-up COMMENT_ID TEXT [--unit UNIT]"},
    {"instructions", cli_cmd_instructions, "leaders' comments and overdue follow-ups",
     "instructions [--unit UNIT] [--report REPORT_ID|REG_NO] [--overdue] [--after ID]"},
    {"search", cli_cmd_search, "search the published issues' items (檢索)",
     "search WORDS... [--periodical NAME] [--unit UNIT] [--from YYYY-MM-DD]\n"
     "       [--to YYYY-MM-DD] [--level county|city|province|central] [--offset N]\n"
     "       [--limit N]\n"
     "  Every word must occur; Simplified and Traditional spellings find each\n"
     "  other. --level: published at that level or adopted there."},
    {"stats", cli_cmd_stats, "figures per unit and period, every unit in tree order",
     "stats [--period PERIOD] [--basis published|decided|received] [--unit UNIT]\n"
     "       [--tier TIER] [--dimension channel|kind|topic|periodical] [--rollup]\n"
     "  PERIOD: 2026-11, 2026-Q1, 2026-H2, 2026, 2026-11-03, 2026-03-15..2026-05-10\n"
     "  TIER: province, city, county, township, section, key_unit"},
    {"ranking", cli_cmd_ranking, "rank units within their tier (ties share a rank)",
     "ranking [--period PERIOD] [--by FIGURE] [--tier TIER] [--basis BASIS] [--rollup]\n"
     "  FIGURE: adopted (default), submitted, published, adopted_province, ..."},
    {"scores", cli_cmd_scores, "points, rewards, quotas and the 100-point assessment",
     "scores [--period PERIOD] [--by score|points|reward|penalty|quota_done|FIGURE]\n"
     "       [--tier TIER] [--unit UNIT] [--basis BASIS] [--rollup] [--rules VERSION]\n"
     "  every unit ranked within its tier, with the rules version in force (or VERSION)"},
    {"authors", cli_cmd_authors, "points, rewards and figures per author (the officer who wrote)",
     "authors [--period PERIOD] [--unit UNIT] [--by points|reward|FIGURE] [--basis BASIS]\n"
     "       [--rules VERSION]\n"
     "  every author with a figure in the period, ranked overall and within the unit"},
    {"rules", cli_cmd_rules, "show, list or load the scoring rules (a versioned INI file)",
     "rules show [--version N]\n"
     "       baosong rules list [--limit N]\n"
     "       baosong rules load FILE\n"
     "  list: every version, newest first, who loaded it and when, the one in force;\n"
     "  a bad file is refused with its line number; the rules in force stay"},
    {"bulletin", cli_cmd_bulletin, "issue and render monthly notices and quarterly bulletins",
     "bulletin issue monthly|quarterly PERIOD [--basis BASIS]\n"
     "       PERIOD: 2026-11 (monthly), 2026-Q4 (quarterly), once it has ended\n"
     "       baosong bulletin list [--kind monthly|quarterly]\n"
     "       baosong bulletin show BULLETIN_ID\n"
     "       baosong bulletin render BULLETIN_ID [--format pdf|xlsx|csv|html] [--output FILE|-]\n"
     "  an issued bulletin never changes; the next one shows corrections"},
    {"export", cli_cmd_export, "a figure table as CSV or XLSX",
     "export figures|scores [--format csv|xlsx] [--output FILE|-] [--period PERIOD]\n"
     "       [--unit UNIT] [--tier TIER] [--basis BASIS] [--dimension DIMENSION] [--rollup]\n"
     "       [--by BY] [--rules VERSION]"},
    {"feed", cli_cmd_feed, "print live statistics changes and escalations until Ctrl-C", "feed"},
    {"config", cli_cmd_config, "print the effective configuration", "config"},
    {"schemas", cli_cmd_schemas, "print every message and record (docs/API.md)", "schemas"},
    {"help", s_cmd_help, "print this help, or a command's", "help [COMMAND]"},
    {NULL, NULL, NULL, NULL},
};

void
cli_help_print (FILE *file)
{
    fprintf (file, "usage: baosong [--json] [--data DIR] [--config FILE] COMMAND [ARGS...]\n\n"
                   "Report, review, publish and count organization-work information.\n\n"
                   "Commands:\n");
    for (const cli_command_t *command = cli_commands; command->name; command++)
        fprintf (file, "  %-10s %s\n", command->name, command->summary);
    fprintf (file, "\nGlobal options:\n"
                   "  --json         print replies (and errors) as JSON on standard output\n"
                   "  --data DIR     the data folder (default ./var)\n"
                   "  --config FILE  a configuration file of key = value lines\n\n"
                   "Start with `baosong up` in one terminal; `baosong COMMAND --help` says more.\n"
                   "Exit codes: 0 ok, 1 refused by a service, 2 usage error, 3 service not "
                   "running.\n");
}

const cli_command_t *
cli_command_find (const char *name)
{
    for (const cli_command_t *command = cli_commands; command->name; command++)
        if (strcmp (command->name, name) == 0)
            return command;
    return NULL;
}

void
cli_usage_print (const cli_command_t *command, FILE *file)
{
    fprintf (file, "usage: baosong %s\n", command->usage);
}

static int
s_cmd_help (cli_t *cli, int argc, char **argv)
{
    char *names[1];
    size_t count = 0;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, names, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count == 0) {
        cli_help_print (stdout);
        return CLI_EXIT_OK;
    }
    const cli_command_t *command = cli_command_find (names[0]);
    if (!command)
        return cli_usage_error (cli, "no command '%s' (see `baosong help`)", names[0]);
    printf ("%s: %s\n", command->name, command->summary);
    cli_usage_print (command, stdout);
    return CLI_EXIT_OK;
}
