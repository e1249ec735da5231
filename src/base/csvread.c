#include "base/csvread.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/parse.h"
#include "base/text.h"
#include "base/xlsxread.h"
#include "base/banned.h"

/* Cell text after conversion: GB18030 grows at most by half, plus one NUL per cell. Keeps
 * every offset below 2^32 so cells[] can hold 32-bit offsets. */
#define CSV_MAX_TEXT (4u * CSV_MAX_BYTES)

struct csv_row {
    size_t first;  /* index of the row's first cell in cells[] */
    size_t ncells; /* cells stored: trailing empty cells are dropped */
    size_t line;   /* spreadsheet row number */
};

struct csv_table {
    struct buf text; /* all cells, each NUL-terminated; offset 0 holds "" */
    uint32_t *cells; /* offset in text of each cell, rows one after another */
    size_t ncells, cells_cap;
    struct csv_row header;
    struct csv_row *rows; /* data rows only */
    size_t nrows, rows_cap;
    const char *encoding;
    size_t *map; /* after csv_table_map: header cell of each column, SIZE_MAX if absent */
    size_t nmap;
};

/* State of one parse, shared by the libcsv callbacks (which cannot return errors). */
struct reader {
    struct csv_table *t;
    struct errbuf *e;
    int rc;
    size_t line;          /* spreadsheet row of the record being read */
    size_t text_line;     /* line of the text being fed to the tokenizer */
    size_t quote_line;    /* text line where a still open quoted field began, 0 if none */
    size_t row_first;     /* cells[] index of this record's first cell */
    size_t row_cells;     /* cells stored for this record */
    size_t pending_empty; /* empty cells seen and not stored yet (trailing ones never are) */
    size_t fields;        /* fields the tokenizer reported for this record */
    int last_term;        /* the character that ended the previous record */
    bool have_header;
};

static int push_cell(struct reader *r, size_t off)
{
    struct csv_table *t = r->t;
    if (buf_grow_array((void **)&t->cells, &t->cells_cap, t->ncells + 1, sizeof(*t->cells)) < 0)
        return r->rc = errbuf_set(r->e, -ERR_NOMEM, "out of memory reading csv");
    t->cells[t->ncells++] = (uint32_t)off;
    r->row_cells++;
    return 0;
}

/* libcsv field callback: trim the cell and store it; empty cells wait in pending_empty
 * until a later non-empty cell shows they are not trailing. */
static void on_field(void *s, size_t len, void *data)
{
    struct reader *r = data;
    struct buf *text = &r->t->text;
    size_t off = text->len, n;
    int rc;

    if (r->rc < 0)
        return;
    r->fields++;
    r->quote_line = 0;
    if (len && memchr(s, '\0', len)) {
        r->rc = errbuf_field(r->e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                             "row %zu: contains a NUL byte", r->line);
        errbuf_row(r->e, (long long)r->line);
        return;
    }
    if ((rc = buf_add(text, s, len)) < 0) {
        r->rc = errbuf_set(r->e, rc, "row %zu: file too large", r->line);
        return;
    }
    n = strlen(parse_trim(text->data + off));
    text->len = off + n;
    if (n == 0) {
        r->pending_empty++;
        return;
    }
    if (r->row_cells + r->pending_empty + 1 > CSV_MAX_COLUMNS) {
        text->len = off;
        r->rc = errbuf_field(r->e, -ERR_INVALID, R_TOO_MANY, NULL, NULL,
                             "row %zu: more than %u columns", r->line, CSV_MAX_COLUMNS);
        errbuf_row(r->e, (long long)r->line);
        errbuf_limit(r->e, CSV_MAX_COLUMNS);
        return;
    }
    if ((rc = buf_addch(text, '\0')) < 0) {
        r->rc = errbuf_set(r->e, rc, "row %zu: file too large", r->line);
        return;
    }
    for (; r->pending_empty > 0; r->pending_empty--)
        if (push_cell(r, 0) < 0)
            return;
    push_cell(r, off);
}

