"""What the python3-zmq attack scripts (transport_refusal.py,
principal_attacks.py) share: a check list, czmq certificates, and reading
every message a socket receives within a wait, a send that cannot wait
for ever, and a watchdog."""
import faulthandler
import re
import time

import msgpack
import zmq

failures = []


def watchdog(seconds):
    """Print every thread's stack and exit 1 when the script is still
    running after seconds: a call that waits for ever fails the test at
    once, saying where it waited, instead of holding it to ctest's
    timeout with nothing said."""
    faulthandler.dump_traceback_later(seconds, exit=True)


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def read_cert(path):
    """(public, secret) Z85 keys of a czmq certificate file (secret None)."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    public = re.search(r'public-key = "(.{40})"', text).group(1).encode()
    secret = re.search(r'secret-key = "(.{40})"', text)
    return public, secret.group(1).encode() if secret else None


def sent(client, message):
    """Whether message was queued within client's send timeout (its
    sndtimeo): a refused key's connection may be gone, and the refused key
    then gets nothing, where a blocking send would wait for ever."""
    try:
        client.send(message)
    except zmq.Again:
        return False
    return True


def unpack_all(frame):
    """The envelopes of a frame: one, or several events one after
    another (a stream's backlog)."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frame)
    return list(unpacker)


def receive_all(client, wait_ms):
    """Every message received within wait_ms, decoded."""
    received = []
    deadline = time.monotonic() + wait_ms / 1000
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not client.poll(int(left * 1000)):
            return received
        received.extend(unpack_all(client.recv()))
