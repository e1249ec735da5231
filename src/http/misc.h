/* Small endpoints: health, the OpenAPI document, the indicator catalogue. */
#ifndef HTTP_MISC_H
#define HTTP_MISC_H

#include "http/req.h"

int api_health(struct req *r, struct errbuf *e);
int api_openapi(struct req *r, struct errbuf *e);
int api_indicators(struct req *r, struct errbuf *e);

#endif
