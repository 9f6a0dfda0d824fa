#!/usr/bin/python3
"""Attack a running baosong with python3-zmq and real certificates, as
someone holding one key of the installation would, and check that each
attack fails.

    principal_attacks.py DATA_DIR

The keys folder must hold the operator certificates `unita` (officer
unita of 滑縣, role officer: no stream), `spy` (officer spy of 滑縣,
roles officer and stream) and `reader` (role stream), and the unit 湯陰縣
must exist.

1. A forged admin: keys other than the gateway's (an operator's, mail's,
   a service's) claiming an admin officer in the envelope are refused, and
   no officer is made; an operator without the role admin cannot make one
   either.
2. Unit A acting for unit B: unita's key submits for 湯陰縣, claims to be
   an officer of 湯陰縣, withdraws for 湯陰縣: each refused. Unit A
   reading unit B: 湯陰縣's report, attachment and officer are not found
   for unita's key (unit_a_reads_unit_b); nor, downstream, its case, its
   audit trail and diff, its adoption waiting for an issue, a draft
   issue, a leader's comment on it, nor a commission or notice sent to
   湯陰縣 alone, while unita reads its own unit's and published issues
   (unit_a_reads_unit_b_downstream).
3. Streams without an allowed key: unita (no role stream) and the
   gateway's key are refused on every stream socket; keyring.reload
   from unita's key is refused on every command socket.
4. Revocation on every socket: spy holds open connections to every
   command socket, every stream socket and the feed, all working; then
   `baosong cert revoke spy` (every service reloads its keyring); then the
   same open connections get no answer but a refusal, no stream event and
   no feed message, and new connections get nothing at all. Silence is not
   taken for revocation: `reader`, not revoked, reads every stream beside
   spy, and while it keeps receiving events and heartbeats spy is told it
   was revoked and then receives nothing (revoke_spy_while_read).
Exit 0 when every attack failed.
"""
import os
import subprocess
import sys
import time

import msgpack
import zmq

from zmq_checks import watchdog, check, failures, read_cert, receive_all, sent, unpack_all

DATA = sys.argv[1]
BAOSONG = os.environ["BAOSONG"]
KEYS = os.path.join(DATA, "keys")
COMMANDS = ["intake", "review", "publication", "statistics", "mail"]
STREAMS = ["intake", "review", "publication"]
WAIT_MS = 1500

watchdog(420)  # the script takes about two minutes; ctest gives the test 900 s
context = zmq.Context()
serial = [0]


def key_of(name):
    return read_cert(os.path.join(KEYS, name + ".cert_secret"))


def connect(kind, service, socket, key):
    client = context.socket(kind)
    client.linger = 0
    client.sndtimeo = WAIT_MS  # a send with no connection to go on fails, never hangs
    client.curve_publickey, client.curve_secretkey = key
    client.curve_serverkey = read_cert(os.path.join(KEYS, service + ".cert"))[0]
    client.connect("ipc://%s/run/%s-%s.sock" % (DATA, service, socket))
    return client


def envelope(kind, data, principal=None):
    serial[0] += 1
    message = {"v": 1, "type": kind, "id": "attack-%d-%d" % (os.getpid(), serial[0]),
               "at": int(time.time() * 1000), "src": "python", "data": data}
    if principal:
        message["principal"] = principal
    return msgpack.packb(message)


def call(service, key, kind, data, principal=None):
    """The one reply of service to a command (None if there is none)."""
    client = connect(zmq.DEALER, service, "command", key)
    client.send(envelope(kind, data, principal))
    replies = receive_all(client, WAIT_MS)
    client.close()
    return replies[0] if len(replies) == 1 else None


def denied(reply):
    return reply is not None and reply["type"] == "error" and reply["data"]["code"] == "denied"


def officers():
    listed = subprocess.run([BAOSONG, "--data", DATA, "--json", "officer", "list"],
                            check=True, capture_output=True, text=True).stdout
    return listed