/* A record with at least one non-empty cell: the first is the header, the rest data. */
static void end_record(struct reader *r)
{
    struct csv_table *t = r->t;
    struct csv_row row = {r->row_first, r->row_cells, r->line};

    if (!r->have_header) {
        t->header = row;
        r->have_header = true;
        return;
    }
    if (row.ncells > t->header.ncells) {
        r->rc = errbuf_field(r->e, -ERR_INVALID, R_TOO_MANY, NULL, NULL,
                             "row %zu: %zu cells but the header has %zu columns", row.line,
                             row.ncells, t->header.ncells);
        errbuf_row(r->e, (long long)row.line);
        errbuf_limit(r->e, (long long)t->header.ncells);
        return;
    }
    if (t->nrows >= CSV_MAX_ROWS) {
        r->rc = errbuf_set(r->e, -ERR_TOOBIG, "more than %u data rows", CSV_MAX_ROWS);
        return;
    }
    if (buf_grow_array((void **)&t->rows, &t->rows_cap, t->nrows + 1, sizeof(*t->rows)) < 0) {
        r->rc = errbuf_set(r->e, -ERR_NOMEM, "out of memory reading csv");
        return;
    }
    t->rows[t->nrows++] = row;
}

/*
 * libcsv record callback. With CSV_REPALL_NL every line end is reported, so blank lines
 * arrive as records without fields: they are skipped but still count as spreadsheet rows,
 * except the LF of a CRLF pair, which ends nothing new.
 */
static void on_row(int c, void *data)
{
    struct reader *r = data;
    if (r->rc < 0)
        return;
    if (r->fields == 0 && c == '\n' && r->last_term == '\r') {
        r->last_term = c;
        return;
    }
    if (r->row_cells > 0)
        end_record(r);
    r->line++;
    r->fields = r->row_cells = r->pending_empty = 0;
    r->row_first = r->t->ncells;
    r->last_term = c;
}

/* Bytes up to and including the next line end (LF, CRLF or a lone CR). */
static size_t line_len(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q != '\n' && *q != '\r')
        q++;
    if (q < end && *q == '\r')
        q++;
    if (q < end && *q == '\n')
        q++;
    return (size_t)(q - p);
}

/*
 * Feed the UTF-8 text to libcsv one line at a time, so that an unclosed quote can be
 * reported with the line where it was opened. Strict mode is off: a stray quote inside an
 * unquoted field is kept as a character. text must end with a line end.
 */
static int tokenize(struct reader *r, const char *text, size_t len)
{
    struct csv_parser p;
    const char *pos = text, *end = text + len;

    if (csv_init(&p, CSV_REPALL_NL) != 0)
        return errbuf_set(r->e, -ERR_NOMEM, "out of memory reading csv");
    while (pos < end && r->rc == 0) {
        size_t n = line_len(pos, end);
        if (csv_parse(&p, pos, n, on_field, on_row, r) != n) {
            r->rc =
                errbuf_set(r->e, -ERR_NOMEM, "row %zu: %s", r->line, csv_strerror(csv_error(&p)));
            break;
        }
        /* the struct is public; quoted stays set only while a quoted field is open */
        if (p.quoted && r->quote_line == 0)
            r->quote_line = r->text_line;
        pos += n;
        r->text_line++;
    }
    if (r->rc == 0 && p.quoted) {
        r->rc = errbuf_field(r->e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                             "row %zu: quoted field opened on line %zu is never closed", r->line,
                             r->quote_line);
        errbuf_row(r->e, (long long)r->line);
    }
    if (r->rc == 0)
        csv_fini(&p, on_field, on_row, r);
    csv_free(&p);
    return r->rc;
}

/* xlsx_read's row callback: the row's cells go through the CSV reader's own cell and record
 * handling (trimming, trailing empty cells, column limits, header then data). */
static int xlsx_row(void *ctx, size_t line, const char *const *cells, size_t ncells,
                    struct errbuf *e)
{
    struct reader *r = ctx;
    (void)e;
    r->line = line;
    r->row_first = r->t->ncells;
    r->row_cells = r->pending_empty = 0;
    for (size_t i = 0; i < ncells && r->rc == 0; i++)
        on_field((void *)cells[i], strlen(cells[i]), r);
    if (r->rc == 0 && r->row_cells > 0)
        end_record(r);
    return r->rc;
}

/*
 * Parse a whole CSV file held in data[0..len): convert it to UTF-8 (see text_to_utf8),
 * tokenize it with libcsv, trim every cell with parse_trim and keep the table. Blank lines
 * and lines of empty cells are skipped but counted in row numbers; the first other line is
 * the header. Return 0 and *ret (the caller frees it with csv_table_free), or -ERR_INVALID
 * (bad encoding, unclosed quote, a row longer than the header, more than CSV_MAX_COLUMNS
 * columns, no header), -ERR_TOOBIG (over CSV_MAX_BYTES or CSV_MAX_ROWS), -ERR_NOMEM; the
 * message names the row.
 */
