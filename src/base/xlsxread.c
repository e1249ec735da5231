#include "base/xlsxread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xlsx_impl.h"
#include "base/banned.h"

/* Stop the parse with the error already in x->e (rc < 0); keeps the first error. */
void xlsx_fail(struct xlsx *x, int rc)
{
    if (x->rc == 0)
        x->rc = rc;
    if (x->cur)
        XML_StopParser(x->cur->p, XML_FALSE);
}

void xlsx_nomem(struct xlsx *x)
{
    xlsx_fail(x, errbuf_set(x->e, -ERR_NOMEM, "out of memory reading xlsx"));
}

/* Refuse the file as a broken or hostile workbook; limit > 0 is sent as the item's limit. */
int xlsx_refuse(struct xlsx *x, long long limit, const char *fmt, const char *arg)
{
    int rc = errbuf_field(x->e, -ERR_INVALID, R_INVALID_XLSX, NULL, NULL, fmt, arg);
    if (limit > 0)
        errbuf_limit(x->e, limit);
    xlsx_fail(x, rc);
    return rc;
}

static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

const char *xlsx_attr(const char **attrs, const char *name)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (strcmp(local(attrs[i]), name) == 0)
            return attrs[i + 1];
    return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **attrs)
{
    struct part *pt = ud;
    char depth[16];
    if (++pt->depth > XLSX_MAX_DEPTH) {
        snprintf(depth, sizeof(depth), "%u", XLSX_MAX_DEPTH);
        xlsx_refuse(pt->x, XLSX_MAX_DEPTH, "xml elements nested deeper than %s", depth);
        return;
    }
    if (pt->x->rc == 0)
        pt->on_start(pt->x, local(el), attrs);
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
    struct part *pt = ud;
    pt->depth--;
    if (pt->x->rc == 0 && pt->on_end)
        pt->on_end(pt->x, local(el));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct xlsx *x = ((struct part *)ud)->x;
    if (x->rc < 0 || !(x->in_v || (x->in_t && !x->in_rph)))
        return;
    if (buf_add(&x->val, s, (size_t)len) < 0)
        xlsx_refuse(x, CELL_MAX_BYTES, "a cell is longer than %s bytes", "1048576");
}

/* A DOCTYPE has no place in a workbook and is how entity bombs arrive: refuse it. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int internal)
{
    (void)sysid, (void)pubid, (void)internal;
    xlsx_refuse(((struct part *)ud)->x, 0, "xml part has a document type declaration '%s'", name);
}

/*
 * Inflate the package entry name chunk by chunk into expat with pt's handlers. Return 0,
 * 1 when the entry is absent, or a negative error (broken zip or XML, a limit passed).
 */
