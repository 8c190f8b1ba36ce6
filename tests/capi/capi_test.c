/* The C API from C (C11): hello_world float and int8 from ../shared/fixtures. Oracles: flatc's
 * JSON of the model file (operator count), TFLite's reference outputs (fixtures/reference), and
 * the gap between the two references for the compare verdicts.
 * Usage: capi_test SHARED_DIR FLATC TFLITE_SCHEMA TMP_DIR. Exit 77 = skipped (ctest SKIP). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edgelens.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_OK(call)                                                    \
  do {                                                                    \
    edgelens_status s_ = (call);                                          \
    if (s_ != EDGELENS_OK) {                                              \
      fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call, \
              edgelens_status_string(s_), edgelens_last_error());         \
      ++failures;                                                         \
    }                                                                     \
  } while (0)

static char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  if (size) *size = (size_t)n;
  return buf;
}

/* First float32 / int8 element of a small .npy (v1 header). */
static double npy_first(const char* path) {
  size_t size = 0;
  char* b = read_file(path, &size);
  double v = NAN;
  if (b && size > 10 && memcmp(b + 1, "NUMPY", 5) == 0) {
    size_t header = (size_t)(unsigned char)b[8] | ((size_t)(unsigned char)b[9] << 8);
    const char* data = b + 10 + header;
    if (strstr(b + 10, "'<f4'") && size >= 10 + header + 4) {
      float f;
      memcpy(&f, data, 4);
      v = f;
    } else if (strstr(b + 10, "'|i1'") && size >= 10 + header + 1) {
      v = (signed char)data[0];
    }
  }
  free(b);
  return v;
}

/* The number after the first `"key":` following `after` (or from the start). */
static double json_number(const char* json, const char* after, const char* key) {
  const char* p = after ? strstr(json, after) : json;
  if (!p) return NAN;
  char pattern[128];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  p = strstr(p, pattern);
  if (!p) return NAN;
  return strtod(p + strlen(pattern), NULL);
}

