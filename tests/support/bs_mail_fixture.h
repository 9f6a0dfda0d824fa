/*  bs_mail_fixture: what the email channel's system tests
    (tests/system/test_mail_*.c) share: real intake and baosong-mail
    processes with a unit (BS_MAIL_UNIT) and an officer whose address is
    BS_MAIL_OFFICER; the mails of tests/data/mail (written with iconv, see
    its README) and what each must be stored as; delivering them over LMTP
    (swaks, or a raw socket) or through a Maildir, and reading back what
    intake stored, what was held and what receipts went out.
*/
#ifndef BS_MAIL_FIXTURE_H_INCLUDED
#define BS_MAIL_FIXTURE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_schemas.h"
#include "bs_system.h"

#define BS_MAIL_UNIT "滑縣"
#define BS_MAIL_OFFICER "officer@county.example"
#define BS_MAIL_RCPT "reports@city.example"
#define BS_MAIL_MAX_MESSAGE 100000 /* mail.max_message_bytes in these tests */

/* A good mail and what intake must store of it. */
typedef struct {
    const char *file;       /* in tests/data/mail */
    const char *title;      /* expected, UTF-8 */
    const char *body;       /* expected, UTF-8 */
    const char *attachment; /* file whose bytes the one attachment must be, or NULL */
    const char *attachment_name;
} bs_mail_fixture_t;

/* A bad mail and the start of the LMTP reply that refuses it
   ("oversize.eml" is written by bs_mail_write_oversize). */
typedef struct {
    const char *file;
    const char *reply;
} bs_mail_bad_t;

extern const bs_mail_fixture_t bs_mail_good[];
extern const size_t bs_mail_good_count;
extern const bs_mail_bad_t bs_mail_bad[];
extern const size_t bs_mail_bad_count;

/* A system with intake and mail, the unit and the officer. maildir:
   ingest <folder>/Maildir (polled every 100 ms); extra: more settings,
   key, value, key, value, ..., NULL (bs_system_configure), or NULL.
   Receipts go to <folder>/sent.mbox (mail.sendmail). */
bs_system_t *bs_mail_system_with (bool maildir, const char *const *extra);
bs_system_t *bs_mail_system (bool maildir);

/* A file's bytes, NUL-terminated (the caller frees), its size in *size
   unless NULL; NULL when it cannot be read. */
char *bs_mail_read_file (const char *path, size_t *size);

/* A mail's path: tests/data/mail/file, or the oversize mail the test
   writes into the system's folder. */
void bs_mail_fixture_path (bs_system_t *system, const char *file, char *path, size_t size);
void bs_mail_write_oversize (bs_system_t *system);

/* Deliver file with swaks over LMTP to the address `to` (a comma list);
   the server's replies (lines "<-" and "<**"), the caller's to free. */
char *bs_mail_swaks (bs_system_t *system, const char *file, const char *to);

/* The registration number of "registered as 2026-000123" in output. */
void bs_mail_reg_no (const char *output, char *reg_no, size_t size);

/* The report reg_no (free it with bs_codec_record_free); its number of
   reports; the report titled title (its reg_no, the caller's). */
bs_report_t bs_mail_get (bs_system_t *system, const char *reg_no);
uint64_t bs_mail_report_count (bs_system_t *system);
char *bs_mail_find (bs_system_t *system, const char *title);

/* The stored report reg_no is exactly the fixture, attachment included. */
void bs_mail_check_report (bs_system_t *system, const char *reg_no,
                           const bs_mail_fixture_t *fixture);

/* A receipt for reg_no, in reply to message_id, is in mail's outbox and
   was handed to mail.sendmail. */
void bs_mail_check_receipt (bs_system_t *system, const char *reg_no, const char *message_id);

/* Whether intake holds a mail of sender for staff. */
bool bs_mail_held (bs_system_t *system, const char *sender);

/* Whether a file of folder holds text; how many files it holds. */
bool bs_mail_folder_has (const char *folder, const char *text);
size_t bs_mail_folder_count (const char *folder);

/* A TCP connection to mail's LMTP address. */
int bs_mail_connect (bs_system_t *system);

/* Everything the server sends until it closes (at most size - 1 bytes);
   one reply (a full line at least). */
void bs_mail_read_all (int fd, char *buffer, size_t size);
void bs_mail_read_reply (int fd, char *buffer, size_t size);

/* Send script to the LMTP server in one write (pipelining) and return
   everything it answers until it closes; the caller frees. */
char *bs_mail_lmtp_raw (bs_system_t *system, const char *script);

/* Copy a mail into the Maildir as a mail server does (tmp/, then new/
   as name); wait until new/ is empty (false after seconds); whether
   Maildir/relative exists. */
void bs_mail_drop (bs_system_t *system, const char *file, const char *name);
bool bs_mail_wait_empty (bs_system_t *system, int seconds);
bool bs_mail_exists (bs_system_t *system, const char *relative);

#endif
