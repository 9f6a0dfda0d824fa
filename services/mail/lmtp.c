/*  mail_lmtp: LMTP over TCP, a thread per connection; see lmtp.h. */
#include "lmtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_log.h"

#define S_SESSIONS_MAX 256   /* ceiling of mail.lmtp_connections */
#define S_RECIPIENTS_MAX 100 /* RFC 5321's minimum a server must take */
#define S_COMMAND_MAX 4096   /* bytes of a command line */

typedef struct {
    pthread_t thread; /* its thread, valid while used */
    int fd;           /* its connection */
    atomic_bool done; /* the thread has finished: join it */
    bool used;        /* the slot holds a thread */
    struct mail_lmtp *server;
} s_slot_t;

struct mail_lmtp {
    mail_t *mail;                         /* not owned */
    int listener;                         /* listening socket */
    char address[300];                    /* where it listens: host:port or unix:PATH */
    bool unix_socket;                     /* address is unix:PATH */
    pthread_t acceptor;                   /* the accepting thread */
    bool started;                         /* acceptor runs */
    atomic_bool stopping;                 /* destroy was called */
    size_t slot_count;                    /* mail.lmtp_connections */
    s_slot_t slots[S_SESSIONS_MAX];       /* sessions */
    int timeout;                          /* mail.lmtp_timeout_ms */
    int data_timeout;                     /* mail.lmtp_data_timeout_ms */
    char recipients[BS_CONFIG_VALUE_MAX]; /* mail.recipients */
};

/* Listen on TCP "host:port" ("[v6]:port"); the real address in printable. */
static int
s_listen_tcp (const char *address, char *printable, size_t size, bs_error_t *error)
{
    char host[256];
    snprintf (host, sizeof host, "%s", address);
    char *colon = strrchr (host, ':');
    if (!colon)
        return bs_error_set (error, BS_E_INVALID, "mail.lmtp",
                             "mail.lmtp must be host:port or unix:PATH, not '%s'", address),
               -1;
    *colon = 0;
    const char *port = colon + 1;
    char *name = host;
    if (name[0] == '[' && colon[-1] == ']') {
        name++;
        colon[-1] = 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    int rc = getaddrinfo (*name ? name : NULL, port, &hints, &found);
    if (rc != 0)
        return bs_error_set (error, BS_E_INVALID, "mail.lmtp", "cannot resolve '%s': %s", address,
                             gai_strerror (rc)),
               -1;
    int fd = socket (found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd >= 0)
        setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (fd < 0 || bind (fd, found->ai_addr, found->ai_addrlen) != 0 || listen (fd, 64) != 0) {
        int saved = errno;
        freeaddrinfo (found);
        if (fd >= 0)
            close (fd);
        return bs_error_set (error, BS_E_SYSTEM, "mail.lmtp", "cannot listen on %s: %s", address,
                             strerror (saved)),
               -1;
    }
    freeaddrinfo (found);
    struct sockaddr_storage bound;
    socklen_t length = sizeof bound;
    char numeric[128] = "", service[16] = "";
    getsockname (fd, (struct sockaddr *) &bound, &length);
    getnameinfo ((struct sockaddr *) &bound, length, numeric, sizeof numeric, service,
                 sizeof service, NI_NUMERICHOST | NI_NUMERICSERV);
    bool v6 = strchr (numeric, ':') != NULL;
    snprintf (printable, size, "%s%s%s:%s", v6 ? "[" : "", numeric, v6 ? "]" : "", service);
    return fd;
}

/* Listen on a Unix socket (Postfix: lmtp:unix:PATH). A socket file left by
   an earlier run is replaced; the folder's permissions say who may deliver. */
static int
s_listen_unix (const char *path, bs_error_t *error)
{
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (!*path || strlen (path) >= sizeof address.sun_path)
        return bs_error_set (error, BS_E_INVALID, "mail.lmtp", "bad Unix socket path '%s'", path),
               -1;
    snprintf (address.sun_path, sizeof address.sun_path, "%s", path);
    struct stat status;
    if (lstat (path, &status) == 0 && S_ISSOCK (status.st_mode))
        unlink (path);
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address) != 0
        || chmod (path, 0666) != 0 || listen (fd, 64) != 0) {
        int saved = errno;
        if (fd >= 0)
            close (fd);
        return bs_error_set (error, BS_E_SYSTEM, "mail.lmtp", "cannot listen on %s: %s", path,
                             strerror (saved)),
               -1;
    }
    return fd;
}

