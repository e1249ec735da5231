/* HTTP handlers of the scoring module: the model, runs, portraits and leaderboards. */
#ifndef SCORE_API_H
#define SCORE_API_H

#include "http/req.h"

int api_score_months(struct req *r, struct errbuf *e);
int api_score_model(struct req *r, struct errbuf *e);
int api_score_models(struct req *r, struct errbuf *e);
int api_score_model_get(struct req *r, struct errbuf *e);
int api_score_model_create(struct req *r, struct errbuf *e);
int api_score_model_activate(struct req *r, struct errbuf *e);
int api_score_run(struct req *r, struct errbuf *e);
int api_portrait_member(struct req *r, struct errbuf *e);
int api_portrait_member_annual(struct req *r, struct errbuf *e);
int api_portrait_org(struct req *r, struct errbuf *e);
int api_leaderboard(struct req *r, struct errbuf *e);
int api_ranking_get(struct req *r, struct errbuf *e);
int api_ranking_set(struct req *r, struct errbuf *e);

#endif
