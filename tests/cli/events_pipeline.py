#!/usr/bin/env python3
"""`backorder events` in a pipeline loses nothing when a process dies mid-stream.

usage: events_pipeline.py BACKORDER

Each case fills a fresh SQLite store with about 900 pending events (more
than a pipe holds), runs `backorder events --json | READER`, makes one side
die part-way through, then runs `backorder events --json` again and checks
that every event was read by the reader of the first run or is written by
the second (at least once: an event may come twice, never go missing), in
sequence order.

1. The reader is killed (SIGKILL, it sends it to itself) after 137 lines;
   the writer must exit 74 and keep the rest pending, including what was
   sitting in the pipe when the reader died.
2. The same with --follow while other commands keep adding events: the
   follower must notice the reader is gone and exit 74.
3. The writer is killed (SIGKILL) part-way through: whatever it wrote but
   had not yet had removed from the outbox comes again.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ORDERS = 300
AT = "2026-03-02T09:00:00Z"

# The reader: record every byte read (before anything else happens to it),
# then die without warning once it has LIMIT lines. It reads 4 KiB at a
# time, as a buffered line reader does, so that when it dies the pipe may
# still hold lines it never read (they must not count as delivered).
READER = r"""
import os, signal, sys
limit, path = int(sys.argv[1]), sys.argv[2]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
lines = 0
while True:
    data = os.read(0, 4096)
    if not data:
        break
    os.write(fd, data)
    lines += data.count(b"\n")
    if limit and lines >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