static int parse_part(struct xlsx *x, const char *name, struct part *pt)
{
    zip_int64_t idx = zip_name_locate(x->zip, name, 0), n;
    zip_file_t *zf = NULL;
    zip_stat_t st;
    char chunk[65536];
    size_t bytes = 0;
    char lim[32];

    if (idx < 0)
        return 1;
    if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size > XLSX_MAX_PART) {
        snprintf(lim, sizeof(lim), "%u", XLSX_MAX_PART);
        return xlsx_refuse(x, XLSX_MAX_PART, "a part inflates past %s bytes", lim);
    }
    if (!(zf = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0)))
        return xlsx_refuse(x, 0, "cannot open '%s' in the package", name);
    if (!(pt->p = XML_ParserCreate(NULL))) {
        zip_fclose(zf);
        return errbuf_set(x->e, -ERR_NOMEM, "out of memory reading xlsx");
    }
    pt->x = x;
    pt->name = name;
    x->cur = pt;
    XML_SetUserData(pt->p, pt);
    XML_SetElementHandler(pt->p, on_start, on_end);
    XML_SetCharacterDataHandler(pt->p, on_text);
    XML_SetStartDoctypeDeclHandler(pt->p, on_doctype);
    do {
        if ((n = zip_fread(zf, chunk, sizeof(chunk))) < 0) {
            xlsx_refuse(x, 0, "'%s' is damaged in the package", name);
            break;
        }
        bytes += (size_t)n;
        x->total += (size_t)n;
        if (bytes > XLSX_MAX_PART) {
            snprintf(lim, sizeof(lim), "%u", XLSX_MAX_PART);
            xlsx_refuse(x, XLSX_MAX_PART, "a part inflates past %s bytes", lim);
            break;
        }
        if (x->total > XLSX_MAX_TOTAL) {
            snprintf(lim, sizeof(lim), "%u", XLSX_MAX_TOTAL);
            xlsx_refuse(x, XLSX_MAX_TOTAL, "the workbook inflates past %s bytes", lim);
            break;
        }
        if (XML_Parse(pt->p, chunk, (int)n, n == 0) == XML_STATUS_ERROR && x->rc == 0) {
            char msg[160];
            snprintf(msg, sizeof(msg), "%s, line %lu of %s",
                     XML_ErrorString(XML_GetErrorCode(pt->p)),
                     (unsigned long)XML_GetCurrentLineNumber(pt->p), name);
            xlsx_refuse(x, 0, "xml is not well-formed: %s", msg);
        }
    } while (n > 0 && x->rc == 0);
    x->cur = NULL;
    XML_ParserFree(pt->p);
    zip_fclose(zf);
    return x->rc;
}

/* --- workbook.xml and its relationships ------------------------------------------------ */

static void workbook_start(struct xlsx *x, const char *el, const char **attrs)
{
    const char *v;
    if (strcmp(el, "workbookPr") == 0 && (v = xlsx_attr(attrs, "date1904")))
        x->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    if (strcmp(el, "sheet") != 0)
        return;
    v = xlsx_attr(attrs, "name");
    if (x->names.len < 400 &&
        ((x->names.len && buf_addstr(&x->names, ", ") < 0) || buf_addstr(&x->names, v ? v : "") < 0))
        return xlsx_nomem(x);
    if (x->sheet_rid || (x->want && (!v || strcmp(v, x->want) != 0)))
        return;
    if (!(v = xlsx_attr(attrs, "id")) || !(x->sheet_rid = strdup(v)))
        xlsx_refuse(x, 0, "a sheet of the workbook has no relationship id%s", "");
}

