#include "base/xlsxwrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/month.h"
#include "base/banned.h"

static void write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const struct xlsx_col *col,
                       const json_t *v, lxw_format *money)
{
    char text[32];
    const char *s;
    if (!v || json_is_null(v))
        return;
    switch (col->type) {
    case 'm': /* the JSON keeps integer fen, the workbook shows yuan */
        worksheet_write_number(ws, r, c, (double)json_integer_value(v) / 100.0, money);
        break;
    case 'i':
    case 'n':
        worksheet_write_number(ws, r, c, json_number_value(v), NULL);
        break;
    case 'b':
        worksheet_write_string(ws, r, c, json_is_true(v) ? "是" : "否", NULL);
        break;
    case 'd':
        date_format(date_of_time(json_integer_value(v)), text, sizeof(text));
        worksheet_write_string(ws, r, c, text, NULL);
        break;
    case 'T': { /* the local time of day too (UTC+8, as date_of_time) */
        long long t = json_integer_value(v) + 8 * 3600, sec = ((t % 86400) + 86400) % 86400;
        date_format(date_of_time(json_integer_value(v)), text, sizeof(text));
        snprintf(text + 10, sizeof(text) - 10, " %02lld:%02lld:%02lld", sec / 3600, sec / 60 % 60,
                 sec % 60);
        worksheet_write_string(ws, r, c, text, NULL);
        break;
    }
    default:
        if (json_is_object(v) || json_is_array(v)) { /* e.g. an audit row's detail */
            char *dump = json_dumps(v, JSON_COMPACT);
            worksheet_write_string(ws, r, c, dump ? dump : "", NULL);
            free(dump);
            return;
        }
        if (json_is_integer(v)) {
            snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            s = text;
        } else {
            s = json_is_string(v) ? json_string_value(v) : "";
        }
        if (col->type == 'l' && col->label)
            s = col->label(s);
        worksheet_write_string(ws, r, c, s, NULL);
    }
}

/* The value under key in row, where "a.b" names member b of the object a. */
static const json_t *lookup(const json_t *row, const char *key)
{
    const char *dot = strchr(key, '.');
    char head[64];
    if (!dot)
        return json_object_get(row, key);
    if ((size_t)(dot - key) >= sizeof(head))
        return NULL;
    memcpy(head, key, (size_t)(dot - key));
    head[dot - key] = '\0';
    return lookup(json_object_get(row, head), dot + 1);
}

static int read_back(const char *path, char **ret, size_t *ret_len, struct errbuf *e)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *data = NULL;
    if (!f)
        return errbuf_set(e, -ERR_IO, "cannot read the workbook");
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(data = malloc((size_t)n + 1)) || fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        fclose(f);
        return errbuf_set(e, -ERR_IO, "cannot read the workbook");
    }
    fclose(f);
    *ret = data;
    *ret_len = (size_t)n;
    return 0;
}

/*
 * Write rows (a JSON array of objects, at most XLSX_EXPORT_MAX_ROWS) as the sheet named
 * sheet: the headers of cols[0..ncols) bold on a tinted, frozen first row, each column its
 * width, each row's values by their column's type (a key "a.b" reads member b of object a;
 * an object or array value is written as its compact JSON text). libxlsxwriter 1.1.4 writes to a file: a
 * private temporary one, read back into *ret (malloc'd, the caller frees) and removed.
 * Return 0, or -ERR_IO.
 */
int xlsx_write_rows(const char *sheet, const struct xlsx_col *cols, size_t ncols,
                    const json_t *rows, char **ret, size_t *ret_len, struct errbuf *e)
{
    char path[] = "/tmp/dj-xlsx-XXXXXX";
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *money;
    const json_t *row;
    size_t i;
    int fd, rc;

    if ((fd = mkstemp(path)) < 0)
        return errbuf_set(e, -ERR_IO, "cannot create a temporary file for the workbook");
    close(fd);
    if (!(wb = workbook_new(path))) {
        unlink(path);
        return errbuf_set(e, -ERR_IO, "cannot create the workbook");
    }
    ws = workbook_add_worksheet(wb, sheet);
    bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_bg_color(bold, 0xDDEBF7);
    money = workbook_add_format(wb);
    format_set_num_format(money, "\"¥\"#,##0.00");
    for (size_t c = 0; c < ncols; c++) {
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width, NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c].header, bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    json_array_foreach(rows, i, row)
    {
        if (i >= XLSX_EXPORT_MAX_ROWS)
            break;
        for (size_t c = 0; c < ncols; c++)
            write_cell(ws, (lxw_row_t)(i + 1), (lxw_col_t)c, &cols[c],
                       lookup(row, cols[c].key), money);
    }
    if (workbook_close(wb) != LXW_NO_ERROR) {
        unlink(path);
        return errbuf_set(e, -ERR_IO, "cannot write the workbook");
    }
    rc = read_back(path, ret, ret_len, e);
    unlink(path);
    return rc;
}