mail_lmtp_t *
mail_lmtp_new (mail_t *mail, const char *address, bs_error_t *error)
{
    char printable[300];
    bool unix_socket = strncmp (address, "unix:", 5) == 0;
    int fd = unix_socket ? s_listen_unix (address + 5, error)
                         : s_listen_tcp (address, printable, sizeof printable, error);
    if (fd < 0)
        return NULL;
    mail_lmtp_t *self = calloc (1, sizeof *self);
    if (!self) {
        close (fd);
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory"), NULL;
    }
    self->mail = mail;
    self->listener = fd;
    self->unix_socket = unix_socket;
    snprintf (self->address, sizeof self->address, "%s", unix_socket ? address : printable);
    self->slot_count = (size_t) bs_config_get_number (mail->config, "mail.lmtp_connections");
    if (self->slot_count < 1)
        self->slot_count = 1;
    if (self->slot_count > S_SESSIONS_MAX)
        self->slot_count = S_SESSIONS_MAX;
    self->timeout = (int) bs_config_get_number (mail->config, "mail.lmtp_timeout_ms");
    self->data_timeout = (int) bs_config_get_number (mail->config, "mail.lmtp_data_timeout_ms");
    snprintf (self->recipients, sizeof self->recipients, "%s",
              bs_config_get (mail->config, "mail.recipients"));
    return self;
}

const char *
mail_lmtp_address (mail_lmtp_t *self)
{
    return self->address;
}

/* One connection. */

typedef struct {
    mail_lmtp_t *server;
    int fd;
    char buffer[16384]; /* bytes read, not yet used */
    size_t start, end;
    bs_client_t *client; /* of intake, made at the first DATA */
    uint64_t until;      /* the line or mail being read must be whole by then */
    bool in_data;        /* what is being read is a mail (after 354) */
    bool greeted;        /* LHLO seen */
    bool in_mail;        /* MAIL FROM accepted */
    size_t recipient_count;
    char *recipients[S_RECIPIENTS_MAX];
} s_session_t;

static int s_send (s_session_t *session, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static int
s_send (s_session_t *session, const char *format, ...)
{
    char line[1100];
    va_list arguments;
    va_start (arguments, format);
    int length = vsnprintf (line, sizeof line - 2, format, arguments);
    va_end (arguments);
    if (length < 0)
        return -1;
    if ((size_t) length > sizeof line - 3)
        length = (int) sizeof line - 3;
    memcpy (line + length, "\r\n", 2);
    size_t size = (size_t) length + 2, done = 0;
    while (done < size) {
        ssize_t sent = send (session->fd, line + done, size - done, MSG_NOSIGNAL);
        if (sent <= 0)
            return -1;
        done += (size_t) sent;
    }
    return 0;
}

/* Tell a client it took too long and is closed: silent for
   mail.lmtp_timeout_ms, or its command line or mail not whole by
   session->until (a client trickling a byte at a time is not silent). */
static void
s_too_slow (s_session_t *session, bool silent)
{
    mail_lmtp_t *server = session->server;
    if (silent && session->in_data)
        s_send (session, "421 4.4.2 %s closing: nothing received for %d s", server->mail->hostname,
                server->timeout / 1000);
    else if (session->in_data)
        s_send (session, "421 4.4.2 %s closing: the mail took more than %d s",
                server->mail->hostname, server->data_timeout / 1000);
    else
        s_send (session, "421 4.4.2 %s closing: no command for %d s", server->mail->hostname,
                server->timeout / 1000);
}

/* Fill the buffer: 1 when bytes came, 0 at end of stream, -1 on timeout
   (see s_too_slow), stop or error. */
static int
s_fill (s_session_t *session)
{
    if (session->start == session->end)
        session->start = session->end = 0;
    if (session->end == sizeof session->buffer) {
        memmove (session->buffer, session->buffer + session->start, session->end - session->start);
        session->end -= session->start;
        session->start = 0;
    }
    uint64_t silent_until = bs_clock_monotonic () + (uint64_t) session->server->timeout;
    while (!atomic_load (&session->server->stopping)) {
        uint64_t now = bs_clock_monotonic ();
        if (now >= session->until || now >= silent_until) {
            s_too_slow (session, now >= silent_until);
            return -1;
        }
        struct pollfd item = {.fd = session->fd, .events = POLLIN};
        int ready = poll (&item, 1, 250);
        if (ready < 0 && errno != EINTR)
            return -1;
        if (ready > 0) {
            ssize_t got = recv (session->fd, session->buffer + session->end,
                                sizeof session->buffer - session->end, 0);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0)
                return got == 0 ? 0 : -1;
            session->end += (size_t) got;
            return 1;
        }
    }
    s_send (session, "421 4.3.2 %s is shutting down", session->server->mail->hostname);
    return -1;
}

