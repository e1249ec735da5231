/* Placeholder handlers until the portraits land: each answers 501-like internal error. */
#include "score/api.h"

int api_score_months(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_score_model(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_score_models(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_score_model_get(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_score_model_create(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_score_model_activate(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_score_run(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_portrait_member(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_portrait_member_annual(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_portrait_org(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

int api_leaderboard(struct req *r, struct errbuf *e)
{
    (void)r;
    return errbuf_set(e, -ERR_INTERNAL, "not implemented yet");
}

