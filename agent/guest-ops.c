/* Guest actions through libvirt (see guest-ops.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "agent/guest-ops.h"
#include "agent/guests.h"
#include "common/cause.h"

/* libvirt's last error of this thread, as one line. */
static int
fail(char *msg, size_t len, int rc, const char *what, const char *name)
{
	virErrorPtr e = virGetLastError();
	char *p;

	snprintf(msg, len, "%s%s%s: %s", what, name ? " " : "", name ? name : "",
	    e != NULL && e->message != NULL ? e->message : "libvirt failed");
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (e != NULL && e->code == VIR_ERR_NO_DOMAIN)
		return -ENOENT;
	if (e != NULL && e->code == VIR_ERR_OPERATION_ABORTED)
		return -ECANCELED;
	return rc;
}

/* A guest name from a console or a peer: printable, no slash, not too long. */
int
gop_name_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 63 || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == '/' || name[i] == '\\' ||
		    name[i] == '\'' || name[i] == '"' || (unsigned char)name[i] >= 0x7f)
			return 0;
	return 1;
}

static virDomainPtr
lookup(const char *uri, const char *name, virConnectPtr *c, char *msg, size_t len, int *rc)
{
	virDomainPtr d;

	if ((*c = virConnectOpen(uri)) == NULL) {
		*rc = fail(msg, len, -ECONNREFUSED, "libvirt", uri);
		return NULL;
	}
	if ((d = virDomainLookupByName(*c, name)) == NULL) {
		*rc = fail(msg, len, -ENOENT, "guest", name);
		virConnectClose(*c);
		*c = NULL;
	}
	return d;
}

int
gop_action(const char *uri, enum gop op, const char *name, char *msg, size_t len)
{
	static const char *const what[] = { "start", "stop", "destroy", "undefine" };
	virConnectPtr c;
	virDomainPtr d;
	int rc = 0, r;

	if ((d = lookup(uri, name, &c, msg, len, &rc)) == NULL)
		return rc;
	r = op == GOP_START ? virDomainCreate(d) : op == GOP_STOP ? virDomainShutdown(d) :
	    op == GOP_DESTROY ? virDomainDestroy(d) : virDomainUndefine(d);
	if (r < 0)
		rc = fail(msg, len, -EIO, what[op], name);
	else
		snprintf(msg, len, "%s: %s", name, op == GOP_START ? "started" :
		    op == GOP_STOP ? "asked to shut down" : op == GOP_DESTROY ? "destroyed" :
		    "undefined");
	virDomainFree(d);
	virConnectClose(c);
	return rc;
}

int
gop_define(const char *uri, const char *xml, char *name, size_t namelen, char *msg, size_t len)
{
	virConnectPtr c;
	virDomainPtr d;
	int rc = 0;

	if ((c = virConnectOpen(uri)) == NULL)
		return fail(msg, len, -ECONNREFUSED, "libvirt", uri);
	if ((d = virDomainDefineXML(c, xml)) == NULL) {
		rc = fail(msg, len, -EINVAL, "define", NULL);
	} else {
		snprintf(name, namelen, "%s", virDomainGetName(d));
		snprintf(msg, len, "%s: defined", name);
		virDomainFree(d);
	}
	virConnectClose(c);
	return rc;
}

/* The text between <tag> and </tag> in xml, or "". */
static void
xml_text(const char *xml, const char *tag, char *out, size_t len)
{
	char open[64], close[64];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	out[0] = '\0';
	if ((s = strstr(xml, open)) == NULL || (e = strstr(s, close)) == NULL)
		return;
	s += strlen(open);
	snprintf(out, len, "%.*s", (int)(e - s < (long)len - 1 ? e - s : (long)len - 1), s);
}