/* The package path of a relationship's target, which is relative to xl/ unless absolute. */
static char *target_path(const char *target)
{
    struct buf b;
    buf_init(&b, 4096);
    if (*target == '/' ? buf_addstr(&b, target + 1) < 0
                       : buf_addstr(&b, "xl/") < 0 || buf_addstr(&b, target) < 0) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

static void rels_start(struct xlsx *x, const char *el, const char **attrs)
{
    const char *id = xlsx_attr(attrs, "Id"), *type = xlsx_attr(attrs, "Type"),
               *target = xlsx_attr(attrs, "Target");
    char **slot = NULL;
    if (strcmp(el, "Relationship") != 0 || !id || !type || !target)
        return;
    if (x->sheet_rid && strcmp(id, x->sheet_rid) == 0)
        slot = &x->sheet_path;
    else if (ends_with(type, "/sharedStrings"))
        slot = &x->strings_path;
    else if (ends_with(type, "/styles"))
        slot = &x->styles_path;
    if (slot && !*slot && !(*slot = target_path(target)))
        xlsx_nomem(x);
}

/* --- the package -------------------------------------------------------------------------- */

/* Return true when data starts with a zip local file header, as every .xlsx does. */
bool xlsx_looks_like(const char *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

static int run_part(struct xlsx *x, const char *name, bool required,
                    void (*start)(struct xlsx *, const char *, const char **),
                    void (*end)(struct xlsx *, const char *))
{
    struct part pt = {.on_start = start, .on_end = end};
    int rc = parse_part(x, name, &pt);
    if (rc == 1 && required)
        return xlsx_refuse(x, 0, "the package has no '%s': not an excel workbook", name);
    return rc < 0 ? rc : 0;
}

/*
 * Read the workbook in data[0..len) and call fn for each row of the sheet named sheet (the
 * first when NULL) that has a value, in order. Cells are text: shared and inline strings as
 * they are, numbers through xlsx_number_text (dates where the cell's format shows one).
 * Return 0, or -ERR_INVALID with reason invalid_xlsx (not a workbook, damaged, past a
 * limit), merged_cells (a merged range in the header row), invalid_choice on field sheet
 * (no such sheet), or fn's error. Nothing is kept after the call returns.
 */
int xlsx_read(const char *data, size_t len, const char *sheet, xlsx_row_fn fn, void *ctx,
              struct errbuf *e)
{
    struct xlsx x = {.e = e, .want = sheet, .fn = fn, .ctx = ctx};
    zip_source_t *src;
    zip_error_t zerr;
    zip_int64_t entries;
    int rc = 0;

    buf_init(&x.names, 4096);
    buf_init(&x.sst, XLSX_MAX_PART);
    buf_init(&x.val, CELL_MAX_BYTES);
    buf_init(&x.row, ROW_MAX_BYTES);
    zip_error_init(&zerr);
    if (!(src = zip_source_buffer_create(data, len, 0, &zerr)) ||
        !(x.zip = zip_open_from_source(src, ZIP_RDONLY, &zerr))) {
        if (src)
            zip_source_free(src);
        rc = xlsx_refuse(&x, 0, "not a readable excel workbook: %s", zip_error_strerror(&zerr));
        goto out;
    }
    if ((entries = zip_get_num_entries(x.zip, 0)) > (zip_int64_t)XLSX_MAX_ENTRIES) {
        rc = xlsx_refuse(&x, XLSX_MAX_ENTRIES, "the package holds more than %s files", "1000");
        goto out;
    }
    if ((rc = run_part(&x, "xl/workbook.xml", true, workbook_start, NULL)) < 0)
        goto out;
    if (!x.sheet_rid) {
        if (sheet)
            rc = errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "sheet", sheet,
                              "no sheet '%s' in the workbook (sheets: %s)", sheet,
                              buf_str(&x.names));
        else
            rc = xlsx_refuse(&x, 0, "the workbook has no sheet%s", "");
        goto out;
    }
    if ((rc = run_part(&x, "xl/_rels/workbook.xml.rels", true, rels_start, NULL)) < 0)
        goto out;
    if (!x.sheet_path) {
        rc = xlsx_refuse(&x, 0, "the sheet's part '%s' is not in the package", x.sheet_rid);
        goto out;
    }
    if ((rc = run_part(&x, x.styles_path ? x.styles_path : "xl/styles.xml", false,
                       xlsx_styles_start, xlsx_styles_end)) < 0 ||
        (rc = run_part(&x, x.strings_path ? x.strings_path : "xl/sharedStrings.xml", false,
                       xlsx_strings_start, xlsx_strings_end)) < 0)
        goto out;
    x.in_t = false;
    x.in_rph = 0;
    if ((rc = run_part(&x, x.sheet_path, true, xlsx_sheet_start, xlsx_sheet_end)) == 0 && x.row_rc < 0) {
        *e = x.row_err;
        rc = x.row_rc;
    }
out:
    if (x.zip)
        zip_discard(x.zip);
    free(x.sheet_rid);
    free(x.sheet_path);
    free(x.strings_path);
    free(x.styles_path);
    free(x.xf_date);
    free(x.date_fmts);
    free(x.sst_off);
    free(x.offs);
    free(x.cells);
    buf_release(&x.names);
    buf_release(&x.sst);
    buf_release(&x.val);
    buf_release(&x.row);
    return rc;
}