/* Objects in the first "operators" array of flatc's JSON: the model's operator count. */
static int count_operators(const char* json) {
  const char* p = strstr(json, "\"operators\":");
  if (!p) return -1;
  p = strchr(p, '[');
  int depth = 0, objects = 0, in_string = 0;
  for (; *p; ++p) {
    if (in_string) {
      if (*p == '\\' && p[1])
        ++p;
      else if (*p == '"')
        in_string = 0;
      continue;
    }
    if (*p == '"')
      in_string = 1;
    else if (*p == '[' || *p == '{') {
      if (*p == '{' && depth == 1) ++objects;
      ++depth;
    } else if (*p == ']' || *p == '}') {
      if (--depth == 0) break;
    }
  }
  return objects;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: capi_test SHARED_DIR FLATC TFLITE_SCHEMA TMP_DIR\n");
    return 2;
  }
  const char* shared = argv[1];
  const char* flatc = argv[2];
  const char* schema = argv[3];
  const char* tmp = argv[4];
  char float_path[1024], int8_path[1024], path[4096], cmd[8192];
  snprintf(float_path, sizeof float_path, "%s/fixtures/tflite/micro/hello_world_float.tflite",
           shared);
  snprintf(int8_path, sizeof int8_path, "%s/fixtures/tflite/micro/hello_world_int8.tflite", shared);
  struct stat st;
  if (stat(float_path, &st) != 0 || stat(int8_path, &st) != 0) {
    printf("SKIP: %s is absent; this test needs ../shared/fixtures\n", float_path);
    return 77;
  }
  mkdir(tmp, 0700);

  CHECK(edgelens_api_version() == EDGELENS_API_VERSION);
  CHECK(strcmp(edgelens_version(), "") != 0);

  /* Errors: a missing file, NULL arguments; nothing crashes, messages are there. */
  edgelens_model* missing = (edgelens_model*)1;
  char* error = NULL;
  snprintf(path, sizeof path, "%s/no-such-model.tflite", tmp);
  edgelens_status s = edgelens_open(path, &missing, &error);
  CHECK(s != EDGELENS_OK);
  CHECK(missing == NULL);
  CHECK(error != NULL && strlen(error) > 0);
  CHECK(strlen(edgelens_last_error()) > 0);
  edgelens_free(error);
  CHECK(edgelens_open(NULL, &missing, NULL) == EDGELENS_ERR_INVALID_ARGUMENT);
  CHECK(edgelens_info_json(NULL, &error) == EDGELENS_ERR_INVALID_ARGUMENT);
  edgelens_close(NULL);
  edgelens_free(NULL);

  edgelens_model* fm = NULL;
  edgelens_model* qm = NULL;
  CHECK_OK(edgelens_open(float_path, &fm, NULL));
  CHECK_OK(edgelens_open(int8_path, &qm, NULL));
  if (!fm || !qm) return 1;
  CHECK(edgelens_input_count(fm) == 1 && edgelens_output_count(fm) == 1);

  /* info: node count equals the operator count flatc reads from the file. */
  snprintf(cmd, sizeof cmd, "'%s' --json --strict-json --raw-binary -o '%s' '%s' -- '%s'", flatc,
           tmp, schema, int8_path);
  if (system(cmd) == 0) {
    snprintf(path, sizeof path, "%s/hello_world_int8.json", tmp);
    char* flat = read_file(path, NULL);
    CHECK(flat != NULL);
    char* info = NULL;
    CHECK_OK(edgelens_info_json(qm, &info));
    if (flat && info) {
      const int ops = count_operators(flat);
      CHECK(ops > 0);
      CHECK((int)json_number(info, NULL, "node_count") == ops);
      CHECK(strstr(info, "\"FULLY_CONNECTED\"") != NULL);
    }
    edgelens_free(info);
    free(flat);
  } else {
    fprintf(stderr, "flatc failed (%s): operator count not checked\n", cmd);
    ++failures;
  }

  /* run with .npy files: output equals TFLite's reference output. */
  char in_npy[1024], ref_f[1024], ref_q[1024], meta[1024];
  snprintf(in_npy, sizeof in_npy, "%s/fixtures/reference/hello_world_float/input0.npy", shared);
  snprintf(ref_f, sizeof ref_f, "%s/fixtures/reference/hello_world_float/output0.npy", shared);
  snprintf(ref_q, sizeof ref_q, "%s/fixtures/reference/hello_world_int8/output0.npy", shared);
  snprintf(meta, sizeof meta, "%s/fixtures/reference/hello_world_int8/meta.json", shared);
  const char* inputs[1] = {in_npy};
  char out_dir[1024];
  snprintf(out_dir, sizeof out_dir, "%s/run_float", tmp);
  char* summary = NULL;
  CHECK_OK(edgelens_run(fm, inputs, 1, out_dir, &summary));
  CHECK(summary && strstr(summary, "output0.npy"));
  edgelens_free(summary);
  snprintf(path, sizeof path, "%s/output0.npy", out_dir);
  const double expected_f = npy_first(ref_f);
  const double tol = 1e-4 * fmax(1.0, fabs(expected_f)); /* fixtures/README.md's float rule */
  CHECK(fabs(npy_first(path) - expected_f) <= tol);
  CHECK(edgelens_run(fm, inputs, 2, NULL, NULL) == EDGELENS_ERR_INVALID_ARGUMENT);

  /* run on buffers: the same input from memory; too small an output buffer says so. */
  float x = 0.0f; /* the reference ramp's first value: (0 % 255) / 255 */
  CHECK(fabs(npy_first(in_npy) - x) == 0.0);
  edgelens_tensor in = {EDGELENS_DTYPE_FLOAT32, 2, {1, 1}, &x, sizeof x};
  float y = NAN;
  edgelens_tensor out = {0, 0, {0}, &y, sizeof y};
  CHECK_OK(edgelens_run_buffers(fm, &in, 1, &out, 1));
  CHECK(out.dtype == EDGELENS_DTYPE_FLOAT32 && out.rank == 2 && out.shape[0] == 1);
  CHECK(fabs(y - expected_f) <= tol);
  edgelens_tensor small = {0, 0, {0}, &y, 2};
  CHECK(edgelens_run_buffers(fm, &in, 1, &small, 1) == EDGELENS_ERR_BUFFER_TOO_SMALL);
  CHECK(small.size_bytes == sizeof(float));
  /* int8 model: the quantized ramp value -> TFLite's int8 output (exact, or one step). */
  size_t meta_size = 0;
  char* meta_json = read_file(meta, &meta_size);
  CHECK(meta_json != NULL);
  const double in_zp = meta_json ? json_number(meta_json, "\"inputs\"", "zero_point") : NAN;
  const double out_scale = meta_json ? json_number(meta_json, "\"outputs\"", "scale") : NAN;
  const double out_zp = meta_json ? json_number(meta_json, "\"outputs\"", "zero_point") : NAN;
  free(meta_json);
  int8_t xq = (int8_t)in_zp; /* round(0 / scale) + zero_point */
  int8_t yq = 0;
  edgelens_tensor inq = {EDGELENS_DTYPE_INT8, 2, {1, 1}, &xq, 1};
  edgelens_tensor outq = {0, 0, {0}, &yq, 1};
  CHECK_OK(edgelens_run_buffers(qm, &inq, 1, &outq, 1));
  const double expected_q = npy_first(ref_q);
  CHECK(outq.dtype == EDGELENS_DTYPE_INT8 && fabs((double)yq - expected_q) <= 1.0);

  /* compare: the gap between TFLite's two reference outputs decides the verdicts. */
  const double gap = fabs(out_scale * (expected_q - out_zp) - expected_f);
  CHECK(gap > 1e-3);
  char* cmp = NULL;
  int verdict = -1;
  CHECK_OK(edgelens_compare_json(fm, qm, NULL, 0, gap * 2 + 2 * out_scale, -1, 0, &cmp, &verdict));
  CHECK(verdict == EDGELENS_VERDICT_PASS);
  if (cmp) {
    CHECK(fabs(json_number(cmp, "\"all_outputs\"", "max_abs") - gap) <= out_scale + tol);
    CHECK((int)json_number(cmp, "\"summary\"", "changed") == 3);
  }
  edgelens_free(cmp);
  cmp = NULL;
  CHECK_OK(edgelens_compare_json(fm, qm, NULL, 0, gap / 4, NAN, 0, &cmp, &verdict));
  CHECK(verdict == EDGELENS_VERDICT_FAIL);
  CHECK(cmp && strstr(cmp, "\"passed\": false"));
  edgelens_free(cmp);
  cmp = NULL;
  CHECK_OK(edgelens_compare_json(fm, fm, NULL, 2, 0.0, 0.0, EDGELENS_COMPARE_OUTPUTS_ONLY, &cmp,
                                 &verdict));
  CHECK(verdict == EDGELENS_VERDICT_PASS);
  edgelens_free(cmp);

  /* partition and quant report come back as JSON with their headline fields. */
  char* part = NULL;
  CHECK_OK(edgelens_partition_json(qm, NULL, &part));
  CHECK(part && strstr(part, "\"delegate_operators\""));
  edgelens_free(part);
  CHECK(edgelens_partition_json(qm, "no-such-delegate", &part) == EDGELENS_ERR_INVALID_ARGUMENT);
  char* quant = NULL;
  CHECK_OK(edgelens_quant_report_json(qm, fm, NULL, 1, NULL, &quant));
  CHECK(quant && strstr(quant, "\"outputs_vs_float\""));
  edgelens_free(quant);

  edgelens_close(fm);
  edgelens_close(qm);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("capi_test: all checks passed\n");
  return failures ? 1 : 0;
}