int csv_table_parse(const char *data, size_t len, struct csv_table **ret, struct errbuf *e)
{
    return csv_table_parse_sheet(data, len, NULL, ret, e);
}

/*
 * Parse data[0..len) as csv_table_parse does, or, when it is an .xlsx workbook (by its zip
 * magic, whatever the name or type said), the sheet named sheet (NULL: the first) through
 * xlsx_read, into the same table with the sheet's row numbers; its encoding is "xlsx". A
 * sheet name given for a CSV file is refused (invalid_choice on sheet).
 */
int csv_table_parse_sheet(const char *data, size_t len, const char *sheet,
                          struct csv_table **ret, struct errbuf *e)
{
    struct buf utf;
    struct csv_table *t = NULL;
    struct reader r = {0};
    const char *enc;
    int rc;

    if (len > CSV_MAX_BYTES)
        return errbuf_set(e, -ERR_TOOBIG, "file is larger than %u MiB",
                          CSV_MAX_BYTES / 1024 / 1024);
    buf_init(&utf, CSV_MAX_TEXT);
    if (xlsx_looks_like(data, len)) {
        enc = "xlsx";
    } else if (sheet && *sheet) {
        rc = errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "sheet", sheet,
                          "a sheet applies to .xlsx files only, this is a csv file");
        goto out;
    } else if ((rc = text_to_utf8(data, len, &utf, &enc, e)) < 0) {
        goto out;
    }
    if (utf.len > 0 && utf.data[utf.len - 1] != '\n' && utf.data[utf.len - 1] != '\r' &&
        (rc = buf_addch(&utf, '\n')) < 0) {
        errbuf_set(e, rc, "out of memory reading csv");
        goto out;
    }
    rc = -ERR_NOMEM;
    if (!(t = calloc(1, sizeof(*t)))) {
        errbuf_set(e, rc, "out of memory reading csv");
        goto out;
    }
    buf_init(&t->text, CSV_MAX_TEXT);
    t->encoding = enc;
    if ((rc = buf_add(&t->text, "", 1)) < 0) {
        errbuf_set(e, rc, "out of memory reading csv");
        goto out;
    }
    r.t = t;
    r.e = e;
    r.line = r.text_line = 1;
    if ((rc = strcmp(enc, "xlsx") == 0
                  ? xlsx_read(data, len, sheet && *sheet ? sheet : NULL, xlsx_row, &r, e)
                  : tokenize(&r, buf_str(&utf), utf.len)) < 0)
        goto out;
    if (!r.have_header) {
        rc = errbuf_field(e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                          "the file is empty: no header row");
        goto out;
    }
    *ret = t;
    t = NULL;
    rc = 0;
out:
    csv_table_free(t);
    buf_release(&utf);
    return rc;
}

/*
 * Read the file at path (at most CSV_MAX_BYTES) and parse it with csv_table_parse.
 * Return 0 and *ret, or -ERR_IO (cannot open or read), or an error of csv_table_parse.
 */
int csv_table_load(const char *path, struct csv_table **ret, struct errbuf *e)
{
    return csv_table_load_sheet(path, NULL, ret, e);
}

/* Read the file at path like csv_table_load, parsing it with csv_table_parse_sheet. */
int csv_table_load_sheet(const char *path, const char *sheet, struct csv_table **ret,
                         struct errbuf *e)
{
    struct buf data;
    char chunk[65536];
    size_t n;
    int rc = 0;
    FILE *f = fopen(path, "rb");

    if (!f)
        return errbuf_set(e, -ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    buf_init(&data, CSV_MAX_BYTES);
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if ((rc = buf_add(&data, chunk, n)) == -ERR_TOOBIG)
            errbuf_set(e, rc, "'%s' is larger than %u MiB", path, CSV_MAX_BYTES / 1024 / 1024);
        else if (rc < 0)
            errbuf_set(e, rc, "out of memory reading '%s'", path);
    }
    if (rc == 0 && ferror(f))
        rc = errbuf_set(e, -ERR_IO, "cannot read '%s'", path);
    fclose(f);
    if (rc == 0)
        rc = csv_table_parse_sheet(buf_str(&data), data.len, sheet, ret, e);
    buf_release(&data);
    return rc;
}