/* Read one command line (without its CRLF) into line; it must be whole
   within mail.lmtp_timeout_ms. 1: a line; 0: the line was too long
   (skipped); -1: the connection is over. */
static int
s_read_command (s_session_t *session, char *line, size_t size)
{
    session->in_data = false;
    session->until = bs_clock_monotonic () + (uint64_t) session->server->timeout;
    size_t length = 0;
    bool too_long = false;
    while (true) {
        while (session->start < session->end) {
            char c = session->buffer[session->start++];
            if (c == '\n') {
                if (length && line[length - 1] == '\r')
                    length--;
                line[length] = 0;
                return too_long ? 0 : 1;
            }
            if (length + 1 < size)
                line[length++] = c;
            else
                too_long = true;
        }
        if (s_fill (session) <= 0)
            return -1;
    }
}

/* Read the mail after DATA up to the lone dot, undoing dot-stuffing; it
   must be whole within mail.lmtp_data_timeout_ms. Stores at most max
   bytes; *too_big when there were more. -1: connection over. */
static int
s_read_data (s_session_t *session, size_t max, char **data, size_t *size, bool *too_big)
{
    session->in_data = true;
    session->until = bs_clock_monotonic () + (uint64_t) session->server->data_timeout;
    enum { LINE_START, DOT, DOT_CR, IN_LINE } state = LINE_START;
    size_t capacity = 65536, used = 0;
    char *bytes = malloc (capacity);
    *too_big = false;
    if (!bytes)
        return -1;
    while (true) {
        while (session->start < session->end) {
            char c = session->buffer[session->start++];
            char out[2];
            size_t count = 0;
            switch (state) {
            case LINE_START:
                if (c == '.')
                    state = DOT;
                else {
                    out[count++] = c;
                    state = c == '\n' ? LINE_START : IN_LINE;
                }
                break;
            case DOT:
                if (c == '\n')
                    goto done;
                if (c == '\r')
                    state = DOT_CR;
                else {
                    out[count++] = c; /* "..x" is ".x": the first dot was stuffing */
                    state = IN_LINE;
                }
                break;
            case DOT_CR:
                if (c == '\n')
                    goto done;
                out[count++] = '\r';
                out[count++] = c;
                state = IN_LINE;
                break;
            case IN_LINE:
                out[count++] = c;
                if (c == '\n')
                    state = LINE_START;
                break;
            }
            if (!count)
                continue;
            if (used + count > max) {
                *too_big = true;
                continue;
            }
            if (used + count > capacity) {
                capacity *= 2;
                char *grown = realloc (bytes, capacity);
                if (!grown) {
                    free (bytes);
                    return -1;
                }
                bytes = grown;
            }
            memcpy (bytes + used, out, count);
            used += count;
        }
        if (s_fill (session) <= 0) {
            free (bytes);
            return -1;
        }
    }
done:
    *data = bytes;
    *size = used;
    return 1;
}

static void
s_reset (s_session_t *session)
{
    for (size_t i = 0; i < session->recipient_count; i++)
        free (session->recipients[i]);
    session->recipient_count = 0;
    session->in_mail = false;
}

/* The address inside "FROM:<a@b> ..." or "TO:<a@b>"; NULL if malformed.
 *rest points after it (the parameters). */
static char *
s_path (const char *argument, const char *keyword, const char **rest)
{
    size_t length = strlen (keyword);
    if (strncasecmp (argument, keyword, length) != 0)
        return NULL;
    argument += length;
    while (*argument == ' ')
        argument++;
    if (*argument != '<')
        return NULL;
    const char *close = strchr (argument, '>');
    if (!close || close - argument > 300)
        return NULL;
    *rest = close + 1;
    return strndup (argument + 1, (size_t) (close - argument - 1));
}