def forged_admin():
    root = {"who": "root", "kind": "officer", "unit": "滑縣",
            "roles": "admin,editor,leader,publisher"}
    made = {"login": "root", "name": "Root", "unit": "滑縣",
            "roles": "admin,editor,leader,publisher", "password": "0123456789abcdef"}
    for holder in ["unita", "mail", "review", "admin"]:
        reply = call("intake", key_of(holder), "registry.officer_put", made, root)
        check(denied(reply) and reply["data"]["field"] == "principal",
              "the %s key claiming an admin officer is refused" % holder)
    reply = call("intake", key_of("unita"), "registry.officer_put", made)
    check(denied(reply), "an operator without the role admin cannot make an officer")
    check('"root"' not in officers(), "no officer root was made")


def unit_a_for_unit_b():
    unita = key_of("unita")
    report = {"unit": "湯陰縣", "title": "冒名報送", "body": "以別的單位的名義報送。",
              "channel": "web"}
    check(denied(call("intake", unita, "intake.submit", report)),
          "an officer of 滑縣 cannot submit for 湯陰縣")
    someone = {"who": "li", "kind": "officer", "unit": "湯陰縣", "roles": "officer"}
    report["unit"] = "滑縣"
    check(denied(call("intake", unita, "intake.submit", report, someone)),
          "unita's key cannot claim to be li of 湯陰縣")
    withdraw = {"report_id": 1, "unit": "湯陰縣", "officer": "unita", "reason": "冒名撤回"}
    reply = call("review", unita, "review.withdraw", withdraw)
    check(denied(reply) and reply["data"]["field"] == "unit",
          "an officer of 滑縣 cannot withdraw for 湯陰縣")


def not_found(reply):
    return reply is not None and reply["type"] == "error" and reply["data"]["code"] == "not_found"


def reports_of(key):
    """The units of every report intake lists to key's holder."""
    reply = call("intake", key, "intake.list", {"limit": 1000})
    return [r["unit"] for r in reply["data"]["reports"]] if reply["type"] == "intake.reports" else None


def unit_a_reads_unit_b():
    """unita, an officer of 滑縣, reads over ZeroMQ only what the gateway
    would show it: 湯陰縣's report, its attachment and its officer are
    answered as if they did not exist; held mail (nobody's unit yet) is
    refused; the admin's key reads both units'."""
    admin, unita = key_of("admin"), key_of("unita")
    other = {"unit": "湯陰縣", "title": "湯陰縣的內部信息", "body": "只應由湯陰縣和編輯部看到。",
             "channel": "walk_in", "operator": "staff",
             "attachments": [{"name": "a.txt", "content_type": "text/plain", "data": b"secret"}]}
    reply = call("intake", admin, "intake.submit", other)
    check(reply is not None and reply["type"] == "intake.submitted",
          "admin registers a report of 湯陰縣 (%s)" % (reply and reply["data"]))
    other_id, other_number = reply["data"]["report_id"], reply["data"]["reg_no"]
    submit("滑縣自己的信息")
    officer = {"login": "tangyin-li", "name": "李", "unit": "湯陰縣", "roles": "officer"}
    call("intake", admin, "registry.officer_put", officer)

    check(not_found(call("intake", unita, "intake.get", {"report_id": other_id})),
          "intake: unita cannot read 湯陰縣's report by id")
    check(not_found(call("intake", unita, "intake.get", {"reg_no": other_number})),
          "intake: unita cannot read 湯陰縣's report by registration number")
    check(not_found(call("intake", unita, "intake.attachment_get",
                         {"report_id": other_id, "index": 0})),
          "intake: unita cannot read 湯陰縣's attachment")
    listed = reports_of(unita)
    check(listed is not None and "滑縣" in listed and "湯陰縣" not in listed,
          "intake: unita lists its own unit's reports only (%s)" % listed)
    check(not_found(call("intake", unita, "registry.officer_get", {"login": "tangyin-li"})),
          "intake: unita cannot read 湯陰縣's officer")
    reply = call("intake", unita, "registry.officer_list", {"limit": 1000})
    check(reply is not None and reply["type"] == "registry.officers"
          and all(o["unit"] == "滑縣" for o in reply["data"]["officers"]),
          "intake: unita lists its own unit's officers only")
    check(denied(call("intake", unita, "intake.held_list", {})),
          "intake: unita cannot read held mail")
    listed = reports_of(admin)
    check(listed is not None and "滑縣" in listed and "湯陰縣" in listed,
          "intake: admin's key lists both units' reports")
    reply = call("intake", admin, "intake.attachment_get", {"report_id": other_id, "index": 0})
    check(reply is not None and reply["type"] == "intake.attachment"
          and reply["data"]["data"] == b"secret", "intake: admin's key reads the attachment")
    return other_id


