/* The payment providers' cryptography (src/dues/paycrypto.c) and key files
 * (src/dues/paykey.c): RSA-SHA256 signatures in base64, AEAD_AES_256_GCM as WeChat Pay
 * seals a resource, the 0600 rule, and a key read again when its file changes. */
#include "unit.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include "dues/paycrypto.h"
#include "dues/paykey.h"

static char *pem_of(EVP_PKEY *k, int private)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p, *out;
    long n;
    if (private)
        PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PUBKEY(b, k);
    n = BIO_get_mem_data(b, &p);
    out = strndup(p, (size_t)n);
    BIO_free(b);
    return out;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_base64_round_trip_and_refuses_junk(void **state)
{
    struct buf b = BUF_INIT, d = BUF_INIT;
    (void)state;
    assert_int_equal(paycrypto_b64_encode("any carnal pleas", 16, &b), 0);
    assert_string_equal(b.data, "YW55IGNhcm5hbCBwbGVhcw==");
    assert_int_equal(paycrypto_b64_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.len, 16);
    assert_memory_equal(d.data, "any carnal pleas", 16);
    buf_reset(&d);
    assert_int_equal(paycrypto_b64_decode("YW55*", 5, &d), -ERR_INVALID);
    assert_int_equal(paycrypto_b64_decode("YW55IGNhcm5hbCBwbGVhcw", 22, &d), -ERR_INVALID);
    buf_release(&b);
    buf_release(&d);
}

static void test_rsa_sha256_sign_then_verify_and_tamper(void **state)
{
    EVP_PKEY *gen = EVP_RSA_gen(2048), *priv = NULL, *pub = NULL, *other = EVP_RSA_gen(2048);
    char *ppem = pem_of(gen, 1), *upem = pem_of(gen, 0);
    const char *msg = "1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"id\":\"EV-1\"}\n";
    struct buf sig = BUF_INIT;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(paycrypto_private_key(ppem, strlen(ppem), &priv, &e), 0);
    assert_int_equal(paycrypto_public_key(upem, strlen(upem), &pub, &e), 0);
    /* a public key is no private key */
    assert_int_equal(paycrypto_private_key(upem, strlen(upem), &other, &e), -ERR_INVALID);
    assert_int_equal(paycrypto_sign(priv, msg, strlen(msg), &sig, &e), 0);
    assert_int_equal(sig.len, 344); /* 256 bytes in base64 */
    assert_int_equal(paycrypto_verify(pub, msg, strlen(msg), sig.data, &e), 0);
    assert_int_equal(paycrypto_verify(pub, msg, strlen(msg) - 1, sig.data, &e), -ERR_UNAUTH);
    assert_int_equal(paycrypto_verify(other, msg, strlen(msg), sig.data, &e), -ERR_UNAUTH);
    assert_int_equal(paycrypto_verify(pub, msg, strlen(msg), "not base64!", &e), -ERR_UNAUTH);
    assert_int_equal(paycrypto_verify(pub, msg, strlen(msg), NULL, &e), -ERR_UNAUTH);
    buf_release(&sig);
    EVP_PKEY_free(gen);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(other);
    free(ppem);
    free(upem);
}

/* Seal plain as WeChat Pay does, with OpenSSL directly: base64(ciphertext || tag). */
static void seal(const unsigned char key[32], const char *nonce, const char *aad,
                 const char *plain, struct buf *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    unsigned char ct[512];
    int len = 0, fin = 0;
    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)strlen(nonce), NULL);
    EVP_EncryptInit_ex(c, NULL, NULL, key, (const unsigned char *)nonce);
    EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad));
    EVP_EncryptUpdate(c, ct, &len, (const unsigned char *)plain, (int)strlen(plain));
    EVP_EncryptFinal_ex(c, ct + len, &fin);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + len + fin);
    paycrypto_b64_encode(ct, (size_t)(len + fin + 16), out);
    EVP_CIPHER_CTX_free(c);
}

static void test_aead_aes_256_gcm_opens_what_wechat_pay_seals(void **state)
{
    const unsigned char key[33] = "0123456789abcdef0123456789ABCDEF";
    const char *tx = "{\"out_trade_no\":\"DJP00000017\",\"trade_state\":\"SUCCESS\"}";
    struct buf ct = BUF_INIT, plain = BUF_INIT;
    struct errbuf e = ERRBUF_INIT;
    unsigned char wrong[32];
    (void)state;
    seal(key, "fdasflkja484", "transaction", tx, &ct);
    assert_int_equal(paycrypto_gcm_open(key, "fdasflkja484", "transaction", ct.data, &plain, &e), 0);
    assert_int_equal(plain.len, strlen(tx));
    assert_memory_equal(plain.data, tx, plain.len);
    buf_reset(&plain);
    assert_int_equal(paycrypto_gcm_open(key, "fdasflkja484", "certificate", ct.data, &plain, &e),
                     -ERR_UNAUTH);
    assert_int_equal(paycrypto_gcm_open(key, "fdasflkja485", "transaction", ct.data, &plain, &e),
                     -ERR_UNAUTH);
    memcpy(wrong, key, 32);
    wrong[0] ^= 1;
    assert_int_equal(paycrypto_gcm_open(wrong, "fdasflkja484", "transaction", ct.data, &plain, &e),
                     -ERR_UNAUTH);
    assert_int_equal(plain.len, 0);
    assert_int_equal(paycrypto_gcm_open(key, "fdasflkja484", "transaction", "AAAA", &plain, &e),
                     -ERR_INVALID);
    buf_release(&ct);
    buf_release(&plain);
}

static void test_key_files_must_be_0600_and_are_read_again_on_change(void **state)
{
    char dir[] = "/tmp/dj-paykey-XXXXXX", path[128], v3[128];
    EVP_PKEY *a = EVP_RSA_gen(2048), *b = EVP_RSA_gen(2048), *got = NULL;
    char *apem = pem_of(a, 1), *bpem = pem_of(b, 1);
    unsigned char secret[32];
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/key.pem", dir);
    snprintf(v3, sizeof(v3), "%s/v3.key", dir);
    write_file(path, apem, 0644);
    assert_int_equal(paykey_private(path, &got, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "mode 0644"));
    chmod(path, 0600);
    assert_int_equal(paykey_private(path, &got, &e), 0);
    assert_int_equal(EVP_PKEY_eq(got, a), 1);
    EVP_PKEY_free(got);
    write_file(path, bpem, 0600); /* rotated in place */
    assert_int_equal(paykey_private(path, &got, &e), 0);
    assert_int_equal(EVP_PKEY_eq(got, b), 1);
    EVP_PKEY_free(got);

    write_file(v3, "0123456789abcdef0123456789ABCDEF\n", 0600);
    assert_int_equal(paykey_secret32(v3, secret, &e), 0);
    assert_memory_equal(secret, "0123456789abcdef0123456789ABCDEF", 32);
    chmod(v3, 0640);
    assert_int_equal(paykey_secret32(v3, secret, &e), -ERR_INVALID);
    write_file(v3, "short", 0600);
    assert_int_equal(paykey_secret32(v3, secret, &e), -ERR_INVALID);
    unlink(path);
    unlink(v3);
    rmdir(dir);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    free(apem);
    free(bpem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_round_trip_and_refuses_junk),
        cmocka_unit_test(test_rsa_sha256_sign_then_verify_and_tamper),
        cmocka_unit_test(test_aead_aes_256_gcm_opens_what_wechat_pay_seals),
        cmocka_unit_test(test_key_files_must_be_0600_and_are_read_again_on_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
