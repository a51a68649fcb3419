The operations of `backorder`, one command each, on a SQLite store
($BACKORDER_STORE, set by the runner). Every command runs at $NOW (the
program's --at) so that the times printed are the same on every run. Each
operation prints what it changed, as `show item` or `show order` would; each
is run at least once for its text and once for its JSON (through `pick`,
which parses the document and prints the keys asked for).

  $ backorder() { command backorder --at "$NOW" "$@"; }
  $ pick() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(" ".join(k + "=" + json.dumps(d[k]) for k in sys.argv[1:]))' "$@"; }
  $ NOW=2026-03-02T09:00:00Z

item creates an item, or changes the settings it names.

  $ backorder item NECKLACE lead_time=30 max_backorder=5
  sku               NECKLACE
  policy            fifo
  backorder         allow
  max_backorder     5
  lead_time         30 days
  release_at        -
  preorder_max      -
  in_preorder       no
  on_hand           0
  allocated         0
  available         0
  backordered       0
  waiting_lines     0
  late_lines        0
  oldest_wait       -
  incoming          0
  demand            0
  filled_at_once    0
  shipped           0
  cancelled         0
  revenue_held      0
  subscribers       0
  $ backorder item CLASP backorder=deny --json
  {
    "now": "2026-03-02T09:00:00Z",
    "sku": "CLASP",
    "policy": "fifo",
    "backorder": "deny",
    "max_backorder": null,
    "lead_time_seconds": null,
    "release_at": null,
    "preorder_max": null,
    "in_preorder": false,
    "on_hand": 0,
    "allocated": 0,
    "available": 0,
    "backordered": 0,
    "waiting_lines": 0,
    "late_lines": 0,
    "oldest_wait": null,
    "incoming": 0,
    "demand": 0,
    "filled_at_once": 0,
    "shipped": 0,
    "cancelled": 0,
    "revenue_held": 0,
    "subscribers": 0,
    "supply": []
  }
  $ backorder item NECKLACE policy=priority --json | pick sku policy max_backorder lead_time_seconds
  sku="NECKLACE" policy="priority" max_backorder=5 lead_time_seconds=2592000

receive, adjust and incoming change stock and supply.

  $ backorder receive NECKLACE 2 | grep -E '^(on_hand|available) '
  on_hand           2
  available         2
  $ backorder receive CLASP 5 --json | pick on_hand available
  on_hand=5 available=5
  $ backorder adjust NECKLACE -1 | grep -E '^(on_hand|available) '
  on_hand           1
  available         1
  $ backorder adjust CLASP -1 --json | pick on_hand
  on_hand=4
  $ backorder incoming NECKLACE PO-7 2 2026-03-20T00:00:00Z
  sku               NECKLACE
  policy            priority
  backorder         allow
  max_backorder     5
  lead_time         30 days
  release_at        -
  preorder_max      -
  in_preorder       no
  on_hand           1
  allocated         0
  available         1
  backordered       0
  waiting_lines     0
  late_lines        0
  oldest_wait       -
  incoming          2
  demand            0
  filled_at_once    0
  shipped           0
  cancelled         0
  revenue_held      0
  subscribers       0
  
  SUPPLY  QTY  EXPECTED              OVERDUE
  PO-7      2  2026-03-20T00:00:00Z  no
  $ backorder incoming NECKLACE PO-8 3 2026-04-10T00:00:00Z --json | pick incoming supply
  incoming=5 supply=[{"id": "PO-7", "qty": 2, "expected": "2026-03-20T00:00:00Z", "overdue": false}, {"id": "PO-8", "qty": 3, "expected": "2026-04-10T00:00:00Z", "overdue": false}]

place: A-1 takes the one necklace in stock and waits for two more; A-2, of
higher priority, goes ahead of A-1's waiting units.

  $ backorder place A-1 price:NECKLACE=18900 NECKLACE:3 CLASP:1
  order             A-1
  state             waiting
  created           2026-03-02T09:00:00Z
  priority          0
  due               -
  ship_mode         partial
  late_lines        0
  eta               2026-03-20T00:00:00Z
  
  SKU       ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  PRICE  ETA                   LATE
  NECKLACE        3          1            2        0          0  18900  2026-03-20T00:00:00Z  no
  CLASP           1          1            0        0          0      -  -                     -
  $ backorder place A-2 priority=2 due=2026-04-01T00:00:00Z complete NECKLACE:1 --json
  {
    "now": "2026-03-02T09:00:00Z",
    "order": "A-2",
    "state": "waiting",
    "created": "2026-03-02T09:00:00Z",
    "priority": 2,
    "due": "2026-04-01T00:00:00Z",
    "ship_mode": "complete",
    "ordered": 1,
    "allocated": 0,
    "backordered": 1,
    "shipped": 0,
    "cancelled": 0,
    "late_lines": 0,
    "eta": "2026-03-20T00:00:00Z",
    "lines": [
      {
        "sku": "NECKLACE",
        "ordered": 1,
        "allocated": 0,
        "backordered": 1,
        "shipped": 0,
        "cancelled": 0,
        "unit_price": null,
        "eta": "2026-03-20T00:00:00Z",
        "late": false,
        "queue_time": "2026-03-02T09:00:00Z"
      }
    ]
  }

modify, ship and cancel, a day later.

  $ NOW=2026-03-03T10:00:00Z
  $ backorder modify A-2 NECKLACE 2
  order             A-2
  state             waiting
  created           2026-03-02T09:00:00Z
  priority          2
  due               2026-04-01T00:00:00Z
  ship_mode         complete
  late_lines        0
  eta               2026-03-20T00:00:00Z
  
  SKU       ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  PRICE  ETA                   LATE
  NECKLACE        2          0            2        0          0      -  2026-03-20T00:00:00Z  no
  $ backorder modify A-1 CLASP 2 --json | pick state allocated backordered
  state="waiting" allocated=3 backordered=2
  $ backorder ship A-1 CLASP 1
  order             A-1
  state             waiting
  created           2026-03-02T09:00:00Z
  priority          0
  due               -
  ship_mode         partial
  late_lines        0
  eta               2026-04-10T00:00:00Z
  
  SKU       ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  PRICE  ETA                   LATE
  NECKLACE        3          1            2        0          0  18900  2026-04-10T00:00:00Z  no
  CLASP           2          1            0        1          0      -  -                     -
  $ backorder ship A-1 --json | pick state allocated shipped
  state="waiting" allocated=0 shipped=3
  $ backorder cancel A-1 NECKLACE 1 | sed -n '/^SKU/,$p'
  SKU       ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  PRICE  ETA                   LATE
  NECKLACE        3          0            1        1          1  18900  2026-04-10T00:00:00Z  no
  CLASP           2          0            0        2          0      -  -                     -
  $ backorder cancel A-2 --json | pick state backordered cancelled
  state="closed" backordered=0 cancelled=2

subscribe: a necklace subscriber waits; a clasp is free, so that alert is
raised at once and no subscription remains.

  $ backorder subscribe NECKLACE ana@example.com | grep '^subscribers'
  subscribers       1
  $ backorder subscribe CLASP bo@example.com --json | pick subscribers available
  subscribers=0 available=2

at advances the store's clock; dump prints the trace dump format.

  $ backorder at 2026-03-04T00:00:00Z
  now               2026-03-04T00:00:00Z
  $ backorder at 2026-03-05T00:00:00Z --json
  {
    "now": "2026-03-05T00:00:00Z"
  }
  $ backorder dump
  item CLASP on_hand=2 allocated=0 available=2 backordered=0 incoming=0
  item NECKLACE on_hand=0 allocated=0 available=0 backordered=1 incoming=5
  line A-1 NECKLACE ordered=3 allocated=0 backordered=1 shipped=1 cancelled=1 eta=2026-03-20T00:00:00Z
  line A-1 CLASP ordered=2 allocated=0 backordered=0 shipped=2 cancelled=0 eta=-
  line A-2 NECKLACE ordered=2 allocated=0 backordered=0 shipped=0 cancelled=2 eta=-

--quiet prints nothing on success.

  $ backorder receive CLASP 1 --quiet

Each status has its exit code and a message that starts with `backorder: `
and names the command: parse 11, invalid 12, not_found 13, exists 14,
out_of_stock 15, state 16, storage 17. A failed operation changes nothing
and prints nothing on standard output.

  $ backorder receive NECKLACE lots
  backorder: receive: parse: 'lots' is not a number
  [11]
  $ backorder place B-1 --json
  backorder: place: parse: no SKU:QTY line; usage: place ORDER [priority=N] [due=TIME] [complete] [price:SKU=MINOR ...] SKU:QTY [SKU:QTY ...]
  [11]
  $ backorder item NECKLACE colour=red
  backorder: item: parse: unknown option 'colour'
  [11]
  $ backorder receive NECKLACE 0
  backorder: receive: invalid: quantity 0 is below 1
  [12]
  $ backorder subscribe NECKLACE 'two words'
  backorder: subscribe: invalid: argument 'two words' holds white space; ids, numbers and options never do
  [12]
  $ backorder place '' NECKLACE:1
  backorder: place: invalid: argument 1 is empty
  [12]
  $ backorder at 2026-03-01T00:00:00Z
  backorder: at: invalid: the clock (2026-03-01T00:00:00Z) is earlier than the inventory's time (2026-03-05T00:00:00Z); time never goes back
  [12]
  $ backorder receive BRACELET 1
  backorder: receive: not_found: no item 'BRACELET'
  [13]
  $ backorder cancel NOPE
  backorder: cancel: not_found: no order 'NOPE'
  [13]
  $ backorder ship A-1 BRACELET
  backorder: ship: not_found: order 'A-1' has no line for 'BRACELET'
  [13]
  $ backorder place A-1 NECKLACE:9
  backorder: place: exists: order 'A-1' exists with different content
  [14]
  $ backorder place C-1 CLASP:9 --json
  backorder: place: out_of_stock: 'CLASP' does not allow backorders and has only 3 units free
  [15]
  $ backorder modify A-1 NECKLACE 9
  backorder: modify: out_of_stock: 'NECKLACE' may have at most 5 units waiting; 1 wait, 6 more asked
  [15]
  $ backorder ship A-1
  backorder: ship: state: order 'A-1' has nothing allocated (and released) to ship
  [16]
  $ backorder cancel A-2
  backorder: cancel: state: order 'A-2' has nothing left to cancel
  [16]
  $ backorder --store sqlite:$TMPDIR/no/such/dir/shop.db item A
  backorder: item: storage: cannot open store 'sqlite:[^']*/no/such/dir/shop\.db': sqlite: .*unable to open database file.* (re)
  [17]
  $ backorder dump | head -n 2
  item CLASP on_hand=3 allocated=0 available=3 backordered=0 incoming=0
  item NECKLACE on_hand=0 allocated=0 available=0 backordered=1 incoming=5

A memory store is used when asked for by name, with a note that nothing is
kept.

  $ backorder --store memory item A --quiet
  backorder: item: note: a memory store is gone when the command ends; nothing is kept
