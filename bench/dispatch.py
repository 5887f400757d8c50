#!/usr/bin/env python3
"""Helper of bench/dispatch.sh (standard library only): seeds cases through the JSON API,
launches them concurrently while watching the smtp-sink counter, and extracts referee
tokens from file-transport mail.

  dispatch.py seed     --cases N --refs N --concurrency N --tag T --out FILE
  dispatch.py launch   --cases-file FILE --concurrency N --counter FILE --expect N --timeout S
  dispatch.py count    --counter FILE
  dispatch.py tokens   --maildir DIR --out FILE

BASE (http://127.0.0.1:PORT) and TOKEN (an ops API token) come from the environment.
"""

import argparse
import concurrent.futures as cf
import email
import email.policy
import http.client
import json
import os
import pathlib
import re
import sys
import threading
import time
import urllib.parse

BASE = os.environ.get("BASE", "")
TOKEN = os.environ.get("TOKEN", "")


class Api:
    """One keep-alive connection per thread."""

    local = threading.local()

    def conn(self):
        c = getattr(self.local, "c", None)
        if c is None:
            u = urllib.parse.urlsplit(BASE)
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            self.local.c = c
        return c

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            c = self.conn()
            try:
                c.request(method, "/api/v1" + path, body=data, headers=headers)
                r = c.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # a keep-alive connection the server closed: reconnect once
                c.close()
                self.local.c = None
                if attempt == 2:
                    raise
        if not 200 <= r.status < 300:
            raise SystemExit(f"{method} {path} answered {r.status}: {raw[:1000].decode(errors='replace')}")
        return json.loads(raw) if raw else None


def seed(args):
    api = Api()
    provider = api.call("POST", "/providers", {
        "name": f"Ledger & Co (bench {args.tag})", "category": "accounting",
        "contact_name": "Pat Ledger", "contact_email": "pat@ledger.example"})

    def one_case(c):
        case = api.call("POST", "/cases", {
            "provider_id": provider["id"], "title": f"Bench case {c}",
            "min_responses": 3, "deadline_days": 30})
        for i in range(1, args.refs + 1):
            # a distinct address per reference: the fatigue limit counts invitations per
            # address across cases; the address encodes (case, position) for ordering
            api.call("POST", f"/cases/{case['id']}/references", {
                "name": f"Referee {c}-{i}",
                "email": f"referee{i}.c{c}@client{i}-{args.tag}.example",
                "company": f"Client {i} Ltd", "relationship": "client since 2022, CFO"})
        return c, case["id"]

    with cf.ThreadPoolExecutor(args.concurrency) as pool:
        ids = dict(pool.map(one_case, range(1, args.cases + 1)))
    pathlib.Path(args.out).write_text("".join(ids[c] + "\n" for c in sorted(ids)))


def read_counter(path):
    """Messages received so far, from smtp-sink -c output ('... mesg=N\\r' per event)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256))
            tail = f.read().decode(errors="replace")
    except FileNotFoundError:
        return 0
    found = re.findall(r"mesg=(\d+)", tail)
    return int(found[-1]) if found else 0


def launch(args):
    api = Api()
    cases = [l.strip() for l in open(args.cases_file) if l.strip()]
    start_count = read_counter(args.counter)
    target = start_count + args.expect
    lat = []
    lock = threading.Lock()

    def one(case_id):
        t = time.monotonic()
        api.call("POST", f"/cases/{case_id}/launch")
        with lock:
            lat.append(time.monotonic() - t)

    t0 = time.monotonic()
    t0_wall = time.time()
    with cf.ThreadPoolExecutor(args.concurrency) as pool:
        futs = [pool.submit(one, c) for c in cases]
        launched_s = None
        count = start_count
        deadline = t0 + args.timeout
        while True:
            now = time.monotonic()
            if launched_s is None and all(f.done() for f in futs):
                for f in futs:
                    f.result()   # raises on a failed launch
                launched_s = now - t0
            count = read_counter(args.counter)
            if count >= target or now > deadline:
                break
            time.sleep(0.01)
        done_s = time.monotonic() - t0
        if launched_s is None:
            for f in futs:
                f.result()
            launched_s = time.monotonic() - t0
    lat.sort()
    out = {
        "t0_wall": t0_wall, "launched_s": round(launched_s, 3), "done_s": round(done_s, 3),
        "received": count - start_count, "expected": args.expect,
        "complete": count >= target,
        "launch_p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
        "launch_max_ms": round(1000 * lat[-1], 1) if lat else None,
    }
    print(json.dumps(out))


def count(args):
    print(read_counter(args.counter))


def tokens(args):
    """Referee tokens of the invitations in a file-transport mail dir, ordered by
    (position of the reference in its case, case number): consecutive tokens then belong
    to different cases, so concurrent submissions do not queue on one case's row lock."""
    link = re.compile(r"/r/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
    addr = re.compile(r"referee(\d+)\.c(\d+)@")
    found = {}
    for path in pathlib.Path(args.maildir).glob("*.eml"):   # skips hidden .partial files
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        m = addr.search(str(msg.get("To", "")))
        if not m:
            continue
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                t = link.findall(part.get_content())
                if t:
                    found[(int(m.group(1)), int(m.group(2)))] = t[0]
                    break
    pathlib.Path(args.out).write_text("".join(found[k] + "\n" for k in sorted(found)))
    print(len(found))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--cases", type=int, required=True)
    s.add_argument("--refs", type=int, required=True)
    s.add_argument("--concurrency", type=int, default=4)
    s.add_argument("--tag", required=True)
    s.add_argument("--out", required=True)
    s = sub.add_parser("launch")
    s.add_argument("--cases-file", required=True)
    s.add_argument("--concurrency", type=int, default=8)
    s.add_argument("--counter", required=True)
    s.add_argument("--expect", type=int, required=True)
    s.add_argument("--timeout", type=float, default=900)
    s = sub.add_parser("count")
    s.add_argument("--counter", required=True)
    s = sub.add_parser("tokens")
    s.add_argument("--maildir", required=True)
    s.add_argument("--out", required=True)
    args = p.parse_args()
    {"seed": seed, "launch": launch, "count": count, "tokens": tokens}[args.cmd](args)


if __name__ == "__main__":
    main()
