/* HTTP handlers of the one to-do list (routes under /api/v1/todos in http/router.c). */
#ifndef INBOX_API_H
#define INBOX_API_H

#include "http/req.h"

int api_todos(struct req *r, struct errbuf *e);
int api_todo_done(struct req *r, struct errbuf *e);

#endif