static bool
s_recipient_allowed (mail_lmtp_t *server, const char *address)
{
    if (!*server->recipients)
        return true;
    const char *at_sign = strrchr (address, '@');
    char list[BS_CONFIG_VALUE_MAX];
    snprintf (list, sizeof list, "%s", server->recipients);
    char *save = NULL;
    for (char *item = strtok_r (list, ", ", &save); item; item = strtok_r (NULL, ", ", &save)) {
        if (item[0] == '@' ? (at_sign && strcasecmp (at_sign, item) == 0)
                           : strcasecmp (address, item) == 0)
            return true;
    }
    return false;
}

static void
s_mail_from (s_session_t *session, const char *argument)
{
    if (!session->greeted) {
        s_send (session, "503 5.5.1 say LHLO first");
        return;
    }
    if (session->in_mail) {
        s_send (session, "503 5.5.1 a MAIL transaction is already open (RSET first)");
        return;
    }
    const char *rest;
    char *from = s_path (argument, "FROM:", &rest);
    if (!from) {
        s_send (session, "501 5.5.4 syntax: MAIL FROM:<address>");
        return;
    }
    free (from);
    const char *size = strcasestr (rest, "SIZE=");
    if (size && strtoull (size + 5, NULL, 10) > session->server->mail->limits.max_message) {
        s_send (session, "552 5.3.4 the mail is larger than the %zu bytes allowed",
                session->server->mail->limits.max_message);
        return;
    }
    session->in_mail = true;
    s_send (session, "250 2.1.0 sender OK");
}

static void
s_rcpt_to (s_session_t *session, const char *argument)
{
    if (!session->in_mail) {
        s_send (session, "503 5.5.1 MAIL FROM first");
        return;
    }
    const char *rest;
    char *to = s_path (argument, "TO:", &rest);
    if (!to || !*to) {
        free (to);
        s_send (session, "501 5.5.4 syntax: RCPT TO:<address>");
        return;
    }
    if (!s_recipient_allowed (session->server, to)) {
        s_send (session, "550 5.1.1 <%s> is not a reporting mailbox here", to);
        free (to);
        return;
    }
    if (session->recipient_count == S_RECIPIENTS_MAX) {
        s_send (session, "452 4.5.3 too many recipients");
        free (to);
        return;
    }
    session->recipients[session->recipient_count++] = to;
    s_send (session, "250 2.1.5 recipient OK");
}

static int
s_data (s_session_t *session)
{
    if (!session->in_mail || session->recipient_count == 0) {
        s_send (session, "503 5.5.1 no valid recipients (MAIL FROM and RCPT TO first)");
        return 0;
    }
    if (s_send (session, "354 go ahead, end with <CRLF>.<CRLF>") != 0)
        return -1;
    char *data = NULL;
    size_t size = 0;
    bool too_big = false;
    mail_t *mail = session->server->mail;
    if (s_read_data (session, mail->limits.max_message, &data, &size, &too_big) < 0)
        return -1;
    mail_outcome_t outcome;
    if (too_big) {
        memset (&outcome, 0, sizeof outcome);
        outcome.code = bs_error_set (&outcome.error, BS_E_LIMIT, "size",
                                     "the mail is larger than the %zu bytes allowed",
                                     mail->limits.max_message);
        bs_log_warning ("LMTP: refused a mail larger than %zu bytes", mail->limits.max_message);
    } else {
        if (!session->client)
            session->client = bs_client_new (mail->config, "intake", "mail");
        mail_deliver (mail, session->client, data, size, &outcome);
    }
    free (data);
    int rc = 0;
    for (size_t i = 0; i < session->recipient_count && rc == 0; i++) {
        char line[1024];
        mail_outcome_reply (&outcome, session->recipients[i], line, sizeof line);
        rc = s_send (session, "%s", line);
    }
    s_reset (session);
    return rc;
}

