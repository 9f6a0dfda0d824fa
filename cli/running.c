/*  running: which system a command talks to, from whatever folder it is
    typed in.

    A command talks to the system whose data folder it is given: --data,
    BAOSONG_DATA_DIR, or data_dir in a configuration file (--config,
    BAOSONG_CONFIG, the installed package's file). Given none, it takes
    ./var when a `baosong up` runs there; else the system that the last
    `baosong up` of this user recorded in the run file, if that `up` still
    runs. So `baosong status` works from any folder, and says which system
    it asked.

    The run file is $BAOSONG_RUN_FILE, else $XDG_RUNTIME_DIR/baosong/up,
    else ~/.local/state/baosong/up. It holds two lines: the absolute data
    folder and the configuration file `up` was given (an empty line for
    none). Whether an `up` still runs is read from <data>/up.lock, which
    holds the supervisor's pid while it runs.
*/
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The data folder and configuration the run file named, when a command
   took them from it (cli->data_dir and cli->config_path point here). */
static char s_found_data[PATH_MAX];
static char s_found_config[PATH_MAX];

bool
cli_pid_runs (long pid, const char *program)
{
    if (pid <= 1)
        return false;
    char link[64], target[PATH_MAX];
    snprintf (link, sizeof link, "/proc/%ld/exe", pid);
    ssize_t length = readlink (link, target, sizeof target - 1);
    if (length <= 0)
        return false;
    target[length] = 0;
    const char *base = strrchr (target, '/');
    base = base ? base + 1 : target;
    size_t size = strlen (program);
    /* " (deleted)" follows the name when the program was rebuilt meanwhile. */
    return strncmp (base, program, size) == 0
           && (base[size] == 0 || strcmp (base + size, " (deleted)") == 0);
}

bool
cli_up_runs (const char *data_dir)
{
    char path[PATH_MAX + 16], text[32] = "";
    snprintf (path, sizeof path, "%s/up.lock", data_dir);
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    long pid = 0;
    if (!fgets (text, sizeof text, file) || sscanf (text, "%ld", &pid) != 1)
        pid = 0;
    fclose (file);
    return cli_pid_runs (pid, "baosong");
}

/* The run file's path into buffer; false when there is no home to put it. */
static bool
s_run_file (char *buffer, size_t size)
{
    const char *given = getenv ("BAOSONG_RUN_FILE");
    const char *runtime = getenv ("XDG_RUNTIME_DIR");
    const char *home = getenv ("HOME");
    if (given && *given)
        snprintf (buffer, size, "%s", given);
    else if (runtime && *runtime == '/')
        snprintf (buffer, size, "%s/baosong/up", runtime);
    else if (home && *home == '/')
        snprintf (buffer, size, "%s/.local/state/baosong/up", home);
    else
        return false;
    return true;
}

const char *
cli_run_file (void)
{
    static char path[PATH_MAX];
    return s_run_file (path, sizeof path) ? path : NULL;
}

/* mkdir -p of the folders above path, private to this user. */
static void
s_make_parents (const char *path)
{
    char folder[PATH_MAX];
    snprintf (folder, sizeof folder, "%s", path);
    for (char *slash = strchr (folder + 1, '/'); slash; slash = strchr (slash + 1, '/')) {
        *slash = 0;
        if (mkdir (folder, 0700) == -1 && errno != EEXIST)
            return;
        *slash = '/';
    }
}

void
cli_running_record (const char *data_dir, const char *config_path)
{
    const char *path = cli_run_file ();
    if (!path)
        return;
    char config[PATH_MAX] = "";
    if (config_path && !realpath (config_path, config))
        snprintf (config, sizeof config, "%s", config_path);
    s_make_parents (path);
    char temporary[PATH_MAX + 16];
    snprintf (temporary, sizeof temporary, "%s.%ld", path, (long) getpid ());
    FILE *file = fopen (temporary, "w");
    if (!file)
        return;
    bool written = fprintf (file, "%s\n%s\n", data_dir, config) > 0;
    if (fclose (file) != 0 || !written || rename (temporary, path) == -1)
        unlink (temporary);
}

/* Read the run file's two lines into s_found_data and s_found_config. */
static bool
s_read_run_file (void)
{
    const char *path = cli_run_file ();
    FILE *file = path ? fopen (path, "r") : NULL;
    if (!file)
        return false;
    bool read = fgets (s_found_data, sizeof s_found_data, file) != NULL;
    if (!fgets (s_found_config, sizeof s_found_config, file))
        *s_found_config = 0;
    fclose (file);
    s_found_data[strcspn (s_found_data, "\n")] = 0;
    s_found_config[strcspn (s_found_config, "\n")] = 0;
    return read && *s_found_data == '/';
}

void
cli_running_forget (const char *data_dir)
{
    const char *path = cli_run_file ();
    if (path && s_read_run_file () && strcmp (s_found_data, data_dir) == 0)
        unlink (path);
    *s_found_data = *s_found_config = 0;
}

bool
cli_running_find (cli_t *cli)
{
    if (cli->data_dir || cli->config_path || getenv ("BAOSONG_DATA_DIR")
        || getenv ("BAOSONG_CONFIG"))
        return false;
    /* `up` and `init` make a system where they are told, ./var by default. */
    if (cli->command && (strcmp (cli->command, "up") == 0 || strcmp (cli->command, "init") == 0))
        return false;
    /* The default data folder is ./var: a configuration file may have
       named another, which is then what was given. */
    char here[PATH_MAX], local[PATH_MAX + 8];
    if (!getcwd (here, sizeof here))
        return false;
    snprintf (local, sizeof local, "%s/var", here);
    const char *data_dir = bs_config_get (cli->config, "data_dir");
    if (strcmp (data_dir, local) != 0 || cli_up_runs (local))
        return false;
    if (!s_read_run_file () || !cli_up_runs (s_found_data))
        return false;
    cli->data_dir = s_found_data;
    cli->config_path = *s_found_config ? s_found_config : NULL;
    cli->found_running = true;
    return true;
}
