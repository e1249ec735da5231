/* GET /api/v1/todos and POST /api/v1/todos/{id}/done: every domain's to-dos in one call. */
#include "inbox/api.h"

#include "inbox/todo.h"
#include "plan/plan.h"
#include "base/banned.h"

/* What is addressed to the caller and to the organizations in their staff scope, open ones
 * first (?done=1: the done ones after them), with the plans' open tasks of the caller's
 * branches beside (open_tasks), so the to-do page needs this one call. */
int api_todos(struct req *r, struct errbuf *e)
{
    struct todo_filter f = {NULL, false, true, true, NULL};
    long long done = 0;
    json_t *out = NULL, *tasks = NULL;
    int rc;
    if ((rc = req_query_int(r, "done", 0, 0, 1, &done, e)) < 0)
        return rc;
    f.history = done == 1;
    if ((rc = todo_list_json(r->db, &r->auth, &f, &out, e)) < 0 ||
        (rc = plan_open_tasks_json(r->db, &r->auth, &tasks, e)) < 0) {
        json_decref(out);
        return rc;
    }
    json_object_set_new(out, "open_tasks", tasks);
    return req_reply_json(r, 200, out);
}

int api_todo_done(struct req *r, struct errbuf *e)
{
    long long id;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = todo_done(r->db, &r->auth, NULL, id, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "done", 1));
}
