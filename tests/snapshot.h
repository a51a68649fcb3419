/*
 * A full state snapshot rendered to text through the public API only:
 * the clock, pending outbox events, every item (status, settings, insight,
 * supply records, waiting queue), every order with all its lines, and
 * the history a report shows (daily series, period figures, fill rate).
 * Two snapshots are equal byte for byte iff the observable state is.
 */
#ifndef BO_TEST_SNAPSHOT_H
#define BO_TEST_SNAPSHOT_H

#include "backorder.h"

/**
 * Render the state of `inv` into a new string (free with free()).
 * Returns BO_OK or the status of the first query that failed.
 */
int snapshot_take(char **out, bo_inventory *inv);

#endif