"""


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Store:
    def __init__(self, exe, tmp, name):
        self.exe = exe
        self.tmp = tmp
        self.store = "sqlite:" + os.path.join(tmp, name + ".db")
        self.env = dict(os.environ, BACKORDER_STORE=self.store)

    def run(self, *args, check=True):
        p = subprocess.run([self.exe, "--at", AT] + list(args), env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if check and p.returncode != 0:
            fail(f"backorder {' '.join(args)}: exit {p.returncode}: {p.stderr.decode()}")
        return p

    def fill(self):
        """ORDERS allocated one-unit orders (replay: its events are delivered and gone),
        then a count that takes them all back and a delivery that fills them again:
        3 * ORDERS pending events."""
        trace = os.path.join(self.tmp, "fill.trace")
        with open(trace, "w") as f:
            f.write(f"at {AT}\nitem A\nreceive A {ORDERS}\n")
            for i in range(ORDERS):
                f.write(f"place O{i:04d} A:1\n")
        p = subprocess.run([self.exe, "replay", "--store", self.store, trace], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            fail(f"replay: exit {p.returncode}: {p.stdout.decode()} {p.stderr.decode()}")
        self.run("adjust", "A", f"-{ORDERS}", "--quiet")
        self.run("receive", "A", str(ORDERS), "--quiet")

    def pending(self):
        """Write out the events still pending (a second run) and return them."""
        p = self.run("events", "--json")
        return [json.loads(line) for line in p.stdout.decode().splitlines()]


def read_record(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    # A line the reader got only part of was not delivered to it.
    whole = data[:data.rfind(b"\n") + 1]
    return [json.loads(line) for line in whole.decode().splitlines()]


def check_nothing_lost(case, first, second, expect_total=None):
    seqs1 = [e["seq"] for e in first]
    seqs2 = [e["seq"] for e in second]
    for name, seqs in (("first run", seqs1), ("second run", seqs2)):
        if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
            fail(f"{case}: the {name} wrote events out of order or twice: {seqs[:20]}...")
    everything = set(seqs1) | set(seqs2)
    if not everything:
        fail(f"{case}: no events at all")
    # the replay that filled the store took the events of its own calls
    first_seq, top = min(everything), max(everything)
    if expect_total is not None and len(everything) != expect_total:
        fail(f"{case}: {len(everything)} events seen, {expect_total} expected")
    missing = sorted(set(range(first_seq, top + 1)) - everything)
    if missing:
        fail(f"{case}: events lost: {missing[:20]} ({len(missing)} in all); "
             f"first run {seqs1[0] if seqs1 else '-'}..{seqs1[-1] if seqs1 else '-'}, "
             f"second run {seqs2[0] if seqs2 else '-'}..{seqs2[-1] if seqs2 else '-'}")
    again = set(seqs1) & set(seqs2)
    print(f"{case}: {len(seqs1)} read by the first reader, {len(seqs2)} by the second, "
          f"{len(again)} twice, none lost")
    return again


def case_reader_killed(exe, tmp):
    s = Store(exe, tmp, "reader")
    s.fill()
    record = os.path.join(tmp, "reader.jsonl")
    writer = subprocess.Popen([exe, "events", "--json"], env=s.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = subprocess.Popen([sys.executable, "-c", READER, "137", record], stdin=writer.stdout)
    writer.stdout.close()  # the reader holds the only read end
    reader.wait(timeout=120)
    err = writer.communicate(timeout=120)[1].decode()
    if reader.returncode != -signal.SIGKILL:
        fail(f"reader killed: the reader ended with {reader.returncode}")
    if writer.returncode != 74:
        fail(f"reader killed: the writer exited {writer.returncode}, not 74: {err}")
    if not err.startswith("backorder: events: "):
        fail(f"reader killed: message {err!r}")
    first = read_record(record)
    if len(first) < 137:
        fail(f"reader killed: the reader read {len(first)} lines before it died")
    again = check_nothing_lost("reader killed", first, s.pending(), 3 * ORDERS)
    if len(again) > 1:
        fail(f"reader killed: {len(again)} events came twice; only the one in flight may")


def case_follow_reader_killed(exe, tmp):
    s = Store(exe, tmp, "follow")
    s.fill()
    record = os.path.join(tmp, "follow.jsonl")
    writer = subprocess.Popen([exe, "events", "--json", "--follow", "--interval", "0.05"], env=s.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the reader dies after the 900 pending events and some of those the
    # commands below add while it reads
    reader = subprocess.Popen([sys.executable, "-c", READER, str(3 * ORDERS + 25), record],
                              stdin=writer.stdout)
    writer.stdout.close()
    made = 0
    try:
        while reader.poll() is None and made < 40:
            s.run("adjust", "A", "-3", "--quiet")
            s.run("receive", "A", "3", "--quiet")
            made += 1
        reader.wait(timeout=120)
        err = writer.communicate(timeout=120)[1].decode()
    except subprocess.TimeoutExpired:
        fail("follow: the follower did not stop after its reader died")
    finally:
        # never leave a follower running, whatever failed
        for p in (writer, reader):
            if p.poll() is None:
                p.kill()
                p.wait()
    if reader.returncode != -signal.SIGKILL:
        fail(f"follow: the reader ended with {reader.returncode} after {made} rounds of commands")
    if writer.returncode != 74:
        fail(f"follow: the follower exited {writer.returncode}, not 74: {err}")
    first = read_record(record)
    check_nothing_lost("follow, reader killed", first, s.pending())


def case_writer_killed(exe, tmp):
    s = Store(exe, tmp, "writer")
    s.fill()
    record = os.path.join(tmp, "writer.jsonl")
    writer = subprocess.Popen([exe, "events", "--json"], env=s.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    reader = subprocess.Popen([sys.executable, "-c", READER, "0", record], stdin=writer.stdout)
    writer.stdout.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with open(record, "rb") as f:
                if f.read().count(b"\n") >= 400:
                    break
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    reader.wait(timeout=60)
    first = read_record(record)
    if len(first) >= 3 * ORDERS:
        print("writer killed: the writer finished before it could be killed; nothing to check")
        return
    check_nothing_lost("writer killed", first, s.pending(), 3 * ORDERS)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="bo-pipeline-") as tmp:
        case_reader_killed(exe, tmp)
        case_follow_reader_killed(exe, tmp)
        case_writer_killed(exe, tmp)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
