#!/usr/bin/python3
"""Submit reports through the gateway's HTTP API one after another, each
under its own Idempotency-Key, retrying the same key until the gateway
acknowledges it (201), however long services are down meanwhile.

    submit_load.py URL SESSION_TOKEN PREFIX COUNT OUTPUT [STOP_FILE]

Writes one line "key reg_no report_id status" per acknowledged report to
OUTPUT (flushed at once, so a reader sees what was acknowledged). Stops
early when STOP_FILE exists (after the report in hand is acknowledged).
Exits 1 if a report is refused (a 4xx other than 429) or not acknowledged
within 180 s of trying.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request


def submit(url, token, key, index, prefix):
    body = json.dumps({"title": f"容器壓力測試 {prefix} 第{index}份",
                       "body": f"{prefix} 第{index}份報送，測試用。",
                       "kind": "situation"}).encode()
    request = urllib.request.Request(
        url + "/api/v1/reports", data=body, method="POST",
        headers={"Authorization": "Bearer " + token,
                 "Content-Type": "application/json",
                 "Idempotency-Key": key})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status, json.loads(reply.read())


def main():
    url, token, prefix, count, output = sys.argv[1:6]
    stop_file = sys.argv[6] if len(sys.argv) > 6 else None
    retries = 0
    with open(output, "a") as out:
        for index in range(int(count)):
            if stop_file and os.path.exists(stop_file):
                break
            key = f"{prefix}-{index}"
            deadline = time.monotonic() + 180
            while True:
                try:
                    status, receipt = submit(url, token, key, index, prefix)
                    if status not in (200, 201):
                        print(f"{key}: status {status}: {receipt}", file=sys.stderr)
                        return 1
                    out.write(f"{key} {receipt['reg_no']} {receipt['report_id']} "
                              f"{receipt['status']}\n")
                    out.flush()
                    break
                except urllib.error.HTTPError as error:
                    if 400 <= error.code < 500 and error.code != 429:
                        print(f"{key}: refused {error.code}: {error.read()[:300]}",
                              file=sys.stderr)
                        return 1
                except (OSError, ValueError):
                    pass  # connection refused or reset, timeout: a service is down
                retries += 1
                if time.monotonic() > deadline:
                    print(f"{key}: not acknowledged within 180 s", file=sys.stderr)
                    return 1
                time.sleep(0.2)
    print(f"submit_load: {prefix} done, {retries} retries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
