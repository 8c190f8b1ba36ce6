// libFuzzer entry for the readers, built once per reader (fuzz_tflite, fuzz_pte, fuzz_ptd): any
// input either opens or throws ModelError. Anything else (a crash, a sanitizer report, another
// exception, a hang, runaway memory) is a bug. Each target's seed corpus (.tflite or .pte fixtures)
// steers mutations towards its reader; open_model_bytes is the entry point a user's file goes
// through, so format detection is fuzzed along the way. EDGELENS_FUZZ_FILE_NAME names the input in
// errors.
#include <cstddef>
#include <cstdint>
#include <span>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/external_data.h"
#include "edgelens/model_io/json_dump.h"
#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/model_summary.h"
#include "edgelens/model_io/open.h"

// Writing JSON for a large model costs far more than reading it; small inputs exercise the same
// writer code paths.
constexpr size_t kMaxJsonInput = 64 * 1024;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
#ifdef EDGELENS_FUZZ_PTD
  // fuzz_ptd: ExecuTorch external tensor data (.ptd) on its own; every blob view must be readable.
  try {
    const auto ptd =
        edgelens::read_ptd(edgelens::MappedFile::from_bytes(bytes, EDGELENS_FUZZ_FILE_NAME));
    unsigned sum = 0;
    for (const auto& blob : ptd.blobs)
      for (std::byte b : blob.data) sum += static_cast<unsigned>(b);
    volatile unsigned sink = sum;
    (void)sink;
  } catch (const edgelens::ModelError&) {
  }
  return 0;
#endif
  try {
    const auto model = edgelens::open_model_bytes(bytes, EDGELENS_FUZZ_FILE_NAME);
    // Walk the whole IR the way `edgelens info` and `dump` do: every index and span a reader
    // accepted must be safe to follow.
    const auto summary = edgelens::summarize(*model);
    (void)summary;
    if (size <= kMaxJsonInput) {
      const auto dump = edgelens::dump_json(*model);
      const auto graphs = edgelens::model_explorer_json(*model, "fuzz");
      (void)dump;
      (void)graphs;
    }
  } catch (const edgelens::ModelError&) {
    // Rejected with a clear error: the expected outcome for most mutations.
  }
  return 0;
}