/* Free the table and everything in it; t may be NULL. */
void csv_table_free(struct csv_table *t)
{
    if (!t)
        return;
    buf_release(&t->text);
    free(t->cells);
    free(t->rows);
    free(t->map);
    free(t);
}

/* Return the number of data rows (the header not counted); 0 for NULL. */
size_t csv_table_rows(const struct csv_table *t)
{
    return t ? t->nrows : 0;
}

/* Return the encoding the file was in: "utf-8", "utf-8-bom", "gb18030" or "xlsx" (static). */
const char *csv_table_encoding(const struct csv_table *t)
{
    return t ? t->encoding : "";
}

static const char *cell(const struct csv_table *t, const struct csv_row *row, size_t j)
{
    return j < row->ncells ? t->text.data + t->cells[row->first + j] : "";
}

/* Spreadsheet column letters for 0-based column j: A..Z, AA.. (j < 200 fits easily). */
static void column_letters(size_t j, char out[8])
{
    char tmp[8];
    size_t n = 0, k = 0;
    for (j++; j > 0 && n < sizeof(tmp) - 1; j = (j - 1) / 26)
        tmp[n++] = (char)('A' + (j - 1) % 26);
    while (n > 0)
        out[k++] = tmp[--n];
    out[k] = '\0';
}

/* s cut to fit in out (whole code points, "..." when cut), for quoting in messages. */
static const char *clip(const char *s, char *out, size_t n)
{
    size_t len = strlen(s), k;
    if (len < n)
        return s;
    k = n - 4;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    memcpy(out, s, k);
    memcpy(out + k, "...", 4);
    return out;
}

/*
 * Header text in the form headers are compared in: white space dropped, full-width
 * parentheses made ASCII, ASCII letters lower-cased, trailing '*' (required marks) removed.
 */
static int normalize(const char *s, struct buf *out)
{
    static const struct {
        const char *from, *to;
    } folds[] = {
        {"\xEF\xBC\x88", "("}, /* （ */
        {"\xEF\xBC\x89", ")"}, /* ） */
        {"\xEF\xBC\x8A", "*"}, /* ＊ */
        {"\xE3\x80\x80", ""},  /* ideographic space */
        {" ", ""},
        {"\t", ""},
    };
    int rc = 0;
    buf_reset(out);
    while (*s && rc == 0) {
        size_t i, n = sizeof(folds) / sizeof(folds[0]);
        for (i = 0; i < n; i++)
            if (strncmp(s, folds[i].from, strlen(folds[i].from)) == 0)
                break;
        if (i < n) {
            rc = buf_addstr(out, folds[i].to);
            s += strlen(folds[i].from);
        } else {
            rc = buf_addch(out, *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s);
            s++;
        }
    }
    while (rc == 0 && out->len > 0 && out->data[out->len - 1] == '*')
        out->data[--out->len] = '\0';
    return rc;
}

/* Index in cols of the column whose field or Chinese header matches the normalized h. */
static int find_column(const char *h, const struct csv_column *cols, size_t ncols, struct buf *tmp,
                       size_t *ret)
{
    int rc;
    for (size_t i = 0; i < ncols; i++) {
        const char *names[2] = {cols[i].field, cols[i].zh};
        for (size_t k = 0; k < 2; k++) {
            if (!names[k])
                continue;
            if ((rc = normalize(names[k], tmp)) < 0)
                return rc;
            if (tmp->len > 0 && strcmp(buf_str(tmp), h) == 0) {
                *ret = i;
                return 0;
            }
        }
    }
    return -ERR_NOTFOUND;
}

static bool column_has_data(const struct csv_table *t, size_t j)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (*cell(t, &t->rows[i], j))
            return true;
    return false;
}

/*
 * Match each header cell to one of cols[0..ncols) by its English field name or its Chinese
 * header (compared without white space, without trailing '*', with full-width parentheses
 * equal to ASCII ones, ASCII case ignored); order is free. A header cell that is empty is
 * allowed only when its column holds no data. Return 0 (replacing any earlier mapping), or
 * -ERR_INVALID for an unknown column, a column given twice, or a missing required column.
 */
