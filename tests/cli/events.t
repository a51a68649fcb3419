`backorder events` writes the pending events of the store's outbox, one a
line, and removes each once its line is written (at least once: an event
whose line could not be written stays for the next run).

  $ backorder() { command backorder --at "$NOW" "$@"; }
  $ NOW=2026-03-02T09:00:00Z

A store without events prints nothing.

  $ backorder item NECKLACE lead_time=30 --quiet
  $ backorder events

Operations leave their events in the outbox; `events` takes them out once.
The text lines are the trace format's events (docs/TRACE.md).

  $ backorder place A-1 NECKLACE:1 --quiet
  $ backorder subscribe NECKLACE ana@example.com --quiet
  $ backorder receive NECKLACE 2 --quiet
  $ backorder events
  event 1 accepted A-1 - qty=0 eta=-
  event 2 backordered A-1 NECKLACE qty=1 eta=2026-04-01T09:00:00Z
  event 3 allocated A-1 NECKLACE qty=1 eta=-
  event 4 ready A-1 - qty=0 eta=-
  event 5 back_in_stock - NECKLACE qty=1 eta=- customer=ana@example.com
  $ backorder events

--json writes one JSON object a line, with the same keys on every line.

  $ NOW=2026-03-03T10:00:00Z
  $ backorder place 'A"2\x' NECKLACE:1 --quiet
  $ backorder ship A-1 --quiet
  $ backorder events --json
  {"seq": 6, "kind": "accepted", "order": "A\"2\\x", "sku": null, "qty": 0, "eta": null, "customer": null, "time": "2026-03-03T10:00:00Z"}
  {"seq": 7, "kind": "allocated", "order": "A\"2\\x", "sku": "NECKLACE", "qty": 1, "eta": null, "customer": null, "time": "2026-03-03T10:00:00Z"}
  {"seq": 8, "kind": "ready", "order": "A\"2\\x", "sku": null, "qty": 0, "eta": null, "customer": null, "time": "2026-03-03T10:00:00Z"}
  {"seq": 9, "kind": "shipped", "order": "A-1", "sku": "NECKLACE", "qty": 1, "eta": null, "customer": null, "time": "2026-03-03T10:00:00Z"}
  $ backorder events --json

To a file: every line is written, so every event is removed.

  $ backorder cancel 'A"2\x' --quiet
  $ backorder place A-3 NECKLACE:2 --quiet
  $ backorder events --json > events.jsonl
  $ python3 -c 'import json, sys; [print(e["seq"], e["kind"], e["order"], e["qty"], e["eta"]) for e in map(json.loads, open("events.jsonl"))]'
  10 cancelled A"2\x 1 None
  11 accepted A-3 0 None
  12 allocated A-3 1 None
  13 backordered A-3 1 2026-04-02T10:00:00Z
  $ backorder events

A reader that goes away: the events it read are gone, the one being written
when it went stays pending, and so does every later one. The exit status is
74 (EX_IOERR).

  $ backorder receive NECKLACE 5 --quiet
  $ backorder adjust NECKLACE -5 --quiet
  $ backorder events 2>err | head -n 2; echo "exit ${PIPESTATUS[0]}"; cat err
  event 14 allocated A-3 NECKLACE qty=1 eta=-
  event 15 ready A-3 - qty=0 eta=-
  exit 74
  backorder: events: cannot write the output (the reader went away): 2 events written, the rest stay pending
  $ backorder events
  event 16 backordered A-3 NECKLACE qty=1 eta=2026-04-02T10:00:00Z

--follow keeps polling until interrupted (SIGINT or SIGTERM end it with
status 0), writing the events of other commands as they come. (`command`:
the backorder program itself in the background, not a subshell running
the function.)

  $ command backorder events --follow --json --interval 0.05 > follow.jsonl &
  $ follower=$!
  $ backorder receive NECKLACE 1 --quiet
  $ for i in $(seq 200); do [ "$(wc -l < follow.jsonl)" -ge 2 ] && break; sleep 0.05; done
  $ kill -TERM $follower; wait $follower; echo "exit $?"
  exit 0
  $ cut -c1-60 follow.jsonl
  {"seq": 17, "kind": "allocated", "order": "A-3", "sku": "NEC
  {"seq": 18, "kind": "ready", "order": "A-3", "sku": null, "q
  $ backorder events