def answered(reply, kind):
    return reply is not None and reply["type"] == kind


def until(what, probe, seconds=20):
    """probe()'s first true answer within seconds (the streams carry a
    report from intake to review, and an adoption on to publication)."""
    deadline = time.time() + seconds
    while True:
        result = probe()
        if result or time.time() > deadline:
            check(bool(result), what)
            return result
        time.sleep(0.2)


def units_in(reply, field):
    return [item["unit"] for item in reply["data"][field]] if reply and "data" in reply else None


def unit_a_reads_unit_b_downstream(other_id):
    """What review and publication answer unita (an officer of 滑縣) about
    湯陰縣's report other_id: nothing, exactly as about one that does not
    exist; lists leave 湯陰縣's out. unita reads its own unit's case and
    a published issue (public to every unit of the level); the admin's key
    reads everything."""
    admin, unita = key_of("admin"), key_of("unita")
    missing = 999999
    own = None
    reply = call("intake", unita, "intake.list", {"limit": 1000})
    for report in reply["data"]["reports"]:
        own = report["report_id"]
    until("review: the admin's key reads 湯陰縣's case",
          lambda: answered(call("review", admin, "review.get", {"report_id": other_id}),
                           "review.case"))
    until("review: unita reads its own unit's case",
          lambda: answered(call("review", unita, "review.get", {"report_id": own}),
                           "review.case"))
    for kind in ["review.get", "review.audit", "review.diff"]:
        theirs = call("review", unita, kind, {"report_id": other_id})
        nothing = call("review", unita, kind, {"report_id": missing})
        check(not_found(theirs) and not_found(nothing)
              and theirs["data"]["field"] == nothing["data"]["field"],
              "review: %s of 湯陰縣's case is not_found for unita, as a missing one" % kind)
    for query in [{}, {"all": True}, {"all": True, "unit": "湯陰縣"}]:
        reply = call("review", unita, "review.queue", query)
        listed = units_in(reply, "cases")
        check(listed is not None and "湯陰縣" not in listed,
              "review: unita's queue %s leaves 湯陰縣 out (%s)" % (query, listed))
    listed = units_in(call("review", unita, "review.queue", {"all": True}), "cases")
    check(listed is not None and "滑縣" in listed, "review: unita lists its own unit's cases")
    listed = units_in(call("review", admin, "review.queue", {"all": True}), "cases")
    check(listed is not None and "湯陰縣" in listed, "review: admin's key lists 湯陰縣's case")
    check(denied(call("review", unita, "review.session_get", {"session_id": 1})),
          "review: critique sessions are the desk's")
    for report_id in [other_id, missing]:
        reply = call("review", unita, "review.withdraw",
                     {"report_id": report_id, "unit": "滑縣", "officer": "unita", "reason": "試探"})
        check(not_found(reply), "review: unita's withdrawal of report %d is not_found" % report_id)

    # A topic holding both units' cases: unita lists its own unit's.
    desk = {"editor": "admin", "role": "admin"}
    reply = call("review", admin, "review.topic_create", dict(desk, name="幹部監督"))
    check(answered(reply, "review.topic"), "review: admin opens a topic")
    topic = reply["data"]["topic_id"]
    for report_id in [other_id, own]:
        call("review", admin, "review.topic_assign", dict(desk, report_id=report_id, topic_id=topic))
    listed = units_in(call("review", unita, "review.topic_cases", {"topic_id": topic}), "cases")
    check(listed == ["滑縣"], "review: unita lists its own unit's cases of a topic (%s)" % listed)
    listed = units_in(call("review", admin, "review.topic_cases", {"topic_id": topic}), "cases")
    check(listed is not None and "湯陰縣" in listed, "review: admin lists the topic's cases")

    # Commissions and notices: one to 湯陰縣 alone, one to both units.
    deadline = int(time.time() * 1000) + 7 * 86400 * 1000
    ids = {}
    for name, units in [("theirs", ["湯陰縣"]), ("both", ["湯陰縣", "滑縣"])]:
        units = [{"unit": unit} for unit in units]
        reply = call("review", admin, "review.commission_create",
                     dict(desk, title="約稿" + name, units=units, deadline=deadline))
        check(answered(reply, "review.commission"), "review: admin asks for %s" % name)
        reply_n = call("review", admin, "review.notice_send",
                       dict(desk, title="通知" + name, body="請閱。", units=units))
        check(answered(reply_n, "review.notice"), "review: admin sends notice %s" % name)
        ids[name] = (reply["data"]["commission_id"], reply_n["data"]["notice_id"])
    reply = call("review", unita, "review.commission_get", {"commission_id": ids["theirs"][0]})
    check(not_found(reply), "review: a commission to 湯陰縣 alone is not_found for unita")
    reply = call("review", unita, "review.commission_get", {"commission_id": ids["both"][0]})
    check(answered(reply, "review.commission") and units_in(reply, "units") == ["滑縣"],
          "review: unita reads only its own line of a commission to both")
    listed = call("review", unita, "review.commission_list", {})
    check(answered(listed, "review.commissions")
          and [c["commission_id"] for c in listed["data"]["commissions"]] == [ids["both"][0]],
          "review: unita lists only the commissions asking 滑縣")
    reply = call("review", unita, "review.notice_get", {"notice_id": ids["theirs"][1]})
    check(not_found(reply), "review: a notice to 湯陰縣 alone is not_found for unita")
    listed = call("review", unita, "review.notice_list", {"unit": "湯陰縣"})
    check(answered(listed, "review.notices")
          and ids["theirs"][1] not in [n["notice_id"] for n in listed["data"]["notices"]],
          "review: unita lists no notice sent to 湯陰縣 alone")
    reply = call("review", unita, "review.notice_read",
                 {"notice_id": ids["theirs"][1], "unit": "滑縣", "officer": "unita"})
    check(not_found(reply), "review: unita cannot mark 湯陰縣's notice read, nor learn it exists")

    # Publication: 湯陰縣's report adopted, waiting in a draft issue, with
    # a leader's comment.
    check(answered(call("review", admin, "review.claim", dict(desk, report_id=other_id)),
                   "review.case"), "review: admin claims 湯陰縣's case")
    reply = call("review", admin, "review.decide",
                 dict(desk, report_id=other_id, decision="adopt", periodical="組工信息",
                      critique="可用。"))
    check(answered(reply, "review.case"), "review: admin adopts 湯陰縣's report (%s)" % reply)
    until("publication: 湯陰縣's adoption waits for an issue",
          lambda: "湯陰縣" in (units_in(call("publication", admin, "publication.pending", {}),
                                        "items") or []))
    listed = units_in(call("publication", unita, "publication.pending", {}), "items")
    check(listed == [], "publication: unita sees no other unit's adoption (%s)" % listed)
    reply = call("publication", admin, "publication.instruct",
                 {"report_id": other_id, "leader": "張部長", "level": "city", "text": "抓好落實。"})
    check(answered(reply, "publication.instruction"), "publication: admin records a comment")
    for query in [{}, {"unit": "湯陰縣"}, {"report_id": other_id}]:
        listed = units_in(call("publication", unita, "publication.instructions", query),
                          "instructions")
        check(listed == [], "publication: unita reads no comment on 湯陰縣 (%s)" % query)
    listed = units_in(call("publication", admin, "publication.instructions", {}), "instructions")
    check(listed == ["湯陰縣"], "publication: admin's key reads the comment")
    reply = call("publication", admin, "publication.upward", {"report_id": other_id})
    check(answered(reply, "publication.upward_record"), "publication: admin reads upward")
    reply = call("publication", unita, "publication.feedback", {"unit": "湯陰縣"})
    check(answered(reply, "publication.feedback_entries") and reply["data"]["entries"] == [],
          "publication: unita reads no feedback about 湯陰縣's reports")
    reply = call("publication", admin, "publication.issue_create",
                 {"periodical": "組工信息", "by": "admin"})
    check(answered(reply, "publication.issue"), "publication: admin opens a draft (%s)" % reply)
    draft = reply["data"]["issue_id"]
    call("publication", admin, "publication.issue_add",
         {"issue_id": draft, "report_ids": [other_id], "by": "admin"})
    for kind in ["publication.issue_get", "publication.errata"]:
        theirs = call("publication", unita, kind, {"issue_id": draft})
        nothing = call("publication", unita, kind, {"issue_id": missing})
        check(not_found(theirs) and not_found(nothing),
              "publication: %s of a draft is not_found for unita, as a missing one" % kind)
    reply = call("publication", unita, "publication.document_request",
                 {"issue_id": draft, "format": "txt"})
    check(not_found(reply), "publication: unita cannot render a draft")
    listed = call("publication", unita, "publication.issue_list", {})
    check(answered(listed, "publication.issues")
          and draft not in [i["issue_id"] for i in listed["data"]["issues"]],
          "publication: unita lists no draft")
    reply = call("publication", admin, "publication.issue_publish", {"issue_id": draft, "by": "admin"})
    check(answered(reply, "publication.issue"), "publication: admin publishes (%s)" % reply)
    reply = call("publication", unita, "publication.issue_get", {"issue_id": draft})
    check(answered(reply, "publication.issue"), "publication: a published issue is public")


