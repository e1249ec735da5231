/* The parts of an .xlsx read after the workbook: styles (which formats are dates), shared
 * strings, and the sheet itself, row by row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/xlsx_impl.h"
#include "base/banned.h"

/* --- styles.xml: which cell formats show dates ------------------------------------------ */

/*
 * Whether a number format code shows a date: a y or d outside quoted text, escapes and
 * [brackets] (colours, locales, elapsed hours). m alone may be minutes, so it does not count.
 */
static bool code_is_date(const char *c)
{
    for (; *c; c++) {
        if (*c == '"') {
            while (c[1] && c[1] != '"')
                c++;
            if (c[1])
                c++;
        } else if (*c == '[') {
            while (c[1] && c[1] != ']')
                c++;
        } else if ((*c == '\\' || *c == '_' || *c == '*') && c[1]) {
            c++;
        } else if (*c == 'y' || *c == 'Y' || *c == 'd' || *c == 'D') {
            return true;
        }
    }
    return false;
}

/* Built-in date formats, with the ids Chinese Excel uses for its 年月日 formats. */
static bool builtin_date(unsigned id)
{
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) || id == 36 ||
           (id >= 50 && id <= 54) || id == 57 || id == 58;
}

static bool fmt_is_date(const struct xlsx *x, unsigned id)
{
    if (builtin_date(id))
        return true;
    for (size_t i = 0; i < x->ndate_fmts; i++)
        if (x->date_fmts[i] == id)
            return true;
    return false;
}

void xlsx_styles_start(struct xlsx *x, const char *el, const char **attrs)
{
    const char *id = xlsx_attr(attrs, "numFmtId"), *code;
    if (strcmp(el, "cellXfs") == 0) {
        x->in_cellxfs = true;
    } else if (strcmp(el, "numFmt") == 0 && id && (code = xlsx_attr(attrs, "formatCode")) &&
               code_is_date(code)) {
        if (x->ndate_fmts >= MAX_DATE_FORMATS)
            return (void)xlsx_refuse(x, MAX_DATE_FORMATS, "more than %s number formats", "4096");
        if (buf_grow_array((void **)&x->date_fmts, &x->date_fmts_cap, x->ndate_fmts + 1,
                 sizeof(*x->date_fmts)) < 0)
            return xlsx_nomem(x);
        x->date_fmts[x->ndate_fmts++] = (unsigned)strtoul(id, NULL, 10);
    } else if (strcmp(el, "xf") == 0 && x->in_cellxfs) {
        if (x->nxf >= MAX_STYLES)
            return (void)xlsx_refuse(x, MAX_STYLES, "more than %s cell formats", "65536");
        if (buf_grow_array((void **)&x->xf_date, &x->xf_cap, x->nxf + 1, 1) < 0)
            return xlsx_nomem(x);
        x->xf_date[x->nxf++] = id && fmt_is_date(x, (unsigned)strtoul(id, NULL, 10));
    }
}

void xlsx_styles_end(struct xlsx *x, const char *el)
{
    if (strcmp(el, "cellXfs") == 0)
        x->in_cellxfs = false;
}

/* --- sharedStrings.xml ------------------------------------------------------------------ */

void xlsx_strings_start(struct xlsx *x, const char *el, const char **attrs)
{
    (void)attrs;
    if (strcmp(el, "si") == 0)
        buf_reset(&x->val);
    else if (strcmp(el, "t") == 0)
        x->in_t = true;
    else if (strcmp(el, "rPh") == 0)
        x->in_rph++;
}

