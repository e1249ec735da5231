/* The built web app (web/dist) served at /, with precompressed assets and cache headers. */
#ifndef HTTP_STATIC_H
#define HTTP_STATIC_H

#include "http/req.h"

int static_serve(struct req *r, const char *dir, struct errbuf *e);

#endif
