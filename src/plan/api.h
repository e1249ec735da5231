/* HTTP handlers of the plan module (routes under /api/v1/plans in http/router.c). */
#ifndef PLAN_API_H
#define PLAN_API_H

#include "http/req.h"

/* plans and tasks (api.c) */
int api_plan_list(struct req *r, struct errbuf *e);
int api_plan_create(struct req *r, struct errbuf *e);
int api_plan_defaults(struct req *r, struct errbuf *e);
int api_plan_get(struct req *r, struct errbuf *e);
int api_plan_update(struct req *r, struct errbuf *e);
int api_plan_task_add(struct req *r, struct errbuf *e);
int api_plan_task_get(struct req *r, struct errbuf *e);
int api_plan_task_update(struct req *r, struct errbuf *e);
int api_plan_report(struct req *r, struct errbuf *e);

/* progress, bulletins and the check on demand (api_progress.c) */
int api_plan_progress(struct req *r, struct errbuf *e);
int api_plan_bulletin(struct req *r, struct errbuf *e);
int api_plan_check(struct req *r, struct errbuf *e);

/* watching and the loop (api_loop.c) */
int api_plan_warnings(struct req *r, struct errbuf *e);
int api_plan_lagging(struct req *r, struct errbuf *e);
int api_plan_lagging_notify(struct req *r, struct errbuf *e);
int api_plan_todos(struct req *r, struct errbuf *e);
int api_plan_inbox(struct req *r, struct errbuf *e);
int api_plan_inbox_read(struct req *r, struct errbuf *e);
int api_plan_cases(struct req *r, struct errbuf *e);
int api_plan_case_get(struct req *r, struct errbuf *e);
int api_plan_case_act(struct req *r, struct errbuf *e);
int api_plan_webhooks(struct req *r, struct errbuf *e);
int api_plan_webhook_create(struct req *r, struct errbuf *e);
int api_plan_webhook_test(struct req *r, struct errbuf *e);
int api_plan_webhook_update(struct req *r, struct errbuf *e);
int api_plan_deliveries(struct req *r, struct errbuf *e);

#endif
