/* test_blueprint.c: the optional PixelRTS-Blueprint chunk and OUT.blueprint.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

static const char blueprint[] = "{\"layout\":{\"kernel\":[0,4096]},\"note\":\"caf\\u00e9\"}";

static void assert_same_json(const char *got, const char *want)
{
    assert_non_null(got);
    json_t *a = tu_json_parse(got), *b = tu_json_parse(want);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
}

/* Stream API: the chunk is written before IDAT and read back on open. */
static void t_stream_round_trip(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_blueprint_json(enc, blueprint), PRTS_OK);
    tu_buf png = {0}, out = {0};
    assert_int_equal(tu_encode_mem(enc, "payload", 7, 3, &png), PRTS_OK);
    char *text = tu_png_text(png.data, png.len, "PixelRTS-Blueprint");
    assert_non_null(text);
    assert_memory_equal(text, "PixelRTS-Blueprint{", 19);
    assert_same_json(text + 18, blueprint);
    free(text);
    assert_true(tu_png_chunk_index(png.data, png.len, "tEXt") <
                tu_png_chunk_index(png.data, png.len, "IDAT"));

    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(tu_decode_mem(dec, png.data, png.len, 0, false, 64, false, &out), PRTS_OK);
    assert_int_equal(out.len, 7);
    char *got = prts_decoder_blueprint_json(dec);
    assert_same_json(got, blueprint);
    prts_free(got);
    /* the blueprint is not metadata: the metadata has no trace of it */
    char *meta = prts_decoder_metadata_json(dec);
    assert_null(strstr(meta, "layout"));
    prts_free(meta);
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    tu_buf_free(&png);
    tu_buf_free(&out);
}

/* File API: OUT.blueprint.json beside the PNG; read from the chunk, or from
 * the sidecar when the PNG has none; a decoder forgets it with the file. */
static void t_file_and_sidecar(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *in = tu_path(dir, "in.bin"), *out = tu_path(dir, "x.rts.png");
    char *side = tu_path(dir, "x.rts.png.blueprint.json"), *back = tu_path(dir, "back.bin");
    tu_write_file(in, "0123456789", 10);
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_blueprint_json(enc, blueprint), PRTS_OK);
    assert_int_equal(prts_encoder_encode_file(enc, in, out), PRTS_OK);
    assert_true(tu_file_exists(side));
    json_t *s = tu_json_load_file(side), *b = tu_json_parse(blueprint);
    assert_true(json_equal(s, b));
    json_decref(s);
    json_decref(b);

    prts_decoder *dec = prts_decoder_new();
    assert_int_equal(prts_decoder_read_info(dec, out), PRTS_OK);
    char *got = prts_decoder_blueprint_json(dec);
    assert_same_json(got, blueprint);
    prts_free(got);

    /* a PNG without the chunk: the sidecar still gives it */
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_int_equal(prts_encoder_set_blueprint_json(enc, NULL), PRTS_OK);
    char *plain = tu_path(dir, "plain.rts.png"), *plain_side = tu_path(dir, "plain.rts.png.blueprint.json");
    assert_int_equal(prts_encoder_encode_file(enc, in, plain), PRTS_OK);
    assert_false(tu_file_exists(plain_side));
    assert_int_equal(prts_decoder_decode_file(dec, plain, back), PRTS_OK);
    assert_null(prts_decoder_blueprint_json(dec)); /* not the previous file's */
    tu_write_file(plain_side, blueprint, strlen(blueprint));
    assert_int_equal(prts_decoder_read_info(dec, plain), PRTS_OK);
    got = prts_decoder_blueprint_json(dec);
    assert_same_json(got, blueprint);
    prts_free(got);

    /* re-encoding without a blueprint removes the stale sidecar */
    assert_int_equal(prts_encoder_encode_file(enc, in, out), PRTS_OK);
    assert_false(tu_file_exists(side));
    prts_decoder_free(dec);
    prts_encoder_free(enc);
    tu_rmtree(dir);
    free(dir);
    free(in);
    free(out);
    free(side);
    free(back);
    free(plain);
    free(plain_side);
}

static void t_bad_blueprint(void **state)
{
    (void)state;
    prts_encoder *enc = prts_encoder_new();
    assert_int_equal(prts_encoder_set_blueprint_json(enc, "[1,2]"), PRTS_E_BAD_METADATA);
    assert_int_equal(prts_encoder_set_blueprint_json(enc, "{broken"), PRTS_E_BAD_METADATA);
    assert_true(prts_encoder_last_error(enc)[0] != '\0');
    assert_int_equal(prts_encoder_set_blueprint_json(NULL, "{}"), PRTS_E_INVALID_ARG);
    /* "{}" clears it: no chunk */
    assert_int_equal(prts_encoder_set_blueprint_json(enc, "{}"), PRTS_OK);
    tu_buf png = {0};
    assert_int_equal(prts_encoder_reset(enc), PRTS_OK);
    assert_int_equal(tu_encode_mem(enc, "x", 1, 1, &png), PRTS_OK);
    assert_null(tu_png_text(png.data, png.len, "PixelRTS-Blueprint"));
    tu_buf_free(&png);
    prts_encoder_free(enc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_stream_round_trip),
        cmocka_unit_test(t_file_and_sidecar),
        cmocka_unit_test(t_bad_blueprint),
    };
    return cmocka_run_group_tests_name("blueprint", tests, NULL, NULL);
}
