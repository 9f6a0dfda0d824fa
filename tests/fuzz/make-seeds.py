#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz (corpus/<target>/seed-*): valid
messages, bodies and sessions for the fuzzers to start from. Standard
library only (a small msgpack writer). Run from anywhere; it rewrites the
seed-* files and leaves the other inputs (crash regressions) alone."""
import os
import shutil
import struct

here = os.path.dirname(os.path.abspath(__file__))


def pack(value):
    """msgpack of dicts, lists, str, bytes, bool, None and ints >= 0."""
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if value < 128:
            return bytes([value])
        if value < 1 << 16:
            return b"\xcd" + struct.pack(">H", value)
        if value < 1 << 32:
            return b"\xce" + struct.pack(">I", value)
        return b"\xcf" + struct.pack(">Q", value)
    if isinstance(value, str):
        data = value.encode()
        if len(data) < 32:
            return bytes([0xA0 | len(data)]) + data
        return b"\xd9" + bytes([len(data)]) + data if len(data) < 256 else b"\xda" + struct.pack(">H", len(data)) + data
    if isinstance(value, bytes):
        return b"\xc4" + bytes([len(value)]) + value
    if isinstance(value, list):
        return bytes([0x90 | len(value)]) + b"".join(pack(v) for v in value)
    if isinstance(value, dict):
        return bytes([0x80 | len(value)]) + b"".join(pack(k) + pack(v) for k, v in value.items())
    raise TypeError(value)


def envelope(type_, data, id_="seed-1"):
    return pack({"v": 1, "type": type_, "id": id_, "at": 1795000000000, "src": "cli", "data": data})


codec = {
    "submit": envelope("intake.submit", {"unit": "滑縣", "title": "城關鎮工作動態", "body": "一、基本情況。",
                                         "kind": "situation", "urgent": False, "channel": "walk_in",
                                         "attachments": [{"name": "a.txt", "content_type": "text/plain",
                                                          "data": b"hello"}]}),
    "ping": envelope("service.ping", {}),
    "decide": envelope("review.decide", {"report_id": 12, "decision": "adopt", "editor": "zhao",
                                         "role": "editor", "critique": "情況清楚。",
                                         "scores": [{"criterion": "accuracy", "value": 8}]}),
    "batch": envelope("intake.batch", {"items": [{"key": "k1", "title": "直報一", "body": "正文一"},
                                                 {"key": "k2", "title": "直報二", "body": "正文二"}]}),
    "list": envelope("intake.list", {"after": 0, "limit": 50}),
    "subscribe": envelope("stream.subscribe", {"from": 1}),
    "v99": pack({"v": 99, "type": "intake.submit", "id": "x", "data": {}}),
}
json_bodies = [
    b'{"title": "\xe6\xa8\x99\xe9\xa1\x8c", "body": "b", "kind": "situation", "urgent": false}',
    b'{"report_id": 12, "decision": "adopt", "critique": "ok", "scores": [{"criterion": "x", "value": 3}]}',
    b'{"items": [{"key": "k", "title": "t", "body": "b"}]}',
    b'{"attachments": [{"name": "a", "content_type": "text/plain", "data": "aGVsbG8="}]}',
    b'{"login": "li", "password": "p"}',
    b'{"after": 0, "limit": 10, "unit": null}',
]
lmtp = {
    "session": b"LHLO mx.example\r\nMAIL FROM:<officer@county.example> SIZE=120\r\n"
               b"RCPT TO:<reports@city.example>\r\nDATA\r\nSubject: t\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n",
    "pipelined": b"LHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nRCPT TO:<z@y>\r\nRSET\r\nNOOP\r\nVRFY x\r\nQUIT\r\n",
    "errors": b"EHLO a\r\nMAIL FROM:<a@b>\r\nLHLO a\r\nRCPT TO:<x@y>\r\nDATA\r\nHELO\r\nbogus\r\n",
}


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


for name, data in codec.items():
    write(os.path.join(here, "corpus/codec"), name, data)
for index, body in enumerate(json_bodies):
    for schema in range(0, 64, 9):
        write(os.path.join(here, "corpus/json"), "%d-%d" % (index, schema), bytes([schema + index]) + body)
mail_fixtures = os.path.join(here, "../data/mail")
for name in sorted(os.listdir(mail_fixtures)):
    if name.endswith(".eml"):
        shutil.copy(os.path.join(mail_fixtures, name), os.path.join(here, "corpus/mime", "seed-" + name))
for name, data in lmtp.items():
    write(os.path.join(here, "corpus/lmtp"), name, data)