void xlsx_strings_end(struct xlsx *x, const char *el)
{
    if (strcmp(el, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(el, "rPh") == 0) {
        x->in_rph--;
    } else if (strcmp(el, "si") == 0) {
        size_t off = x->sst.len;
        if (x->nsst >= XLSX_MAX_STRINGS)
            return (void)xlsx_refuse(x, XLSX_MAX_STRINGS, "more than %s shared strings", "4194304");
        if (buf_grow_array((void **)&x->sst_off, &x->sst_cap, x->nsst + 1, sizeof(*x->sst_off)) < 0 ||
            buf_add(&x->sst, x->val.data ? x->val.data : "", x->val.len + 1) < 0)
            return (void)xlsx_refuse(x, XLSX_MAX_PART, "shared strings past %s bytes", "268435456");
        x->sst_off[x->nsst++] = (uint32_t)off;
    }
}

/* --- the sheet ---------------------------------------------------------------------------- */

/*
 * Format the numeric cell text v into out: when date, the serial number (days since
 * 1899-12-30, with Excel's phantom 1900-02-29 as serial 60; or since 1904-01-01 when
 * date1904) as "YYYY-MM-DD"; otherwise the number with 15 significant digits, so that binary
 * noise such as 1234.4999999999998 reads 1234.5. Text that is no number is copied as is.
 */
void xlsx_number_text(const char *v, bool date, bool date1904, char *out, size_t n)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d)) {
        snprintf(out, n, "%s", v);
        return;
    }
    if (date && d >= 0 && d < 2958466) { /* up to 9999-12-31 */
        long serial = (long)floor(d + 0.5 / 86400);
        long days;
        if (date1904)
            days = date_to_days(19040101) + serial;
        else if (serial == 60) {
            snprintf(out, n, "1900-02-29");
            return;
        } else
            days = date_to_days(serial > 60 ? 18991230 : 18991231) + serial;
        date_format(date_from_days(days), out, n);
        return;
    }
    if (fabs(d) < 1e15 && d == floor(d))
        snprintf(out, n, "%.0f", d == 0 ? 0.0 : d);
    else
        snprintf(out, n, "%.15g", d);
}

/* Column index from a cell reference such as "AB12" (0 for A); -1 when none. */
static long ref_column(const char *r)
{
    long c = 0;
    for (; *r >= 'A' && *r <= 'Z'; r++)
        if ((c = c * 26 + (*r - 'A' + 1)) > (long)XLSX_MAX_COLUMNS)
            return (long)XLSX_MAX_COLUMNS;
    return c - 1;
}

static size_t ref_row(const char *r)
{
    while (*r >= 'A' && *r <= 'Z')
        r++;
    return (size_t)strtoul(r, NULL, 10);
}

void xlsx_sheet_start(struct xlsx *x, const char *el, const char **attrs)
{
    const char *v;
    if (strcmp(el, "row") == 0) {
        v = xlsx_attr(attrs, "r");
        x->line = v ? (size_t)strtoul(v, NULL, 10) : x->last_line + 1;
        if (x->line <= x->last_line || x->line > XLSX_MAX_ROW)
            return (void)xlsx_refuse(x, 0, "rows are out of order at row %s", v ? v : "?");
        buf_reset(&x->row);
        x->noffs = x->next_col = 0;
    } else if (strcmp(el, "c") == 0) {
        long c = (v = xlsx_attr(attrs, "r")) ? ref_column(v) : (long)x->next_col;
        if (c < 0 || c >= (long)XLSX_MAX_COLUMNS)
            return (void)xlsx_refuse(x, XLSX_MAX_COLUMNS, "cell '%s' is past column XFD",
                                v ? v : "?");
        x->col = (size_t)c;
        x->next_col = x->col + 1;
        v = xlsx_attr(attrs, "t");
        snprintf(x->ctype, sizeof(x->ctype), "%s", v ? v : "n");
        v = xlsx_attr(attrs, "s");
        x->style = v ? strtol(v, NULL, 10) : 0;
        x->has_value = false;
        buf_reset(&x->val);
    } else if (strcmp(el, "v") == 0) {
        x->in_v = true;
        buf_reset(&x->val);
    } else if (strcmp(el, "is") == 0) {
        x->in_is = true;
        buf_reset(&x->val);
    } else if (strcmp(el, "t") == 0 && x->in_is) {
        x->in_t = true;
    } else if (strcmp(el, "rPh") == 0) {
        x->in_rph++;
    } else if (strcmp(el, "mergeCell") == 0 && (v = xlsx_attr(attrs, "ref")) && x->header_line) {
        const char *colon = strchr(v, ':');
        size_t top = ref_row(v), bottom = colon ? ref_row(colon + 1) : top;
        if (top <= x->header_line && x->header_line <= bottom) {
            xlsx_fail(x, errbuf_field(x->e, -ERR_INVALID, R_MERGED_CELLS, NULL, NULL,
                                 "row %zu: merged cells %s in the header row: unmerge them and "
                                 "give each column its own header",
                                 x->header_line, v));
            errbuf_row(x->e, (long long)x->header_line);
            errbuf_column(x->e, v);
        }
    }
}