int
gop_inspect(const char *uri, const char *name, struct gop_info *gi, char *msg, size_t len)
{
	virConnectPtr c;
	virDomainPtr d;
	virDomainInfo info;
	unsigned long ver = 0;
	char *xml;
	int rc = 0;

	memset(gi, 0, sizeof(*gi));
	if ((d = lookup(uri, name, &c, msg, len, &rc)) == NULL)
		return rc;
	if (virDomainGetInfo(d, &info) < 0 || (xml = virDomainGetXMLDesc(d, 0)) == NULL) {
		rc = fail(msg, len, -EIO, "guest", name);
	} else {
		gi->active = virDomainIsActive(d) == 1;
		gi->vcpus = info.nrVirtCpu;
		gi->memory_bytes = (uint64_t)info.maxMem * 1024;
		gi->emulated = strstr(xml, "<domain type='qemu'") != NULL ||
		    strstr(xml, "<domain type=\"qemu\"") != NULL;
		xml_text(xml, "emulator", gi->emulator, sizeof(gi->emulator));
		xml_text(xml, "uuid", gi->uuid, sizeof(gi->uuid));
		gi->shared_ram = guests_xml_shared_ram(xml) == 1;
		free(xml);
		if (virConnectGetVersion(c, &ver) == 0)
			gi->hv_version = ver;
	}
	virDomainFree(d);
	virConnectClose(c);
	return rc;
}

int
gop_bench_socket(const char *uri, const char *name, char *path, size_t plen, char *msg,
    size_t len)
{
	virConnectPtr c;
	virDomainPtr d;
	char *xml;
	int rc = 0;

	if ((d = lookup(uri, name, &c, msg, len, &rc)) == NULL)
		return rc;
	if (virDomainIsActive(d) != 1)
		rc = cause_fail(msg, len, -ESRCH, "guest %s is not running", name);
	else if ((xml = virDomainGetXMLDesc(d, 0)) == NULL)
		rc = fail(msg, len, -EIO, "guest", name);
	else {
		if (guests_xml_bench_socket(xml, path, plen) != 1)
			rc = cause_fail(msg, len, -ENOENT, "guest %s has no bench port (a <serial "
			    "type='unix'> with <alias name='ua-mint-bench'/>, its ttyS1 running the "
			    "runner of tests/guest/mkguest.sh --bench)", name);
		free(xml);
	}
	virDomainFree(d);
	virConnectClose(c);
	return rc;
}

int
gop_hv_version(const char *uri, uint64_t *v, char *msg, size_t len)
{
	virConnectPtr c = virConnectOpenReadOnly(uri);
	unsigned long ver = 0;
	int rc = 0;

	if (c == NULL)
		return fail(msg, len, -ECONNREFUSED, "libvirt", uri);
	if (virConnectGetVersion(c, &ver) < 0)
		rc = fail(msg, len, -EIO, "libvirt", uri);
	*v = ver;
	virConnectClose(c);
	return rc;
}

static void
job_from(virTypedParameterPtr p, int n, int type, struct gop_job *j)
{
	unsigned long long v;

	memset(j, 0, sizeof(*j));
	j->active = type == VIR_DOMAIN_JOB_BOUNDED || type == VIR_DOMAIN_JOB_UNBOUNDED;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED, &v) == 1)
		j->elapsed_ms = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_TOTAL, &v) == 1)
		j->data_total = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &v) == 1)
		j->data_processed = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_REMAINING, &v) == 1)
		j->data_remaining = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &v) == 1)
		j->dirty_rate = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_MEMORY_BPS, &v) == 1)
		j->bytes_per_s = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DOWNTIME, &v) == 1)
		j->downtime_ms = v, j->have_downtime = 1;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, &v) == 1)
		j->page_size = v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION, &v) == 1)
		j->iteration = v;
	{
		int t;

		if (virTypedParamsGetInt(p, n, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE, &t) == 1 &&
		    t >= 0 && t <= 100)
			j->throttle_pct = (uint32_t)t;
	}
}

static int
job_stats(virDomainPtr d, unsigned flags, struct gop_job *j)
{
	virTypedParameterPtr p = NULL;
	int n = 0, type;

	if (virDomainGetJobStats(d, &type, &p, &n, flags) < 0)
		return -1;
	job_from(p, n, type, j);
	virTypedParamsFree(p, n);
	return 0;
}

int
gop_abort(const char *uri, const char *name, char *msg, size_t len)
{
	virConnectPtr c;
	virDomainPtr d;
	int rc = 0;

	if ((d = lookup(uri, name, &c, msg, len, &rc)) == NULL)
		return rc;
	if (virDomainAbortJob(d) < 0)
		rc = fail(msg, len, -EIO, "abort the migration of", name);
	else
		snprintf(msg, len, "%s: migration cancelled", name);
	virDomainFree(d);
	virConnectClose(c);
	return rc;
}

