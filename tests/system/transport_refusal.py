#!/usr/bin/python3
"""Attack every socket of a running baosong with python3-zmq, as an outsider
on the same machine would, and check that only the right certificates get
anything.

    transport_refusal.py DATA_DIR REVOKED_SECRET_FILE

For each command socket (intake, review, publication, statistics, mail),
stream socket (intake, review, publication) and the statistics feed: a
client with no key (plain ZeroMQ), a random CurveZMQ key and a revoked key
get nothing at all; admin's certificate gets service.pong from every
command socket; a certificate with the role stream gets events from every
stream, admin's (no role stream) is refused; the feed reaches a known key,
and carries counts, never a report's text. Exit 0 when all of that holds.
"""
import os
import subprocess
import sys
import time

import msgpack
import zmq

from zmq_checks import watchdog, check, failures, read_cert, receive_all, sent

DATA = sys.argv[1]
REVOKED_SECRET = sys.argv[2]
BAOSONG = os.environ["BAOSONG"]
KEYS = os.path.join(DATA, "keys")
COMMANDS = ["intake", "review", "publication", "statistics", "mail"]
STREAMS = ["intake", "review", "publication"]
WAIT_MS = 1500
SECRET_TEXT = "絕密正文不得外傳"

watchdog(420)  # the script takes about two minutes; ctest gives the test 900 s
context = zmq.Context()


def endpoint(service, socket):
    return "ipc://%s/run/%s-%s.sock" % (DATA, service, socket)


def new_socket(kind, service, socket, key):
    """A client socket of kind to service's socket; key is None (plain),
    or (public, secret) of the client."""
    client = context.socket(kind)
    client.linger = 0
    client.sndtimeo = WAIT_MS
    if key is not None:
        client.curve_publickey, client.curve_secretkey = key
        client.curve_serverkey = read_cert(os.path.join(KEYS, service + ".cert"))[0]
    client.connect(endpoint(service, socket))
    return client


def envelope(kind, data, ident="python-attack"):
    return msgpack.packb({"v": 1, "type": kind, "id": ident, "at": int(time.time() * 1000),
                          "src": "python", "data": data})


def ask(client, message):
    """Everything client gets for message within WAIT_MS (nothing when the
    message could not be sent)."""
    replies = receive_all(client, WAIT_MS) if sent(client, message) else []
    client.close()
    return replies


def ping(service, key):
    return ask(new_socket(zmq.DEALER, service, "command", key), envelope("service.ping", {}))


def subscribe(service, key):
    return ask(new_socket(zmq.DEALER, service, "stream", key),
               envelope("stream.subscribe", {"from": 1, "credit": 10, "consumer": "python"}))


def main():
    admin = read_cert(os.path.join(KEYS, "admin.cert_secret"))
    reader = read_cert(os.path.join(KEYS, "reader.cert_secret"))
    revoked = read_cert(REVOKED_SECRET)
    random_key = zmq.curve_keypair()
    strangers = {"no key": None, "a random key": random_key, "a revoked key": revoked}

    # The feed: subscribers first (a SUB sees only what comes after it
    # joined), then a report whose text must not show on the feed.
    feeds = {}
    for who, key in list(strangers.items()) + [("admin", admin)]:
        feeds[who] = new_socket(zmq.SUB, "statistics", "feed", key)
        feeds[who].setsockopt(zmq.SUBSCRIBE, b"")
    time.sleep(0.5)
    subprocess.run([BAOSONG, "--data", DATA, "submit", "--unit", "滑縣", "--title",
                    SECRET_TEXT, "--body", SECRET_TEXT], check=True, stdout=subprocess.DEVNULL)

    for service in COMMANDS:
        for who, key in strangers.items():
            check(ping(service, key) == [], "%s command: %s gets no reply" % (service, who))
        replies = ping(service, admin)
        check(len(replies) == 1 and replies[0]["type"] == "service.pong",
              "%s command: admin's certificate gets service.pong" % service)

    for service in STREAMS:
        for who, key in strangers.items():
            check(subscribe(service, key) == [], "%s stream: %s gets nothing" % (service, who))
        replies = subscribe(service, admin)
        check(len(replies) >= 1 and all(r["type"] == "error" for r in replies),
              "%s stream: admin's certificate (no role stream) is refused" % service)
        # Only intake has events yet (one report); the others answer an
        # idle subscriber with heartbeats.
        replies = subscribe(service, reader)
        wanted = "seq" if service == "intake" else "type"
        check(len(replies) >= 1 and all(r["type"] != "error" for r in replies)
              and any(wanted in r for r in replies),
              "%s stream: a certificate with the role stream is served" % service)

    for who, socket in feeds.items():
        messages = receive_all(socket, WAIT_MS)
        if who == "admin":
            check(len(messages) >= 1, "statistics feed: a known key gets the live figures")
            text = repr(messages)
            check(SECRET_TEXT not in text, "statistics feed: no report text, only counts")
        else:
            check(messages == [], "statistics feed: %s gets nothing" % who)
        socket.close()

    context.term()
    if failures:
        print("%d checks failed" % len(failures))
        return 1
    return 0


sys.exit(main())