/* The text of the cell just closed, in out (which must hold 64 bytes), or NULL if empty. */
static const char *cell_text(struct xlsx *x, char *out, size_t n)
{
    const char *v = buf_str(&x->val);
    if (strcmp(x->ctype, "s") == 0) {
        unsigned long i = strtoul(v, NULL, 10);
        if (!*v || i >= x->nsst) {
            xlsx_refuse(x, 0, "a cell refers to shared string %s, which does not exist", v);
            return NULL;
        }
        return x->sst.data + x->sst_off[i];
    }
    if (strcmp(x->ctype, "n") == 0) {
        bool date = x->style >= 0 && (size_t)x->style < x->nxf && x->xf_date[x->style];
        xlsx_number_text(v, date, x->date1904, out, n);
        return out;
    }
    if (strcmp(x->ctype, "d") == 0 && strlen(v) >= 10 && v[4] == '-' &&
        (!v[10] || v[10] == 'T')) { /* ISO 8601 date cell: the date part */
        snprintf(out, n, "%.10s", v);
        return out;
    }
    return v; /* inlineStr, str (a formula's text), b (0 or 1), e (#N/A and the like) */
}

static void store_cell(struct xlsx *x, const char *s)
{
    size_t off = x->row.len;
    if (!*s)
        return;
    if (buf_grow_array((void **)&x->offs, &x->offs_cap, x->col + 1, sizeof(*x->offs)) < 0)
        return xlsx_nomem(x);
    while (x->noffs <= x->col)
        x->offs[x->noffs++] = SIZE_MAX;
    if (buf_add(&x->row, s, strlen(s) + 1) < 0)
        return (void)xlsx_refuse(x, ROW_MAX_BYTES, "row %s is longer than 16 MiB", "");
    x->offs[x->col] = off;
}

static void emit_row(struct xlsx *x)
{
    size_t n = x->noffs;
    int rc;
    while (n > 0 && x->offs[n - 1] == SIZE_MAX)
        n--;
    if (n == 0)
        return;
    if (buf_grow_array((void **)&x->cells, &x->cells_cap, n, sizeof(*x->cells)) < 0)
        return xlsx_nomem(x);
    for (size_t j = 0; j < n; j++)
        x->cells[j] = x->offs[j] == SIZE_MAX ? "" : x->row.data + x->offs[j];
    if (!x->header_line)
        x->header_line = x->line;
    /* a merged header shows itself only after the rows (mergeCells follows sheetData), and
     * explains the rows' errors better than they do: read on, holding fn's error back */
    if (x->row_rc == 0 && (rc = x->fn(x->ctx, x->line, x->cells, n, x->e)) < 0) {
        x->row_rc = rc;
        x->row_err = *x->e;
    }
}

void xlsx_sheet_end(struct xlsx *x, const char *el)
{
    char num[64];
    const char *s;
    if (strcmp(el, "v") == 0) {
        x->in_v = false;
        x->has_value = true;
    } else if (strcmp(el, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(el, "rPh") == 0) {
        x->in_rph--;
    } else if (strcmp(el, "is") == 0) {
        x->in_is = false;
        x->has_value = true;
    } else if (strcmp(el, "c") == 0 && x->has_value) {
        if ((s = cell_text(x, num, sizeof(num))))
            store_cell(x, s);
    } else if (strcmp(el, "row") == 0) {
        emit_row(x);
        x->last_line = x->line;
    }
}

