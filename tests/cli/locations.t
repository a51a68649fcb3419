Stock locations with the operator commands, on a SQLite store. An
inventory that names no location prints as before (the other sessions);
with a second location, show item adds the stock per location, show order
the pick list, and allocated and shipped events name their location.

  $ backorder() { command backorder --at "$NOW" "$@"; }
  $ pick() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(" ".join(k + "=" + json.dumps(d[k]) for k in sys.argv[1:]))' "$@"; }
  $ NOW=2026-03-02T09:00:00Z

  $ backorder item LAMP --quiet
  $ backorder locations
  LOCATION  RANK
  main         0
  $ backorder location shop rank=1
  LOCATION  RANK
  main         0
  shop         1
  $ backorder location west --json | pick locations
  locations=[{"location": "main", "rank": 0}, {"location": "west", "rank": 0}, {"location": "shop", "rank": 1}]
  $ backorder receive LAMP 2 --quiet
  $ backorder receive LAMP 3 --location shop | sed -n '/^LOCATION/,$p'
  LOCATION  ON_HAND  ALLOCATED  AVAILABLE
  main            2          0          2
  shop            3          0          3
  $ backorder incoming LAMP PO-1 4 2026-03-20T00:00:00Z --location=west --json | pick stock supply
  stock=[{"location": "main", "on_hand": 2, "allocated": 0, "available": 2}, {"location": "shop", "on_hand": 3, "allocated": 0, "available": 3}] supply=[{"id": "PO-1", "qty": 4, "expected": "2026-03-20T00:00:00Z", "overdue": false, "location": "west"}]

A line takes units from the locations in location order: the pick list
says where they are.

  $ backorder place A-1 LAMP:4 | sed -n '/^SKU  *LOCATION/,$p'
  SKU   LOCATION  ALLOCATED
  LAMP  main              2
  LAMP  shop              2
  $ backorder show order A-1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["lines"][0]["locations"])'
  [{'location': 'main', 'allocated': 2}, {'location': 'shop', 'allocated': 2}]
  $ backorder ship A-1 LAMP 1 --location shop --quiet
  $ backorder ship A-1 LAMP --location west
  backorder: ship: state: .* (re)
  [16]
  $ backorder ship A-1 --location nowhere
  backorder: ship: not_found: .* (re)
  [13]
  $ backorder adjust LAMP -1 --location shop --json | pick on_hand stock
  on_hand=3 stock=[{"location": "main", "on_hand": 2, "allocated": 2, "available": 0}, {"location": "shop", "on_hand": 1, "allocated": 1, "available": 0}]
  $ backorder receive LAMP 1 supply=PO-1 --location main
  backorder: receive: invalid: .* (re)
  [12]
  $ backorder events
  event 1 accepted A-1 - qty=0 eta=-
  event 2 allocated A-1 LAMP qty=2 eta=- location=main
  event 3 allocated A-1 LAMP qty=2 eta=- location=shop
  event 4 ready A-1 - qty=0 eta=-
  event 5 shipped A-1 LAMP qty=1 eta=- location=shop
  $ backorder dump
  item LAMP on_hand=3 allocated=3 available=0 backordered=0 incoming=4
  stock LAMP main on_hand=2 allocated=2
  stock LAMP shop on_hand=1 allocated=1
  line A-1 LAMP ordered=4 allocated=3 backordered=0 shipped=1 cancelled=0 eta=-
  alloc A-1 LAMP main qty=2
  alloc A-1 LAMP shop qty=1
