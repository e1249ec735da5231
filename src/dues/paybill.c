/* Providers' statements into lines (paybill.h). */
#include "dues/paybill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/parse.h"
#include "base/banned.h"

#define MAX_FIELDS 64

/* The columns a line needs, by the names in WeChat Pay's header row. */
enum { COL_REF, COL_NO, COL_STATE, COL_AMOUNT, NCOLS };
static const char *const wechat_cols[NCOLS] = {"微信订单号", "商户订单号", "交易状态", "订单金额"};

/* Split line (len bytes, its '\r' dropped) into fields at commas; with backquoted set, every
 * field starts with '`', which is dropped, and a field ends only at ",`" (so a comma inside a
 * product name stays in it). Fields point into copy (len + 1 bytes). */
static size_t split(const char *line, size_t len, int backquoted, char *copy, char **f)
{
    size_t nf = 0;
    char *p = copy, *end;
    memcpy(copy, line, len);
    copy[len] = '\0';
    end = copy + len;
    if (backquoted && *p == '`')
        p++;
    while (nf < MAX_FIELDS) {
        char *c = backquoted ? strstr(p, ",`") : strchr(p, ',');
        f[nf++] = p;
        if (!c)
            break;
        *c = '\0';
        p = c + (backquoted ? 2 : 1);
        if (p > end)
            break;
    }
    return nf;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

int paybill_parse_wechat(const char *csv, size_t n, struct paybill *b, struct errbuf *e)
{
    const char *p = csv, *end = csv + n;
    int col[NCOLS], row = 0, rc = 0;
    char *copy = NULL, *f[MAX_FIELDS];
    for (int i = 0; i < NCOLS; i++)
        col[i] = -1;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) /* a byte order mark */
        p += 3;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        size_t len, nf;
        char *grown;
        row++;
        if (stop > p && stop[-1] == '\r') /* CRLF */
            stop--;
        len = (size_t)(stop - p);
        if (!(grown = realloc(copy, len + 1))) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        copy = grown;
        if (len == 0)
            goto next;
        if (row == 1) { /* the header: find the columns by name */
            nf = split(p, len, 0, copy, f);
            for (size_t i = 0; i < nf; i++)
                for (int c = 0; c < NCOLS; c++)
                    if (strcmp(f[i], wechat_cols[c]) == 0)
                        col[c] = (int)i;
            for (int c = 0; c < NCOLS && rc == 0; c++)
                if (col[c] < 0) {
                    rc = errbuf_set(e, -ERR_INVALID, "the trade bill has no column '%s'",
                                    wechat_cols[c]);
                    errbuf_column(e, wechat_cols[c]);
                }
            goto next;
        }
        if (len >= strlen("总交易单数") && memcmp(p, "总交易单数", strlen("总交易单数")) == 0)
            break; /* the summary */
        if (*p != '`') {
            rc = errbuf_set(e, -ERR_INVALID, "row %d of the trade bill does not start with '`'",
                            row);
            break;
        }
        nf = split(p, len, 1, copy, f);
        {
            struct paybill_line *l;
            long long fen;
            for (int c = 0; c < NCOLS; c++)
                if ((size_t)col[c] >= nf) {
                    rc = errbuf_set(e, -ERR_INVALID, "row %d of the trade bill is short", row);
                    goto next;
                }
            for (int c = 0; c < NCOLS; c++)
                trim(f[col[c]]);
            if (strcmp(f[col[COL_STATE]], "SUCCESS") != 0)
                goto next;
            if (parse_amount_fen(f[col[COL_AMOUNT]], &fen) < 0 ||
                strlen(f[col[COL_NO]]) >= sizeof(l->trade_no) ||
                strlen(f[col[COL_REF]]) >= sizeof(l->ref) || !f[col[COL_REF]][0]) {
                rc = errbuf_set(e, -ERR_INVALID,
                                "row %d of the trade bill: bad amount '%s' or"
                                " trade number",
                                row, f[col[COL_AMOUNT]]);
                goto next;
            }
            if (buf_grow_array((void **)&b->lines, &b->cap, b->n + 1, sizeof(*b->lines)) < 0) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                goto next;
            }
            l = &b->lines[b->n++];
            snprintf(l->trade_no, sizeof(l->trade_no), "%s", f[col[COL_NO]]);
            snprintf(l->ref, sizeof(l->ref), "%s", f[col[COL_REF]]);
            l->fen = fen;
        }
    next:
        p = nl ? nl + 1 : end;
    }
    free(copy);
    return rc;
}

void paybill_release(struct paybill *b)
{
    free(b->lines);
    b->lines = NULL;
    b->n = b->cap = 0;
}
