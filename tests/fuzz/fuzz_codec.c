/*  Fuzz target: the msgpack scanner and codec (common/bs_codec*.c).

    The input is one frame as a service's command socket receives it. It is
    decoded under the default limits; a message that decodes is encoded
    again and must decode again to the same type and id (the codec's own
    round trip). The decoder checks each head it reads as the scan does,
    so the two must agree: a frame the decoder reads through (accepted,
    or refused by the schema) is one the scan passes, and a frame the
    decoder could not read is one the scan refuses. Every application
    schema is known (bs_schemas links its catalogue), so the data of every
    command type is reached. The same bytes are cut as a stream's producer
    cuts a stored event (s_cut).
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_schemas.h"

int LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size);

/* The cut a stream's producer makes of a stored event for a consumer's
   view (bs_codec_envelope_cut): what it writes is one object the scan
   passes, no longer than the bytes. It reads the bytes as the scan does
   up to where it stops: a data map that ends the envelope is cut short
   once nothing it keeps can follow (bs_codec.h), so bytes past that
   point are not read, and an envelope malformed only there is cut as the
   whole one would be (the producer cuts only events its store took
   whole). */
static void
s_cut (const uint8_t *bytes, size_t size)
{
    static bs_codec_cut_t *cuts[2];
    if (!cuts[0]) {
        cuts[0] = bs_codec_cut_new ("report.received", "report_id unit kind received_at");
        cuts[1] = bs_codec_cut_new ("service.ping", "");
    }
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    int rc = bs_codec_envelope_cut (bytes, size, cuts, 2, &out);
    if (rc == BS_OK
        && (out.size > size
            || bs_codec_check (out.data, out.size, &bs_codec_default_limits, NULL) != BS_OK))
        abort ();
    if (rc != BS_OK && out.size != 0)
        abort (); /* a refusal writes nothing */
    msgpack_sbuffer_destroy (&out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
    bs_message_t message;
    bs_error_t error;
    int rc = bs_message_decode (bytes, size, &bs_codec_default_limits, &message, &error);
    bs_error_t scanned;
    int scan = bs_codec_check (bytes, size, &bs_codec_default_limits, &scanned);
    if (rc != BS_E_MALFORMED && scan != BS_OK)
        abort (); /* the decoder read what the scan refuses */
    if (rc == BS_E_MALFORMED && scan == BS_OK
        && strcmp (error.text, "frame could not be read") == 0)
        abort (); /* the decoder refused to read what the scan passes */
    if (rc == BS_OK && message.schema) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        if (bs_codec_encode_message (&buffer, message.schema, message.data, message.id, message.src,
                                     message.at, message.seq)
            == BS_OK) {
            bs_message_t again;
            if (bs_message_decode (buffer.data, buffer.size, &bs_codec_default_limits, &again,
                                   &error)
                != BS_OK)
                abort (); /* what we encode, we must decode */
            if (strcmp (again.type, message.type) != 0 || strcmp (again.id, message.id) != 0)
                abort ();
            bs_message_clear (&again);
        }
        msgpack_sbuffer_destroy (&buffer);
    }
    if (rc == BS_OK || rc == BS_E_UNKNOWN_TYPE)
        bs_message_clear (&message);
    s_cut (bytes, size);
    return 0;
}
