Ids are bytes (docs/DECISIONS.md, "Ids and Unicode"). The trace format,
and so the program's arguments, take printable ASCII ids only; a store
that a program wrote through the library can hold any id the library
accepts: UTF-8 such as "Café", or bytes that are not UTF-8 at all. JSON
output stays valid JSON: a well-formed UTF-8 sequence is written as it
is, each byte that is not part of one as \ufffd (U+FFFD).

  $ backorder() { command backorder --at 2026-03-02T09:00:00Z "$@"; }
  $ backorder item S-1 --quiet
  $ backorder item CAFE --quiet
  $ backorder place A-1 S-1:1 --quiet

The ids are then changed in the SQLite file, as such a program would have
written them: S-1 becomes "S", 0xff, "1"; CAFE becomes "Café"; A-1
becomes 64 bytes 0xfe, the longest id (each of its bytes takes six in
JSON).

  $ rename() { python3 -c '
  > import sqlite3, sys
  > cols = {"sku": ["items.sku", "lines.sku", "queues.sku", "outbox.sku", "history.sku"],
  >         "order": ["orders.id", "lines.order_id", "queues.order_id", "outbox.order_id"]}
  > old, new = (bytes.fromhex(h) for h in sys.argv[2:])
  > db = sqlite3.connect("shop.db")
  > for tc in cols[sys.argv[1]]:
  >     t, c = tc.split(".")
  >     db.execute(f"UPDATE {t} SET {c} = CAST(? AS TEXT) WHERE {c} = CAST(? AS TEXT)", (new, old))
  > db.commit()
  > ' "$@"; }
  $ rename sku 532d31 53ff31
  $ rename sku 43414645 436166c3a9
  $ rename order 412d31 $(printf 'fe%.0s' $(seq 64))
  $ valid() { python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin.buffer] if sys.argv[1:] else json.load(sys.stdin.buffer); print("valid")' "$@"; }

The program's own JSON (`--json`):

  $ backorder items --json > items.json; valid < items.json; grep '"sku"' items.json
  valid
        "sku": "Café",
        "sku": "S\ufffd1",
  $ backorder events --json > events.jsonl; valid lines < events.jsonl
  valid
  $ python3 -c 'import json, sys; [print(e["seq"], e["kind"], e["order"] == "\ufffd" * 64, ascii(e["sku"])) for e in map(json.loads, open("events.jsonl", "rb"))]'
  1 accepted True None
  2 backordered True 'S\ufffd1'

The library's report (bo_report_write()):

  $ backorder report --json > report.json; valid < report.json; grep '"sku"' report.json
  valid
        "sku": "Café",
        "sku": "S\ufffd1",
