/*  bs_curl: run curl as a test's HTTP client, the way a person or a script
    would: a real process, real sockets, the exact bytes given.

    Each call spawns `curl -sS --max-time 60 -o <file> -w %{http_code}`
    with the caller's arguments (no shell: Chinese text, quotes and bytes
    that are not UTF-8 go through as they are), and returns the HTTP status
    (0 when curl could not connect) and the body. Calls can run side by
    side: start many, then finish each.
*/
#ifndef BS_CURL_H_INCLUDED
#define BS_CURL_H_INCLUDED

#include <stddef.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;       /* the curl process */
    int fd;          /* its stdout: the status code */
    char path[1200]; /* its -o: the body */
    size_t size;     /* bytes of the body, after finish */
} bs_curl_t;

/* Start curl with arguments (NULL-terminated); the body goes to a file in
   folder. */
void bs_curl_start (bs_curl_t *self, const char *folder, const char *const *arguments);

/* Wait for it: the HTTP status; the body (NUL-terminated, self->size bytes)
   into *body, which the caller frees (NULL: dropped). */
int bs_curl_finish (bs_curl_t *self, char **body);

/* Start and finish; arguments end with NULL. */
int bs_curl (const char *folder, char **body, size_t *size, ...);

#endif