def reload_needs_an_admin():
    """keyring.reload, on every command socket (mail's too): an officer's
    key is refused, admin's is answered."""
    for service in COMMANDS:
        reply = call(service, key_of("unita"), "keyring.reload", {"reason": "attack"})
        check(denied(reply) and reply["data"]["field"] == "principal",
              "%s: an officer's key cannot reload the keyring" % service)
        reply = call(service, key_of("admin"), "keyring.reload", {"reason": "test"})
        check(reply is not None and reply["type"] == "keyring.reloaded",
              "%s: admin's key reloads the keyring" % service)


def office_decisions_need_a_role():
    """Scoring rules and bulletins are the office's decisions: an officer's
    key is refused at statistics itself (not only at the gateway), and an
    admin cannot sign them with another person's name in `by`."""
    unita, admin = key_of("unita"), key_of("admin")
    rules = {"text": "[rules]\nname = 攻擊\n"}
    reply = call("statistics", unita, "statistics.rules_put", rules)
    check(denied(reply) and reply["data"]["field"] == "principal",
          "an officer's key cannot load scoring rules")
    issue = {"kind": "month", "period": "2026-11"}
    reply = call("statistics", unita, "statistics.bulletin_issue", issue)
    check(denied(reply) and reply["data"]["field"] == "principal",
          "an officer's key cannot issue a bulletin")
    reply = call("statistics", admin, "statistics.rules_put", dict(rules, by="ghost"))
    check(denied(reply) and reply["data"]["field"] == "by",
          "admin's key cannot load rules in another person's name")
    reply = call("statistics", admin, "statistics.rules_put", {"text": "not a rules file"})
    check(reply is not None and reply["type"] == "error" and reply["data"]["code"] != "denied",
          "admin's key is admitted to load rules (a bad file is refused as bad, not denied)")


