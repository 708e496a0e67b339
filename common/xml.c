/* The domain XML's small steps, in one place. */
#include <string.h>

#include "common/xml.h"

xmlNode *
xml_child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, (const xmlChar *)name) == 0)
			return c;
	return NULL;
}

int
xml_attr_is(xmlNode *n, const char *attr, const char *value)
{
	xmlChar *v = n != NULL ? xmlGetProp(n, (const xmlChar *)attr) : NULL;
	int same = v != NULL && strcmp((const char *)v, value) == 0;

	xmlFree(v);
	return same;
}
