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

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

static void
log_vwrite(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_where == LOG_TO_SYSLOG)
		syslog(prio, "%s%s", line, suffix);
	else if (log_journal)
		fprintf(stderr, "<%d>%s%s\n", prio, line, suffix);	/* journald names the unit */
	else
		fprintf(stderr, "%s: %s%s\n", log_name, line, suffix);
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