def subscription():
    return envelope("stream.subscribe", {"from": 1, "credit": 1000, "consumer": "spy"})


def subscribe(client):
    client.send(subscription())


def streams_need_the_role():
    for holder in ["unita", "gateway"]:
        for service in STREAMS:
            client = connect(zmq.DEALER, service, "stream", key_of(holder))
            subscribe(client)
            replies = receive_all(client, WAIT_MS)
            client.close()
            check(len(replies) >= 1 and all(r["type"] == "error" for r in replies),
                  "%s stream: the %s key (no role stream) is refused" % (service, holder))


def submit(title):
    subprocess.run([BAOSONG, "--data", DATA, "submit", "--unit", "滑縣", "--title", title,
                    "--body", title], check=True, stdout=subprocess.DEVNULL)


def keep_alive(streams):
    """A consumer's heartbeat (credit 0) on each stream: a producer forgets
    a consumer silent for five heartbeats."""
    for client in streams.values():
        client.send(envelope("stream.credit", {"credit": 0}))


def events(messages):
    return [m for m in messages if "seq" in m]


def watch(sockets, seconds, enough, received):
    """Add to received (name -> [(time, message)]) every message each of
    sockets (name -> socket) receives, with the time it came, until
    enough(received) or seconds pass. Meanwhile every socket named
    "reader ..." sends its heartbeat twice a second."""
    poller = zmq.Poller()
    for client in sockets.values():
        poller.register(client, zmq.POLLIN)
    names = {client: name for name, client in sockets.items()}
    deadline = time.monotonic() + seconds
    beat = 0
    while time.monotonic() < deadline and not enough(received):
        if time.monotonic() - beat > 0.5:
            keep_alive({n: c for n, c in sockets.items() if n.startswith("reader ")})
            beat = time.monotonic()
        for client, _ in poller.poll(100):
            frame, now = client.recv(), time.monotonic()
            received[names[client]].extend((now, m) for m in unpack_all(frame))
    return received


