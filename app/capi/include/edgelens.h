/* libedgelens: the C API of EdgeLens, for conversion pipelines and other languages (Python ctypes,
 * Rust, Go ...). Plain C: opaque handles, C strings, integer status codes. No C++ type and no C++
 * exception crosses this boundary.
 *
 * Conventions
 *  - Every function returning edgelens_status returns EDGELENS_OK (0) on success. On failure,
 *    edgelens_last_error() returns a message for the calling thread, valid until that thread's
 *    next call into the library.
 *  - Strings the library returns through `char**` are allocated by the library: free them with
 *    edgelens_free(). JSON is UTF-8 (invalid bytes in model names become U+FFFD).
 *  - A model handle may be used from several threads for the read-only calls (info, partition,
 *    compare, quant report); every run creates its own interpreter.
 *  - ABI: only functions are added in later minor versions; EDGELENS_API_VERSION says which.
 *
 * Documented in docs/capi.md. */
#ifndef EDGELENS_H
#define EDGELENS_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define EDGELENS_EXPORT __declspec(dllexport)
#else
#define EDGELENS_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define EDGELENS_API_VERSION 1

typedef enum edgelens_status {
  EDGELENS_OK = 0,
  EDGELENS_ERR_INVALID_ARGUMENT = 1, /* NULL handle, bad option, wrong input count ... */
  EDGELENS_ERR_BAD_MODEL = 2,        /* the file is not a model we can read, or is malformed */
  EDGELENS_ERR_UNSUPPORTED = 3,      /* the model cannot run (ops without kernels) */
  EDGELENS_ERR_IO = 4,               /* a file could not be read or written */
  EDGELENS_ERR_BUFFER_TOO_SMALL = 5, /* an output buffer is too small (shape/bytes are filled) */
  EDGELENS_ERR_INTERNAL = 6
} edgelens_status;

/* Element types of edgelens_tensor (values are stable). */
typedef enum edgelens_dtype {
  EDGELENS_DTYPE_UNKNOWN = 0,
  EDGELENS_DTYPE_FLOAT32 = 1,
  EDGELENS_DTYPE_INT8 = 2,
  EDGELENS_DTYPE_UINT8 = 3,
  EDGELENS_DTYPE_INT16 = 4,
  EDGELENS_DTYPE_INT32 = 5,
  EDGELENS_DTYPE_INT64 = 6,
  EDGELENS_DTYPE_BOOL = 7,
  EDGELENS_DTYPE_FLOAT16 = 8,
  EDGELENS_DTYPE_FLOAT64 = 9
} edgelens_dtype;

#define EDGELENS_MAX_RANK 8

/* A tensor passed in or out of edgelens_run_buffers. Inputs: the caller fills everything; data
 * holds size_bytes bytes, C order, native (little-endian) layout. Outputs: the caller sets data
 * and size_bytes (capacity); the library sets dtype, rank, shape and size_bytes (bytes written, or
 * bytes needed when it returns EDGELENS_ERR_BUFFER_TOO_SMALL). */
typedef struct edgelens_tensor {
  int32_t dtype; /* edgelens_dtype */
  int32_t rank;
  int64_t shape[EDGELENS_MAX_RANK];
  void* data;
  size_t size_bytes;
} edgelens_tensor;

typedef struct edgelens_model edgelens_model;

/* "0.1.0" and EDGELENS_API_VERSION of the loaded library. */
EDGELENS_EXPORT const char* edgelens_version(void);
EDGELENS_EXPORT int edgelens_api_version(void);

/* Short name of a status ("ok", "invalid argument" ...). Static storage. */
EDGELENS_EXPORT const char* edgelens_status_string(edgelens_status status);
/* Message of the calling thread's last failure ("" when none). */
EDGELENS_EXPORT const char* edgelens_last_error(void);
/* Frees a string (or any buffer) the library returned. NULL is allowed. */
EDGELENS_EXPORT void edgelens_free(void* p);

