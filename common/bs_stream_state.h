/*  bs_stream_state: what the producer (bs_stream_producer.c) and the
    consumer (bs_stream_consumer.c) of bs_stream share, private to them
    (no other file includes it): the limits of the protocol both sides
    keep. Neither calls the other.
*/
#ifndef BS_STREAM_STATE_H_INCLUDED
#define BS_STREAM_STATE_H_INCLUDED

#define BS_STREAM_SILENCE_BEATS 3 /* heartbeats of silence before giving up a peer */
#define BS_STREAM_VIEWS_MAX 16    /* views one subscription gives (stream.subscribe's limit) */

#endif
