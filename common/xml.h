/* Reading libvirt's domain XML (libxml2): the few steps the agent and the hook share. */
#ifndef MINT_COMMON_XML_H
#define MINT_COMMON_XML_H

#include <libxml/tree.h>

/* The first child element of n (n may be NULL) called name, or NULL. */
xmlNode *xml_child(xmlNode *n, const char *name);
/* Whether attribute attr of n (n may be NULL) is value. */
int xml_attr_is(xmlNode *n, const char *attr, const char *value);

#endif
