/*
 * customer_messages: turn libbackorder's events into customer messages.
 *
 * A notifier writes one file per message into an outbox folder, as a mail
 * or SMS gateway would pick them up. Events are delivered at least once:
 * after a failed delivery the library hands the same event over again. The
 * file name is the event's sequence number (its idempotency key), so a
 * re-delivered event finds its message already written and the customer
 * never gets it twice.
 *
 * The story shows both kinds of failure:
 *   - the mail gateway is down: the notifier refuses an event before writing
 *     anything; it stays in the library's outbox and the next dispatch
 *     delivers it, in order;
 *   - the acknowledgement is lost: the message was written, but the notifier
 *     reports failure; the next dispatch hands the event over again and the
 *     notifier recognises it by its sequence number.
 *
 *   customer_messages OUTBOX_DIR
 */
#include <backorder.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define DAY INT64_C(86400)

struct clock_state {
	int64_t now;
};

static int64_t read_clock(void *user_data)
{
	return ((struct clock_state *)user_data)->now;
}

/* The shop's customer records: who placed which order. */
static const char *email_of(const char *order_id)
{
	if (order_id == NULL)
		return NULL;
	if (strcmp(order_id, "W-2001") == 0)
		return "maria@example.com";
	if (strcmp(order_id, "W-2002") == 0)
		return "tom@example.com";
	return NULL;
}

static const char *product_name(const char *sku)
{
	if (sku == NULL)
		return "your order";
	if (strcmp(sku, "TEAPOT") == 0)
		return "Stoneware teapot";
	if (strcmp(sku, "CUPS") == 0)
		return "Set of 4 cups";
	return sku;
}

static void date_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == BO_NO_TIME) {
		snprintf(buf, len, "(date to follow)");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%d %B %Y", &tm);
}

/* The notifier's state. */
struct mailer {
	char dir[1024];
	int gateway_down;       /* refuse every event, writing nothing */
	int lose_next_ack;      /* after writing the next message, report failure once */
	unsigned written;       /* messages written */
	unsigned duplicates;    /* re-deliveries recognised */
};

/* Compose the message for an event; 0 if the event needs none. */
static int compose(const bo_event *ev, char *to, size_t to_len, char *text, size_t text_len)
{
	char date[64];
	const char *who = ev->kind == BO_EVENT_BACK_IN_STOCK ? ev->customer : email_of(ev->order_id);
	const char *what = product_name(ev->sku);

	if (who == NULL)
		return 0;
	snprintf(to, to_len, "%s", who);
	date_text(ev->eta, date, sizeof date);
	switch (ev->kind) {
	case BO_EVENT_ACCEPTED:
		snprintf(text, text_len, "Subject: Order %s accepted\n\nThank you, we have your order %s.\n",
			 ev->order_id, ev->order_id);
		return 1;
	case BO_EVENT_BACKORDERED:
		snprintf(text, text_len,
			 "Subject: Part of order %s is backordered\n\n%lld x %s will follow; expected on %s.\n",
			 ev->order_id, (long long)ev->qty, what, date);
		return 1;
	case BO_EVENT_ETA_CHANGED:
		snprintf(text, text_len,
			 "Subject: New expected date for order %s\n\n%s: your expected date changed to %s.\n",
			 ev->order_id, what, date);
		return 1;
	case BO_EVENT_READY:
		snprintf(text, text_len, "Subject: Order %s is ready to ship\n\nEverything is packed.\n",
			 ev->order_id);
		return 1;
	case BO_EVENT_SHIPPED:
		snprintf(text, text_len, "Subject: Order %s: %s shipped\n\n%lld x %s shipped today.\n",
			 ev->order_id, what, (long long)ev->qty, what);
		return 1;
	case BO_EVENT_CANCELLED:
		snprintf(text, text_len, "Subject: Order %s cancelled\n\n%lld x %s cancelled as you asked.\n",
			 ev->order_id, (long long)ev->qty, what);
		return 1;
	case BO_EVENT_BACK_IN_STOCK:
		snprintf(text, text_len, "Subject: %s is back in stock\n\nYou asked us to tell you.\n", what);
		return 1;
	default:
		return 0; /* allocated, released: nothing to tell */
	}
}