/* Opens a .tflite or .pte file. On failure *model is NULL and, when error is not NULL, *error
 * receives a copy of the message (free it with edgelens_free). */
EDGELENS_EXPORT edgelens_status edgelens_open(const char* path, edgelens_model** model,
                                              char** error);
/* NULL is allowed. */
EDGELENS_EXPORT void edgelens_close(edgelens_model* model);

/* Graph 0's inputs and outputs (what edgelens_run expects and produces). */
EDGELENS_EXPORT size_t edgelens_input_count(const edgelens_model* model);
EDGELENS_EXPORT size_t edgelens_output_count(const edgelens_model* model);

/* `edgelens info --json` of the model. */
EDGELENS_EXPORT edgelens_status edgelens_info_json(const edgelens_model* model, char** json);

/* Runs the model once. input_npy: n_inputs .npy paths for the graph inputs in order, or NULL /
 * n_inputs = 0 for the ramp inputs (docs/conformance.md). Writes output<k>.npy into output_dir
 * (created when missing; NULL = write nothing). summary_json (optional) receives per-output
 * name, dtype, shape and the paths written. */
EDGELENS_EXPORT edgelens_status edgelens_run(const edgelens_model* model,
                                             const char* const* input_npy, size_t n_inputs,
                                             const char* output_dir, char** summary_json);
/* Runs the model once on caller buffers (see edgelens_tensor). n_inputs must equal
 * edgelens_input_count; outputs past n_outputs are not returned. */
EDGELENS_EXPORT edgelens_status edgelens_run_buffers(const edgelens_model* model,
                                                     const edgelens_tensor* inputs, size_t n_inputs,
                                                     edgelens_tensor* outputs, size_t n_outputs);

/* The `edgelens partition --json` report (docs/partitioning.md) of graph 0 with the delegate's
 * default limits. delegate: "xnnpack" (NULL), "xnnpack-local", "gpu", "nnapi", "htp", "ethos-u" or
 * a profile .json path. */
EDGELENS_EXPORT edgelens_status edgelens_partition_json(const edgelens_model* model,
                                                        const char* delegate, char** json);

/* Quantization report (docs/quant-report.md JSON). float_model may be NULL. inputs_dir: samples
 * as for `quant-report --inputs` (NULL = `samples` random samples, at least 1). mode: "layer"
 * (NULL) or "model". */
EDGELENS_EXPORT edgelens_status edgelens_quant_report_json(const edgelens_model* quantized,
                                                           const edgelens_model* float_model,
                                                           const char* inputs_dir, size_t samples,
                                                           const char* mode, char** json);

/* Flags of edgelens_compare_json. */
#define EDGELENS_COMPARE_STRUCTURE_ONLY 1u /* no coverage, no run */
#define EDGELENS_COMPARE_OUTPUTS_ONLY 2u   /* numeric diff of model outputs only */
#define EDGELENS_COMPARE_NO_COVERAGE 4u

/* Verdicts of edgelens_compare_json. */
#define EDGELENS_VERDICT_PASS 0
#define EDGELENS_VERDICT_FAIL 1

/* `edgelens compare A B --json` (docs/cli.md). inputs_dir NULL and samples 0: the ramp input;
 * samples > 0: that many random samples. max_abs / max_rel: thresholds on the outputs, a negative
 * or NaN value means none. *verdict (optional) is EDGELENS_VERDICT_FAIL when a threshold is
 * exceeded (or thresholds were given and the models could not be run), else
 * EDGELENS_VERDICT_PASS; the status stays EDGELENS_OK either way. */
EDGELENS_EXPORT edgelens_status edgelens_compare_json(const edgelens_model* a,
                                                      const edgelens_model* b,
                                                      const char* inputs_dir, size_t samples,
                                                      double max_abs, double max_rel,
                                                      unsigned flags, char** json, int* verdict);

#ifdef __cplusplus
}
#endif

#endif /* EDGELENS_H */
