/*  bs_curl: curl as a test's HTTP client; see bs_curl.h. */
#include "bs_curl.h"

#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_test.h"

extern char **environ;

void
bs_curl_start (bs_curl_t *self, const char *folder, const char *const *arguments)
{
    static int calls;
    snprintf (self->path, sizeof self->path, "%s/curl-%d-%d.out", folder, (int) getpid (), calls++);
    self->size = 0;
    const char *argv[64] = {"curl", "-sS",      "--max-time", "60",
                            "-o",   self->path, "-w",         "%{http_code}"};
    int count = 8;
    for (int i = 0; arguments[i]; i++) {
        assert_true (count < 63);
        argv[count++] = arguments[i];
    }
    argv[count] = NULL;
    int pipe_fds[2];
    assert_int_equal (pipe (pipe_fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_adddup2 (&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addclose (&actions, pipe_fds[0]);
    int rc = posix_spawnp (&self->pid, "curl", &actions, NULL, (char **) argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    close (pipe_fds[1]);
    if (rc != 0)
        fail_msg ("cannot run curl: %s", strerror (rc));
    self->fd = pipe_fds[0];
}

int
bs_curl_finish (bs_curl_t *self, char **body)
{
    char status[16] = "";
    size_t size = 0;
    ssize_t got;
    while (size < sizeof status - 1
           && (got = read (self->fd, status + size, sizeof status - 1 - size)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        size += (size_t) got;
    }
    close (self->fd);
    int exit_status;
    while (waitpid (self->pid, &exit_status, 0) == -1 && errno == EINTR)
        ;
    FILE *file = fopen (self->path, "rb");
    char *text = NULL;
    size_t length = 0;
    if (file) {
        fseek (file, 0, SEEK_END);
        length = (size_t) ftell (file);
        fseek (file, 0, SEEK_SET);
        text = calloc (1, length + 1);
        if (fread (text, 1, length, file) != length)
            length = 0;
        fclose (file);
        unlink (self->path);
    }
    self->size = length;
    if (body)
        *body = text ? text : strdup ("");
    else
        free (text);
    return atoi (status);
}

int
bs_curl (const char *folder, char **body, size_t *size, ...)
{
    const char *arguments[56];
    int count = 0;
    va_list list;
    va_start (list, size);
    const char *argument;
    while ((argument = va_arg (list, const char *)) != NULL) {
        assert_true (count < 55);
        arguments[count++] = argument;
    }
    va_end (list);
    arguments[count] = NULL;
    bs_curl_t call;
    bs_curl_start (&call, folder, arguments);
    int status = bs_curl_finish (&call, body);
    if (size)
        *size = call.size;
    return status;
}
