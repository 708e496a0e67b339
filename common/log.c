/* Log lines to stderr or syslog; fatal() adds strerror(errno), fatalx() does not. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

#include "common/log.h"

static const char *log_name = "mint";
static int log_verbose;
static int log_where = LOG_TO_STDERR;
static int log_journal;		/* stderr is systemd's journal: lines carry their priority */
static log_sink_fn log_sink;	/* takes the lines in place of the journal's stream */

/* systemd says in $JOURNAL_STREAM which stream it connected to the journal ("dev:ino"). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_open(const char *name, int verbose, int where)
{
	log_name = name;
	log_verbose = verbose;
	log_where = where;
	log_journal = where == LOG_TO_STDERR && stderr_is_journal();
	if (where == LOG_TO_SYSLOG)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_to_journal(void)
{
	return log_journal;
}

void
log_set_sink(log_sink_fn sink)
{
	__atomic_store_n(&log_sink, sink, __ATOMIC_RELEASE);	/* the workers' threads log too */
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

static void
log_vwrite_about(int prio, const char *key, const char *value, const char *fmt, va_list ap,
    const char *suffix)
{
	char line[1024];
	log_sink_fn sink;
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	snprintf(line + n, sizeof(line) - n, "%s", suffix);
	sink = __atomic_load_n(&log_sink, __ATOMIC_ACQUIRE);
	if (log_journal && sink != NULL && sink(prio, key, value, line) == 0)
		return;
	if (log_where == LOG_TO_SYSLOG)
		syslog(prio, "%s", line);
	else if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio, line);	/* journald names the unit */
	else
		fprintf(stderr, "%s: %s\n", log_name, line);
}

static void
log_vwrite(int prio, const char *fmt, va_list ap, const char *suffix)
{
	log_vwrite_about(prio, NULL, NULL, fmt, ap, suffix);
}

void
log_about(int prio, const char *key, const char *value, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite_about(prio, key, value, fmt, ap, "");
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, "");
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, "");
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, "");
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	char suffix[256];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, suffix);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, "");
	va_end(ap);
	exit(1);
}
