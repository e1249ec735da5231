/* The first (or a named) sheet of an .xlsx workbook, streamed row by row as text cells:
 * libzip opens the package, expat reads its XML parts without building a tree. */
#ifndef BASE_XLSXREAD_H
#define BASE_XLSXREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define XLSX_MEDIA_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Limits against hostile files; each is refused with reason invalid_xlsx and its limit. */
#define XLSX_MAX_ENTRIES 1000u                /* files in the package */
#define XLSX_MAX_PART (256u * 1024 * 1024)    /* uncompressed bytes of one XML part */
#define XLSX_MAX_TOTAL (512u * 1024 * 1024)   /* uncompressed bytes over all parts read */
#define XLSX_MAX_DEPTH 32u                    /* XML element nesting */
#define XLSX_MAX_STRINGS (4u * 1024 * 1024)   /* shared strings */
#define XLSX_MAX_COLUMNS 16384u               /* column XFD, as in Excel */
#define XLSX_MAX_ROW 1048576u                 /* row number, as in Excel */

/* Called once per sheet row that has a value: its row number and cells[0..ncells) (column A
 * first, "" where a cell is empty); return 0 to go on, or a negative error to stop. */
typedef int (*xlsx_row_fn)(void *ctx, size_t line, const char *const *cells, size_t ncells,
                           struct errbuf *e);

/* Whether data begins like a zip archive (the .xlsx magic "PK\3\4"). */
bool xlsx_looks_like(const char *data, size_t len);
/* Stream the rows of sheet (NULL: the first) of the workbook data[0..len) to fn. */
int xlsx_read(const char *data, size_t len, const char *sheet, xlsx_row_fn fn, void *ctx,
              struct errbuf *e);
/* The text of a numeric cell: a date "YYYY-MM-DD" when date, else the number without noise. */
void xlsx_number_text(const char *v, bool date, bool date1904, char *out, size_t n);

#endif