static void
s_session (s_session_t *session)
{
    mail_t *mail = session->server->mail;
    if (s_send (session, "220 %s LMTP baosong mail ready", mail->hostname) != 0)
        return;
    char line[S_COMMAND_MAX];
    while (true) {
        int got = s_read_command (session, line, sizeof line);
        if (got < 0)
            return;
        if (got == 0) {
            s_send (session, "500 5.5.2 line too long");
            continue;
        }
        char verb[8] = "";
        size_t verb_length = strcspn (line, " ");
        if (verb_length < sizeof verb)
            memcpy (verb, line, verb_length), verb[verb_length] = 0;
        const char *argument = line + verb_length;
        while (*argument == ' ')
            argument++;
        int rc = 0;
        if (strcasecmp (verb, "LHLO") == 0) {
            s_reset (session);
            session->greeted = true;
            rc = s_send (session,
                         "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                         "250 SIZE %zu",
                         mail->hostname, mail->limits.max_message);
        } else if (strcasecmp (verb, "MAIL") == 0)
            s_mail_from (session, argument);
        else if (strcasecmp (verb, "RCPT") == 0)
            s_rcpt_to (session, argument);
        else if (strcasecmp (verb, "DATA") == 0)
            rc = s_data (session);
        else if (strcasecmp (verb, "RSET") == 0) {
            s_reset (session);
            rc = s_send (session, "250 2.0.0 reset");
        } else if (strcasecmp (verb, "NOOP") == 0)
            rc = s_send (session, "250 2.0.0 OK");
        else if (strcasecmp (verb, "VRFY") == 0)
            rc = s_send (session, "252 2.5.0 cannot verify, but will take the mail");
        else if (strcasecmp (verb, "QUIT") == 0) {
            s_send (session, "221 2.0.0 %s closing", mail->hostname);
            return;
        } else if (strcasecmp (verb, "HELO") == 0 || strcasecmp (verb, "EHLO") == 0)
            rc = s_send (session, "500 5.5.1 this is LMTP: say LHLO");
        else
            rc = s_send (session, "500 5.5.2 unknown command");
        if (rc != 0)
            return;
    }
}

void
mail_lmtp_serve (mail_lmtp_t *self, int fd)
{
    s_session_t *session = calloc (1, sizeof *session);
    if (session) {
        session->server = self;
        session->fd = fd;
        s_session (session);
        s_reset (session);
        bs_client_destroy (&session->client);
        free (session);
    }
    close (fd);
}

static void *
s_session_thread (void *argument)
{
    s_slot_t *slot = argument;
    mail_lmtp_serve (slot->server, slot->fd);
    atomic_store (&slot->done, true);
    return NULL;
}

/* Join sessions that have ended. */
static void
s_reap (mail_lmtp_t *self)
{
    for (size_t i = 0; i < self->slot_count; i++)
        if (self->slots[i].used && atomic_load (&self->slots[i].done)) {
            pthread_join (self->slots[i].thread, NULL);
            self->slots[i].used = false;
        }
}

static void *
s_accept_thread (void *argument)
{
    mail_lmtp_t *self = argument;
    while (!atomic_load (&self->stopping)) {
        struct pollfd item = {.fd = self->listener, .events = POLLIN};
        int ready = poll (&item, 1, 250);
        s_reap (self);
        if (ready <= 0)
            continue;
        int fd = accept4 (self->listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        s_slot_t *slot = NULL;
        for (size_t i = 0; i < self->slot_count && !slot; i++)
            if (!self->slots[i].used)
                slot = &self->slots[i];
        if (!slot) {
            static const char busy[] = "421 4.3.2 too many connections, try again later\r\n";
            if (send (fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                bs_log_debug ("LMTP: could not tell a client we are busy");
            close (fd);
            bs_log_warning ("LMTP: refused a connection: %zu already open", self->slot_count);
            continue;
        }
        slot->fd = fd;
        slot->server = self;
        atomic_store (&slot->done, false);
        if (pthread_create (&slot->thread, NULL, s_session_thread, slot) != 0) {
            close (fd);
            continue;
        }
        slot->used = true;
    }
    return NULL;
}

int
mail_lmtp_start (mail_lmtp_t *self)
{
    if (pthread_create (&self->acceptor, NULL, s_accept_thread, self) != 0)
        return BS_E_SYSTEM;
    self->started = true;
    return BS_OK;
}

void
mail_lmtp_destroy (mail_lmtp_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mail_lmtp_t *self = *self_p;
    atomic_store (&self->stopping, true);
    if (self->started)
        pthread_join (self->acceptor, NULL);
    for (size_t i = 0; i < self->slot_count; i++)
        if (self->slots[i].used)
            pthread_join (self->slots[i].thread, NULL);
    close (self->listener);
    if (self->unix_socket)
        unlink (self->address + 5);
    free (self);
    *self_p = NULL;
}
