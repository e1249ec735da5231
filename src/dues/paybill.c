/* Providers' statements into lines (paybill.h). One reader, a table of formats: which columns
 * to find by name, which state counts as paid, how a row's fields are written and where the
 * rows end. */
#include "dues/paybill.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/parse.h"
#include "base/banned.h"

#define MAX_FIELDS 64

/* The columns a line needs. */
enum { COL_REF, COL_NO, COL_STATE, COL_AMOUNT, NCOLS };

struct format {
    const char *what;        /* in messages */
    const char *cols[NCOLS]; /* the header's names */
    const char *paid;        /* the state column's value of a payment */
    bool backquoted;         /* WeChat Pay: every field after a '`' */
    bool hash_comments;      /* Alipay: '#' lines before the header; the next one ends the rows */
    const char *summary;     /* a row starting so ends the rows */
};

static const struct format wechat = {
    "the trade bill", {"微信订单号", "商户订单号", "交易状态", "订单金额"}, "SUCCESS", true, false,
    "总交易单数"};
static const struct format alipay = {"the statement",
                                     {"支付宝交易号", "商户订单号", "业务类型", "订单金额（元）"},
                                     "交易",
                                     false,
                                     true,
                                     NULL};

/* Split line (len bytes) into fields at commas; with backquoted, every field starts with '`',
 * which is dropped, and a field ends only at ",`" (so a comma inside a product name stays in
 * it). Fields point into copy (len + 1 bytes). */
static size_t split(const char *line, size_t len, bool backquoted, char *copy, char **f)
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

/* Drop the spaces and tabs around s (Alipay pads its fields with a tab). */
static char *trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Find the columns in the header row. */
static int header(const struct format *fmt, char **f, size_t nf, int *col, struct errbuf *e)
{
    for (size_t i = 0; i < nf; i++)
        for (int c = 0; c < NCOLS; c++)
            if (strcmp(trim(f[i]), fmt->cols[c]) == 0)
                col[c] = (int)i;
    for (int c = 0; c < NCOLS; c++)
        if (col[c] < 0) {
            errbuf_set(e, -ERR_INVALID, "%s has no column '%s'", fmt->what, fmt->cols[c]);
            return errbuf_column(e, fmt->cols[c]), -ERR_INVALID;
        }
    return 0;
}

/* One row: a line when its state is the paid one. */
static int row_line(const struct format *fmt, char **f, size_t nf, const int *col, int row,
                    struct paybill *b, struct errbuf *e)
{
    struct paybill_line *l;
    const char *v[NCOLS];
    long long fen;
    for (int c = 0; c < NCOLS; c++) {
        if ((size_t)col[c] >= nf)
            return errbuf_set(e, -ERR_INVALID, "row %d of %s is short", row, fmt->what);
        v[c] = trim(f[col[c]]);
    }
    if (strcmp(v[COL_STATE], fmt->paid) != 0)
        return 0; /* refunds and the like */
    if (parse_amount_fen(v[COL_AMOUNT], &fen) < 0 || strlen(v[COL_NO]) >= sizeof(l->trade_no) ||
        strlen(v[COL_REF]) >= sizeof(l->ref) || !v[COL_REF][0])
        return errbuf_set(e, -ERR_INVALID, "row %d of %s: bad amount '%s' or trade number", row,
                          fmt->what, v[COL_AMOUNT]);
    if (buf_grow_array((void **)&b->lines, &b->cap, b->n + 1, sizeof(*b->lines)) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    l = &b->lines[b->n++];
    snprintf(l->trade_no, sizeof(l->trade_no), "%s", v[COL_NO]);
    snprintf(l->ref, sizeof(l->ref), "%s", v[COL_REF]);
    l->fen = fen;
    return 0;
}

static int parse(const struct format *fmt, const char *csv, size_t n, struct paybill *b,
                 struct errbuf *e)
{
    const char *p = csv, *end = csv + n;
    int col[NCOLS], row = 0, rc = 0;
    bool in_rows = false;
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
        if (len == 0 || (fmt->hash_comments && !in_rows && *p == '#'))
            goto next;
        if ((fmt->hash_comments && *p == '#') ||
            (fmt->summary && len >= strlen(fmt->summary) &&
             memcmp(p, fmt->summary, strlen(fmt->summary)) == 0))
            break;      /* the rows are over */
        if (!in_rows) { /* the header: find the columns by name */
            nf = split(p, len, false, copy, f);
            rc = header(fmt, f, nf, col, e);
            in_rows = true;
            goto next;
        }
        if (fmt->backquoted && *p != '`') {
            rc =
                errbuf_set(e, -ERR_INVALID, "row %d of %s does not start with '`'", row, fmt->what);
            break;
        }
        nf = split(p, len, fmt->backquoted, copy, f);
        rc = row_line(fmt, f, nf, col, row, b, e);
    next:
        p = nl ? nl + 1 : end;
    }
    free(copy);
    return rc;
}

int paybill_parse_wechat(const char *csv, size_t n, struct paybill *b, struct errbuf *e)
{
    return parse(&wechat, csv, n, b, e);
}

int paybill_parse_alipay(const char *csv, size_t n, struct paybill *b, struct errbuf *e)
{
    return parse(&alipay, csv, n, b, e);
}

void paybill_release(struct paybill *b)
{
    free(b->lines);
    b->lines = NULL;
    b->n = b->cap = 0;
}
