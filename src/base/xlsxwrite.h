/* A list as an .xlsx workbook a finance clerk expects (libxlsxwriter): Chinese headers in a
 * bold frozen first row, column widths, amounts as numbers formatted ¥#,##0.00. One helper
 * for every export of the console's lists and reports. */
#ifndef BASE_XLSXWRITE_H
#define BASE_XLSXWRITE_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

/* A column: its header, the key in each row object, and how to write the value:
 * 's' text (numbers as their text), 'i' integer, 'n' number, 'm' fen shown as yuan (a number
 * formatted ¥#,##0.00), 'd' UTC seconds as a date, 'T' as a date and time, 'b' 是/否,
 * 'l' text through label.
 * A key "org.name" reads member name of the row's object org. */
struct xlsx_col {
    const char *header, *key;
    char type;
    double width;
    const char *(*label)(const char *value);
};

/* The most rows an export writes (the lists' exports read that many at once). */
#define XLSX_EXPORT_MAX_ROWS 100000

/* rows (an array of objects) as one sheet named sheet; *ret is malloc'd, *ret_len its size. */
int xlsx_write_rows(const char *sheet, const struct xlsx_col *cols, size_t ncols,
                    const json_t *rows, char **ret, size_t *ret_len, struct errbuf *e);

#endif
