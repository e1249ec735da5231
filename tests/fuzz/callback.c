/* Fuzz target: the payment provider's callback (POST /api/v1/dues/payments/callback). The
 * input is the X-Dues-Signature header line and the body:
 *
 *     sign
 *     {"provider_ref": "WX1", "payment_id": 1, "amount_fen": 4062, "result": "success"}
 *
 * A first line of exactly "sign" stands for the right signature (the target signs the body
 * with the world's callback key, as the provider would), so the fuzzer reaches what is
 * applied; any other line is sent as the header as it is. The request goes through the
 * route's door (UTF-8, JSON, documented schema), then dues_callback_verify (hex HMAC-SHA256
 * of the raw body), then dues_callback_apply_tx against the world's pending payment inside a
 * transaction that is rolled back, so every input meets the same world. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "dues/payment.h"
#include "fuzz.h"
#include "http/auth.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_world *w = fuzz_world();
    const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200), *body;
    const struct route *rt = NULL;
    struct req r;
    struct errbuf e = ERRBUF_INIT;
    char sig[2 * crypto_auth_hmacsha256_BYTES + 1] = "", line[201];
    size_t n, blen;
    json_t *out = NULL;
    int rc;

    if (!nl)
        return 0;
    n = (size_t)(nl - data);
    body = nl + 1;
    blen = size - n - 1;
    memcpy(line, data, n);
    line[n] = '\0';
    fuzz_req_init(&r, "POST", "/api/v1/dues/payments/callback", body, blen, 0);
    fuzz_headers_clear();
    fuzz_header_set("Content-Type", "application/json");
    if (strcmp(line, "sign") == 0) {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256_state s;
        crypto_auth_hmacsha256_init(&s, (const unsigned char *)FUZZ_CALLBACK_KEY,
                                    strlen(FUZZ_CALLBACK_KEY));
        crypto_auth_hmacsha256_update(&s, body, blen);
        crypto_auth_hmacsha256_final(&s, mac);
        sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
        fuzz_header_set("X-Dues-Signature", sig);
    } else if (strlen(line) == n) {
        fuzz_header_set("X-Dues-Signature", line); /* a header value holds no NUL */
    }
    if (router_match(&r, &rt, &e) < 0)
        abort(); /* the route table lost the endpoint */
    if ((rc = auth_prepare(&r, rt, &e)) < 0 ||
        (rc = dues_callback_verify(w->db, r.body.data, r.body.len,
                                   req_header(&r, "X-Dues-Signature"), &e)) < 0)
        goto out;
    if (db_begin(w->db, &e) < 0)
        abort();
    if ((rc = dues_callback_apply_tx(w->db, r.json, &out, &e)) >= 0)
        json_decref(out);
    db_rollback(w->db);
out:
    fuzz_check_error(rc, &e);
    fuzz_headers_clear();
    fuzz_req_release(&r);
    return 0;
}
