/* Inside the .xlsx reader: the state shared by the package code (xlsxread.c) and the parts'
 * handlers (xlsxsheet.c). Not for other modules. */
#ifndef BASE_XLSX_IMPL_H
#define BASE_XLSX_IMPL_H

#include <expat.h>
#include <stdint.h>
#include <zip.h>

#include "base/buf.h"
#include "base/xlsxread.h"

#define CELL_MAX_BYTES (1u * 1024 * 1024) /* one cell's text (Excel: 32,767 characters) */
#define ROW_MAX_BYTES (16u * 1024 * 1024)
#define MAX_STYLES 65536u
#define MAX_DATE_FORMATS 4096u

struct xlsx;

/* One XML part being parsed: the handlers get the element's local name (prefix dropped). */
struct part {
    struct xlsx *x;
    XML_Parser p;
    const char *name;
    unsigned depth;
    void (*on_start)(struct xlsx *x, const char *el, const char **attrs);
    void (*on_end)(struct xlsx *x, const char *el);
};

struct xlsx {
    zip_t *zip;
    struct errbuf *e;
    int rc;
    struct part *cur;
    size_t total; /* uncompressed bytes read over all parts */
    /* workbook and its relationships */
    const char *want; /* the sheet asked for, NULL for the first */
    char *sheet_rid, *sheet_path, *strings_path, *styles_path;
    struct buf names; /* the workbook's sheet names, for an error message */
    bool date1904;
    /* styles: whether each cell format (cellXfs index) shows a date */
    unsigned char *xf_date;
    size_t nxf, xf_cap;
    unsigned *date_fmts; /* custom numFmtIds whose code shows a date */
    size_t ndate_fmts, date_fmts_cap;
    bool in_cellxfs;
    /* shared strings */
    struct buf sst;
    uint32_t *sst_off;
    size_t nsst, sst_cap;
    /* text of the current <v> or <t>, and where we are */
    struct buf val;
    bool in_v, in_t, in_is;
    unsigned in_rph;
    /* the sheet */
    xlsx_row_fn fn;
    void *ctx;
    int row_rc;              /* fn's first error: reported once the merges are known */
    struct errbuf row_err;
    size_t line, last_line, header_line;
    size_t col, next_col;
    char ctype[16];
    long style;
    bool has_value;
    struct buf row;   /* the row's cell texts, each NUL-terminated */
    size_t *offs;     /* offset in row of column j's text, SIZE_MAX when empty */
    size_t noffs, offs_cap;
    const char **cells;
    size_t cells_cap;
};
void xlsx_fail(struct xlsx *x, int rc);
void xlsx_nomem(struct xlsx *x);
int xlsx_refuse(struct xlsx *x, long long limit, const char *fmt, const char *arg);
const char *xlsx_attr(const char **attrs, const char *name);

/* the handlers of the parts, by part */
void xlsx_styles_start(struct xlsx *x, const char *el, const char **attrs);
void xlsx_styles_end(struct xlsx *x, const char *el);
void xlsx_strings_start(struct xlsx *x, const char *el, const char **attrs);
void xlsx_strings_end(struct xlsx *x, const char *el);
void xlsx_sheet_start(struct xlsx *x, const char *el, const char **attrs);
void xlsx_sheet_end(struct xlsx *x, const char *el);

#endif