int csv_table_map(struct csv_table *t, const struct csv_column *cols, size_t ncols,
                  struct errbuf *e)
{
    struct buf h, tmp;
    size_t *map = malloc((ncols ? ncols : 1) * sizeof(*map));
    size_t hl = t->header.line, i;
    char clipped[80], a[8], b[8];
    int rc = -ERR_NOMEM;

    buf_init(&h, 4096);
    buf_init(&tmp, 4096);
    if (!map) {
        errbuf_set(e, rc, "out of memory");
        goto out;
    }
    for (i = 0; i < ncols; i++)
        map[i] = SIZE_MAX;
    for (size_t j = 0; j < t->header.ncells; j++) {
        const char *raw = cell(t, &t->header, j);
        column_letters(j, a);
        if ((rc = normalize(raw, &h)) < 0) {
            errbuf_set(e, rc, "row %zu: column %s: header too long", hl, a);
            goto out;
        }
        if (h.len == 0 && column_has_data(t, j)) {
            rc = errbuf_field(e, -ERR_INVALID, R_MISSING_COLUMN, NULL, NULL,
                              "row %zu: column %s has data but no header", hl, a);
            errbuf_row(e, (long long)hl);
            errbuf_column(e, a);
            goto out;
        }
        if (h.len == 0)
            continue;
        if ((rc = find_column(buf_str(&h), cols, ncols, &tmp, &i)) == -ERR_NOTFOUND) {
            rc = errbuf_field(e, -ERR_INVALID, R_UNKNOWN_COLUMN, NULL, NULL,
                              "row %zu: unknown column '%s'", hl,
                              clip(raw, clipped, sizeof(clipped)));
            errbuf_row(e, (long long)hl);
            errbuf_column(e, clip(raw, clipped, sizeof(clipped)));
            goto out;
        } else if (rc < 0) {
            errbuf_set(e, rc, "row %zu: column %s: header too long", hl, a);
            goto out;
        }
        if (map[i] != SIZE_MAX) {
            column_letters(map[i], b);
            rc = errbuf_field(e, -ERR_INVALID, R_DUPLICATE_COLUMN, NULL, NULL,
                              "row %zu: duplicate column '%s' (columns %s and %s)", hl,
                              clip(raw, clipped, sizeof(clipped)), b, a);
            errbuf_row(e, (long long)hl);
            errbuf_column(e, clip(raw, clipped, sizeof(clipped)));
            goto out;
        }
        map[i] = j;
    }
    rc = 0;
    for (i = 0; i < ncols; i++) {
        if (!cols[i].required || map[i] != SIZE_MAX)
            continue;
        if (cols[i].zh)
            rc = errbuf_field(e, -ERR_INVALID, R_MISSING_COLUMN, NULL, NULL,
                              "missing required column '%s' (%s)", cols[i].zh, cols[i].field);
        else
            rc = errbuf_field(e, -ERR_INVALID, R_MISSING_COLUMN, NULL, NULL,
                              "missing required column '%s'", cols[i].field);
        errbuf_column(e, cols[i].field);
        goto out;
    }
    free(t->map);
    t->map = map;
    t->nmap = ncols;
    map = NULL;
out:
    free(map);
    buf_release(&h);
    buf_release(&tmp);
    return rc;
}

/*
 * Return the trimmed cell of data row row (from 0) in the column cols[col] given to
 * csv_table_map. Return "" when the file has no such column, the row is shorter, row or col
 * is out of range, or the table is not mapped. The string lives as long as the table.
 */
const char *csv_table_get(const struct csv_table *t, size_t row, size_t col)
{
    if (!t || !t->map || col >= t->nmap || row >= t->nrows || t->map[col] == SIZE_MAX)
        return "";
    return cell(t, &t->rows[row], t->map[col]);
}

/* Return true if the header has the column cols[col] given to csv_table_map. */
bool csv_table_has(const struct csv_table *t, size_t col)
{
    return t && t->map && col < t->nmap && t->map[col] != SIZE_MAX;
}

/*
 * Return the spreadsheet row number of data row row (from 0), counting the header and blank
 * lines as a spreadsheet does (a quoted cell spanning lines is one row); 0 if out of range.
 */
size_t csv_table_line(const struct csv_table *t, size_t row)
{
    return t && row < t->nrows ? t->rows[row].line : 0;
}