void
gop_close(void **conn)
{
	if (*conn != NULL)
		virConnectClose(*conn);
	*conn = NULL;
}

int
gop_steer(const char *uri, void **conn, const char *name, const struct gop_steer *s,
    struct gop_job *j, char *msg, size_t len)
{
	virConnectPtr c = *conn;
	virDomainPtr d;
	int rc = 0;

	memset(j, 0, sizeof(*j));
	if (c == NULL && (c = *conn = virConnectOpen(uri)) == NULL)
		return fail(msg, len, -ECONNREFUSED, "libvirt", uri);
	if ((d = virDomainLookupByName(c, name)) == NULL) {
		rc = fail(msg, len, -ENOENT, "guest", name);
		gop_close(conn);
		return rc;
	}
	if (s->max_downtime_ms > 0 && virDomainMigrateSetMaxDowntime(d, s->max_downtime_ms, 0) < 0)
		rc = fail(msg, len, -EIO, "set the maximum downtime of", name);
	else if (s->postcopy && virDomainMigrateStartPostCopy(d, 0) < 0)
		rc = fail(msg, len, -EIO, "switch to post-copy:", name);
	else if (s->suspend && virDomainSuspend(d) < 0)
		rc = fail(msg, len, -EIO, "pause", name);
	else if (s->abort && virDomainAbortJob(d) < 0)
		rc = fail(msg, len, -EIO, "abort the migration of", name);
	if (rc == 0 && job_stats(d, 0, j) < 0)
		rc = fail(msg, len, -EIO, "job of", name);
	virDomainFree(d);
	return rc;
}

int
gop_migrate(const char *uri, const char *name, const struct gop_mig *mig, struct gop_job *final,
    char *msg, size_t len)
{
	virTypedParameterPtr p = NULL;
	int np = 0, maxp = 0, rc = 0;
	unsigned flags = VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_ABORT_ON_ERROR;
	virConnectPtr c;
	virDomainPtr d;

	memset(final, 0, sizeof(*final));
	if ((d = lookup(uri, name, &c, msg, len, &rc)) == NULL)
		return rc;
	if (mig->live)
		flags |= VIR_MIGRATE_LIVE;
	if (mig->auto_converge)
		flags |= VIR_MIGRATE_AUTO_CONVERGE;
	if (mig->postcopy)
		flags |= VIR_MIGRATE_POSTCOPY;
	if ((mig->miguri != NULL && virTypedParamsAddString(&p, &np, &maxp, VIR_MIGRATE_PARAM_URI,
	    mig->miguri) < 0) ||
	    (mig->bandwidth_mib > 0 && virTypedParamsAddULLong(&p, &np, &maxp,
	    VIR_MIGRATE_PARAM_BANDWIDTH, mig->bandwidth_mib) < 0) ||
	    (mig->ac_initial > 0 && virTypedParamsAddInt(&p, &np, &maxp,
	    VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, (int)mig->ac_initial) < 0) ||
	    (mig->ac_increment > 0 && virTypedParamsAddInt(&p, &np, &maxp,
	    VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, (int)mig->ac_increment) < 0)) {
		rc = fail(msg, len, -ENOMEM, "migrate", name);
		goto out;
	}
	if (virDomainMigrateToURI3(d, mig->dconnuri, p, (unsigned)np, flags) < 0) {
		rc = fail(msg, len, -EIO, "migrate", name);
		goto out;
	}
	/* the figures of the job just done; the source keeps them while it knows the guest */
	job_stats(d, VIR_DOMAIN_JOB_STATS_COMPLETED, final);
	/* the guest lives on the destination now: its definition here goes */
	if (virDomainUndefine(d) < 0 && virDomainIsPersistent(d) == 1)
		snprintf(msg, len, "%s: migrated, but its definition here stays", name);
	else
		snprintf(msg, len, "%s: migrated", name);
out:
	virTypedParamsFree(p, np);
	virDomainFree(d);
	virConnectClose(c);
	return rc;
}
