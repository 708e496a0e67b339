/* The whole machine in the Prometheus text format, from the region alone. */
#ifndef MINT_VIEW_METRICS_H
#define MINT_VIEW_METRICS_H

#include <stdio.h>

#include "shm/region.h"

void metrics_write(FILE *f, const struct mint_region *r);

#endif
