/* A CSV file (or an .xlsx sheet, base/xlsxread.h) read whole into a table of trimmed UTF-8 cells, with its header mapped onto the
 * columns an import expects (English field name or Chinese header, order free). */
#ifndef BASE_CSVREAD_H
#define BASE_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define CSV_MAX_BYTES (50u * 1024 * 1024)
#define CSV_MAX_ROWS 1000000u
#define CSV_MAX_COLUMNS 200u

struct csv_table; /* opaque */

/* A column an import expects: English field name, Chinese header, required or not. */
struct csv_column {
    const char *field;
    const char *zh;
    bool required;
};

/* Read and parse the file at path; 0 and *ret (free with csv_table_free) or -ERR_*. */
int csv_table_load(const char *path, struct csv_table **ret, struct errbuf *e);
/* Parse data[0..len) (UTF-8, UTF-8 with BOM or GB18030); 0 and *ret or -ERR_*. */
int csv_table_parse(const char *data, size_t len, struct csv_table **ret, struct errbuf *e);
/* The same, also for .xlsx (by magic), reading sheet (NULL: the first). */
int csv_table_parse_sheet(const char *data, size_t len, const char *sheet,
                          struct csv_table **ret, struct errbuf *e);
int csv_table_load_sheet(const char *path, const char *sheet, struct csv_table **ret,
                         struct errbuf *e);
void csv_table_free(struct csv_table *t);
/* Data rows, without the header. */
size_t csv_table_rows(const struct csv_table *t);
/* "utf-8", "utf-8-bom", "gb18030" or "xlsx". */
const char *csv_table_encoding(const struct csv_table *t);
/* Match the header row to cols[0..ncols); 0 or -ERR_INVALID naming the column. */
int csv_table_map(struct csv_table *t, const struct csv_column *cols, size_t ncols,
                  struct errbuf *e);
/* Cell of data row row (from 0) in column cols[col]; "" when absent. */
const char *csv_table_get(const struct csv_table *t, size_t row, size_t col);
/* Whether the file has the column cols[col] (after csv_table_map). */
bool csv_table_has(const struct csv_table *t, size_t col);
/* Spreadsheet row number of data row row (header is 1, usually first data row 2). */
size_t csv_table_line(const struct csv_table *t, size_t row);

#endif