def heartbeats(messages):
    return [m for m in messages if m["type"] == "stream.heartbeat"]


def revoke_spy_while_read(spy_streams, reader_streams):
    """Revoke spy while events and heartbeats keep flowing, and tell
    revocation from a quiet stream. reader (role stream, not revoked) reads
    every stream beside spy, from the same point. After the revocation
    (two submits, and the heartbeats of idle streams) reader demonstrably
    receives them; spy is told it was revoked and is sent nothing after
    that: no event, and no heartbeat while reader gets three (a revoked
    reader may not even learn how far the log has grown)."""
    sockets = {"spy " + s: c for s, c in spy_streams.items()}
    sockets.update({"reader " + s: c for s, c in reader_streams.items()})
    received = {name: [] for name in sockets}
    revoke = subprocess.Popen([BAOSONG, "--data", DATA, "cert", "revoke", "spy"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watch(sockets, 120, lambda r: revoke.poll() is not None, received)
    output = revoke.communicate()[0]
    check(revoke.returncode == 0, "cert revoke spy: %s" % output.strip())
    for service in COMMANDS:
        check(service in output, "%s reloaded its keyring" % service)
    revoked = time.monotonic()

    # Where each log ends after the revocation: the second heartbeat
    # reader receives after it (sent a heartbeat later, so after it).
    def beats_since(r, service, since):
        return heartbeats([m for t, m in r["reader " + service] if t > since])

    watch(sockets, 20, lambda r: all(len(beats_since(r, s, revoked)) >= 2 for s in STREAMS),
          received)
    end = {s: beats_since(received, s, revoked)[1:2] for s in STREAMS}
    check(all(end.values()), "reader gets heartbeats on every stream after the revocation")
    end = {s: (b[0]["data"]["last"] if b else 0) for s, b in end.items()}
    submit("吊銷之後的報告一")
    submit("吊銷之後的報告二")

    def refused_at(r, service):
        times = [t for t, m in r["spy " + service] if m["type"] == "error"]
        return times[0] if times else None

    def flowing_after_refusal(r, service):
        refused = refused_at(r, service)
        return refused is not None and len(beats_since(r, service, refused)) >= 3

    watch(sockets, 30, lambda r: all(flowing_after_refusal(r, s) for s in STREAMS)
          and len([m for _, m in r["reader intake"] if m.get("seq", 0) > end["intake"]]) >= 2,
          received)
    for service in STREAMS:
        spy = received["spy " + service]
        refused = refused_at(received, service)
        told = [m for t, m in spy if t == refused]
        check(told and "revoked" in told[0]["data"]["message"],
              "%s stream: spy is told its certificate was revoked" % service)
        check(flowing_after_refusal(received, service),
              "%s stream: reader (not revoked) receives 3 heartbeats after that" % service)
        check(refused is not None and [m for t, m in spy if t > refused] == [],
              "%s stream: spy is sent nothing after it was told, not even a heartbeat" % service)
        check(all(m["seq"] <= end[service] for _, m in spy if "seq" in m)
              and all(m["data"]["last"] <= end[service]
                      for m in heartbeats([m for _, m in spy])),
              "%s stream: spy learns of nothing logged after the revocation" % service)
    after = [m for _, m in received["reader intake"] if m.get("seq", 0) > end["intake"]]
    check(len(after) >= 2, "intake stream: reader receives the two reports sent after the "
          "revocation (%d events)" % len(after))


def revoked_everywhere():
    spy = key_of("spy")
    reader = key_of("reader")
    commands = {s: connect(zmq.DEALER, s, "command", spy) for s in COMMANDS}
    streams = {s: connect(zmq.DEALER, s, "stream", spy) for s in STREAMS}
    readers = {s: connect(zmq.DEALER, s, "stream", reader) for s in STREAMS}
    feed = connect(zmq.SUB, "statistics", "feed", spy)
    feed.setsockopt(zmq.SUBSCRIBE, b"")
    for service, client in commands.items():
        client.send(envelope("service.ping", {}))
        replies = receive_all(client, WAIT_MS)
        check(len(replies) == 1 and replies[0]["type"] == "service.pong",
              "%s command: spy's key works before it is revoked" % service)
    for service, client in streams.items():
        subscribe(client)
        subscribe(readers[service])
    time.sleep(0.3)
    keep_alive(streams)
    submit("吊銷之前的報告")
    sockets = {"spy " + s: c for s, c in streams.items()}
    sockets.update({"reader " + s: c for s, c in readers.items()})
    received = watch(sockets, 15, lambda r: all(
        heartbeats([m for _, m in r["spy " + s]]) for s in STREAMS)
        and events([m for _, m in r["spy intake"]]), {name: [] for name in sockets})
    for service in STREAMS:
        spy_got = [m for _, m in received["spy " + service]]
        check(spy_got and all(m["type"] != "error" for m in spy_got) and heartbeats(spy_got),
              "%s stream: spy reads (and gets heartbeats) before it is revoked" % service)
    check(len(events([m for _, m in received["spy intake"]])) >= 1,
          "intake stream: spy gets a new report's event before it is revoked")
    check(len(receive_all(feed, WAIT_MS)) >= 1, "feed: spy gets figures before it is revoked")

    keep_alive(streams)
    revoke_spy_while_read(streams, readers)
    for service, client in commands.items():
        client.send(envelope("service.ping", {}))
        replies = receive_all(client, WAIT_MS)
        check(all(r["type"] == "error" and r["data"]["code"] == "denied" for r in replies),
              "%s command: spy's open connection is refused after the revocation" % service)
    for service, client in streams.items():
        client.send(envelope("stream.credit", {"credit": 10}))
        replies = receive_all(client, WAIT_MS)
        check(events(replies) == [] and all(r["type"] == "error" for r in replies),
              "%s stream: spy's credit is refused after the revocation" % service)
    check(receive_all(feed, WAIT_MS) == [], "feed: spy gets nothing after the revocation")
    for client in list(commands.values()) + list(streams.values()) + list(readers.values()):
        client.close()
    feed.close()
    for service in COMMANDS:
        client = connect(zmq.DEALER, service, "command", spy)
        check(not sent(client, envelope("service.ping", {})) or receive_all(client, WAIT_MS) == [],
              "%s command: a new connection with spy's key gets nothing" % service)
        client.close()
    for service in STREAMS:
        client = connect(zmq.DEALER, service, "stream", spy)
        check(not sent(client, subscription()) or receive_all(client, WAIT_MS) == [],
              "%s stream: a new connection with spy's key gets nothing" % service)
        client.close()


def main():
    forged_admin()
    unit_a_for_unit_b()
    unit_a_reads_unit_b_downstream(unit_a_reads_unit_b())
    streams_need_the_role()
    reload_needs_an_admin()
    office_decisions_need_a_role()
    revoked_everywhere()
    context.term()
    if failures:
        print("%d checks failed" % len(failures))
        return 1
    return 0


sys.exit(main())
