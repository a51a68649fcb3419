How `backorder` reads its command line, and the exit statuses of a command
line it cannot use: 64 (EX_USAGE of sysexits.h) for the operator commands;
2 for a missing or unknown command, as before there were commands besides
replay (replay's own usage errors exit 2 as well: docs/TRACE.md).

The store comes from --store, else from $BACKORDER_STORE; with neither, a
command fails rather than use a memory store that would be gone at once.

  $ env -u BACKORDER_STORE backorder item NECKLACE
  backorder: item: no store: give --store STORE or set BACKORDER_STORE (sqlite:PATH or postgres:CONNINFO; a memory store would be gone when the command ends)
  usage: backorder [--store STORE] [--at TIME] [--json] item SKU [backorder=deny|allow] [max_backorder=QTY] [lead_time=DAYS] [policy=fifo|priority|due|fair] [release_at=TIME] [preorder_max=QTY]
  [64]
  $ BACKORDER_STORE= backorder items
  backorder: items: no store: give --store STORE or set BACKORDER_STORE (sqlite:PATH or postgres:CONNINFO; a memory store would be gone when the command ends)
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder --store "$BACKORDER_STORE" item NECKLACE --quiet
  $ backorder --store=nosuch:thing items
  backorder: items: --store 'nosuch:thing': unknown or unavailable store 'nosuch:thing' (memory, sqlite:PATH, postgres:CONNINFO)
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder items --store
  backorder: items: --store needs a value
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]

Options are long ones and may come anywhere; `--` ends them, so a word that
starts with '-' can be an id. A negative number is a word (adjust's delta).

  $ backorder item NECKLACE --quiet -- --json
  backorder: item: parse: unexpected token '--json'; usage: item SKU [backorder=deny|allow] [max_backorder=QTY] [lead_time=DAYS] [policy=fifo|priority|due|fair] [release_at=TIME] [preorder_max=QTY]
  [11]
  $ backorder adjust NECKLACE -- --json
  backorder: adjust: parse: '--json' is not a number
  [11]
  $ backorder receive NECKLACE 3 --quiet && backorder adjust NECKLACE -1 --quiet && backorder items --json | grep '"on_hand"'
        "on_hand": 2,
  $ backorder items -j
  backorder: items: unknown option '-j' (options are long ones, such as --json; write `--` before a word that starts with '-')
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder items --frobnicate
  backorder: items: unknown option '--frobnicate'
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder items --json --json
  backorder: items: --json given twice
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder items --json=yes
  backorder: items: --json takes no value
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder items --at yesterday
  backorder: items: --at wants a TIME (YYYY-MM-DDTHH:MM:SSZ, UTC), not 'yesterday'
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder items --interval 0
  backorder: items: --interval wants seconds above 0 (at most 86400), not '0'
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder events --interval 0
  backorder: events: --interval wants seconds above 0 (at most 86400), not '0'
  usage: backorder [--store STORE] [--at TIME] [--json] events [--follow] [--interval SECONDS]
  [64]
  $ backorder events --interval abc
  backorder: events: --interval wants seconds above 0 (at most 86400), not 'abc'
  usage: backorder [--store STORE] [--at TIME] [--json] events [--follow] [--interval SECONDS]
  [64]

Commands: a missing or unknown one exits 2.

  $ backorder
  usage: backorder replay [--store memory|sqlite:PATH|postgres:CONNINFO] [--dump] [--events]
                          [--stop-on-error] [--batch N] [--report FORMAT [--since TIME]] [FILE|-]
         backorder [--store STORE] [--at TIME] [--json] COMMAND [ARGS...]
         backorder COMMAND --help
         backorder --help | --version
  [2]
  $ backorder frobnicate
  backorder: unknown command 'frobnicate'
  Run `backorder --help` for the commands.
  [2]
  $ backorder --json
  backorder: no command
  Run `backorder --help` for the commands.
  [2]
  $ backorder --store x.db replay
  backorder: replay takes its options after the command: backorder replay [--store STORE] [OPTIONS] [FILE|-]
  [2]
  $ backorder help | head -n 1
  backorder - replay a trace of shop operations against a libbackorder inventory
  $ backorder --help | sed -n '/^Operations/,/^$/p'
  Operations (the trace format's, one a command; they print what they changed):
    item       create an item or change the settings named
    receive    receive stock (against a supply record)
    adjust     correct on_hand by a signed delta
    incoming   record (or replace) expected supply
    place      place an order
    cancel     cancel an order, a line or units of a line
    modify     set a line's ordered quantity
    ship       ship allocated units
    subscribe  one back-in-stock alert for a customer
    at         advance the store's clock (releases due preorders)
    location   create a stock location or set its rank
  
  $ backorder --version
  backorder 0.3.0 (libbackorder 0.3.0)

Each command explains itself with --help.

  $ backorder place --help
  usage: backorder [--store STORE] [--at TIME] [--json] place ORDER [priority=N] [due=TIME] [complete] [price:SKU=MINOR ...] SKU:QTY [SKU:QTY ...]
  
  Place an order.
  Prints the order it changed, as `show order` does (nothing with --quiet).
  
  Options:
    --store STORE   memory, sqlite:PATH or postgres:CONNINFO (default: $BACKORDER_STORE)
    --at TIME       run at TIME (YYYY-MM-DDTHH:MM:SSZ) instead of the system clock
    --json          print JSON instead of text
    --quiet         print nothing on success
  
  See backorder(1) for the output formats and exit statuses.
  $ backorder events -h | head -n 1
  usage: backorder [--store STORE] [--at TIME] [--json] events [--follow] [--interval SECONDS]
  $ for c in item receive adjust incoming place cancel modify ship subscribe at show waiting items orders supply events dump; do
  >   backorder "$c" --help >/dev/null || echo "$c: no help"
  > done