static int deliver(void *user_data, const bo_event *ev)
{
	struct mailer *m = user_data;
	char path[1200], tmp[1300], to[128], text[512];
	struct stat sb;
	FILE *f;

	if (m->gateway_down) {
		printf("  event %llu (%s): gateway down, refused\n", (unsigned long long)ev->seq,
		       bo_event_kind_name(ev->kind));
		return 1;
	}
	if (!compose(ev, to, sizeof to, text, sizeof text)) {
		printf("  event %llu (%s): no message needed\n", (unsigned long long)ev->seq,
		       bo_event_kind_name(ev->kind));
		return 0;
	}
	/* The idempotency key: one file per event sequence number. */
	snprintf(path, sizeof path, "%s/%012llu.msg", m->dir, (unsigned long long)ev->seq);
	if (stat(path, &sb) == 0) {
		printf("  event %llu (%s): already delivered as %012llu.msg, not sent again\n",
		       (unsigned long long)ev->seq, bo_event_kind_name(ev->kind),
		       (unsigned long long)ev->seq);
		m->duplicates++;
		return 0;
	}
	/* Write to a temporary name, then rename: the gateway sees whole files only. */
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return 1;
	if (fprintf(f, "To: %s\n%s", to, text) < 0 || fclose(f) != 0) {
		remove(tmp);
		return 1;
	}
	if (rename(tmp, path) != 0) {
		remove(tmp);
		return 1;
	}
	m->written++;
	printf("  event %llu (%s): wrote %012llu.msg to %s\n", (unsigned long long)ev->seq,
	       bo_event_kind_name(ev->kind), (unsigned long long)ev->seq, to);
	if (m->lose_next_ack) {
		m->lose_next_ack = 0;
		printf("  event %llu: the acknowledgement is lost (the library will hand it over again)\n",
		       (unsigned long long)ev->seq);
		return 1;
	}
	return 0;
}

/* Print where the waiting units of an order's line stand: the date the
 * customer was promised, and whether it has passed. */
static int show_promise(bo_inventory *inv, const char *order_id, const char *sku)
{
	bo_order *o = NULL;
	bo_line_status line;
	char date[64];
	size_t i, n;
	int rc = bo_order_get(&o, inv, order_id);

	if (rc != BO_OK)
		return rc;
	n = bo_order_line_count(o);
	for (i = 0; i < n; i++) {
		if ((rc = bo_order_line(&line, o, i)) != BO_OK)
			break;
		if (strcmp(line.sku, sku) != 0 || line.backordered == 0)
			continue;
		date_text(line.eta, date, sizeof date);
		printf("  %s: %lld x %s still waiting, promised for %s%s\n", order_id,
		       (long long)line.backordered, product_name(sku), date,
		       line.late ? " (late: that date has passed)" : "");
	}
	bo_order_free(o);
	return rc;
}

static int dispatch(bo_inventory *inv, const char *why)
{
	size_t delivered = 0, pending = 0;
	int rc;

	printf("dispatch (%s):\n", why);
	rc = bo_inventory_dispatch(inv, &delivered);
	if (rc != BO_OK && rc != BO_ESTATE)
		return rc;
	if (bo_inventory_pending(&pending, inv) != BO_OK)
		return BO_ESTORAGE;
	printf("  -> %zu accepted, %zu still pending%s\n", delivered, pending,
	       rc == BO_ESTATE ? " (the notifier refused one; it stays in the outbox)" : "");
	return BO_OK;
}

/* Number of .msg files in `dir` (-1 if it cannot be read). */
static int count_messages(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".msg") != NULL)
			n++;
	closedir(d);
	return n;
}

static int list_outbox(const char *dir)
{
	struct dirent **names = NULL;
	int n, i, count = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	printf("\nThe outbox folder, as the mail gateway sees it:\n");
	for (i = 0; i < n; i++) {
		char path[1300], line[256], subject[256] = "";
		FILE *f;

		if (strstr(names[i]->d_name, ".msg") != NULL) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
			f = fopen(path, "r");
			while (f != NULL && fgets(line, sizeof line, f) != NULL)
				if (strncmp(line, "Subject: ", 9) == 0) {
					snprintf(subject, sizeof subject, "%s", line + 9);
					subject[strcspn(subject, "\n")] = '\0';
				}
			if (f != NULL)
				fclose(f);
			printf("  %s  %s\n", names[i]->d_name, subject);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

#define TRY(what, call) do { int rc_ = (call); if (rc_ != BO_OK) { \
	fprintf(stderr, "customer_messages: %s: %s (%s)\n", what, bo_strerror(rc_), bo_last_error()); \
	status = 1; goto out; } } while (0)

int main(int argc, char **argv)
{
	struct clock_state clk = { INT64_C(1780000000) }; /* 28 May 2026 */
	bo_options opts = BO_OPTIONS_INIT;
	bo_notifier notifier = BO_NOTIFIER_INIT;
	bo_item_settings cups = BO_ITEM_SETTINGS_INIT;
	bo_line_spec order1[] = { { "TEAPOT", 1, 3900 }, { "CUPS", 2, 2400 } };
	bo_line_spec order2[] = { { "CUPS", 4, 2400 } };
	bo_inventory *inv = NULL;
	struct mailer *m;
	int status = 0, files;

	if (argc != 2) {
		fprintf(stderr, "usage: customer_messages OUTBOX_DIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 2;
	}
	if (count_messages(argv[1]) != 0) {
		fprintf(stderr, "customer_messages: %s must be a new or empty folder\n", argv[1]);
		return 2;
	}
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return 1;
	snprintf(m->dir, sizeof m->dir, "%s", argv[1]);

	opts.clock = read_clock;
	opts.clock_data = &clk;
	opts.auto_dispatch = 0; /* this program dispatches when it chooses */
	if (bo_inventory_open_store(&inv, "memory", &opts) != BO_OK) {
		fprintf(stderr, "customer_messages: %s\n", bo_last_error());
		free(m);
		return 1;
	}
	notifier.deliver = deliver;
	notifier.free = free;
	if (bo_inventory_set_notifier(inv, &notifier, m) != BO_OK) {
		fprintf(stderr, "customer_messages: %s\n", bo_last_error());
		free(m);
		bo_inventory_free(inv);
		return 1;
	}
	/* From here on the inventory owns `m` and frees it. */

	cups.fields = BO_ITEM_LEAD_TIME;
	cups.lead_time = 14 * DAY;
	TRY("item", bo_item_set(inv, "TEAPOT", NULL));
	TRY("item", bo_item_set(inv, "CUPS", &cups));
	TRY("receive", bo_item_receive(inv, "TEAPOT", 5, NULL));
	TRY("incoming", bo_supply_set(inv, "CUPS", "PO-31", 5, clk.now + 7 * DAY));

	printf("Maria orders a teapot and two sets of cups; Li asks to hear when cups are back.\n");
	TRY("place", bo_order_place(inv, "W-2001", NULL, order1, 2));
	TRY("subscribe", bo_item_subscribe(inv, "CUPS", "li@example.com"));

	m->gateway_down = 1;
	TRY("dispatch", dispatch(inv, "the mail gateway is down"));
	m->gateway_down = 0;
	TRY("dispatch", dispatch(inv, "the gateway is back"));

	clk.now += DAY;
	printf("\nThe supplier moves the cups delivery back by two days.\n");
	TRY("incoming", bo_supply_set(inv, "CUPS", "PO-31", 5, clk.now + 8 * DAY));
	printf("Tom orders four sets of cups.\n");
	TRY("place", bo_order_place(inv, "W-2002", NULL, order2, 1));
	TRY("ship", bo_order_ship(inv, "W-2001", "TEAPOT", BO_ALL));
	TRY("dispatch", dispatch(inv, "a normal run"));

	clk.now += 8 * DAY;
	printf("\nThe cups arrive.\n");
	TRY("receive", bo_item_receive(inv, "CUPS", 5, "PO-31"));
	m->lose_next_ack = 1;
	TRY("dispatch", dispatch(inv, "the gateway writes a message but loses its acknowledgement"));
	TRY("dispatch", dispatch(inv, "retry"));
	printf("Three of Tom's four sets are set aside; the fourth waits for a delivery not yet on\n"
	       "order. It keeps the date Tom was promised (the supplier's lead time from the day he\n"
	       "ordered): the lead time has not changed, so he gets no new date.\n");
	TRY("promise", show_promise(inv, "W-2002", "CUPS"));

	clk.now += DAY;
	printf("\nMaria's cups ship; Tom cancels his order.\n");
	TRY("ship", bo_order_ship(inv, "W-2001", NULL, BO_ALL));
	TRY("cancel", bo_order_cancel(inv, "W-2002", NULL, BO_ALL));
	TRY("dispatch", dispatch(inv, "a normal run"));

	files = list_outbox(argv[1]);
	if (files < 0) {
		perror(argv[1]);
		status = 1;
		goto out;
	}
	printf("\n%d messages written, %d files in the outbox; re-delivered events recognised and not sent twice: %u.\n",
	       (int)m->written, files, m->duplicates);
out:
	bo_inventory_free(inv); /* frees `m` through the notifier's free */
	return status;
}
