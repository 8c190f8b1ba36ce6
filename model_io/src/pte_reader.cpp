// ExecuTorch .pte reader: container (identifier, "eh00" header, segments), bundled programs
// (.bpte) and the model-level facts. Methods are built in pte_method.cpp, delegate calls in
// pte_delegate.cpp, XNNPACK blobs in xnnpack_blob.cpp.
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <cctype>
#include <cstring>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/readers.h"
#include "edgelens/schema/executorch_bundled_program_generated.h"
#include "pte_internal.h"

namespace edgelens {

namespace pte {

namespace {

constexpr std::size_t kIdentifierOffset = 4;
constexpr std::size_t kHeaderOffset = 8;
constexpr uint32_t kMinHeaderLength = 24;  // magic, length, program_size, segment_base_offset
constexpr uint32_t kHeaderLengthWithDataSize = 32;
constexpr std::string_view kSupportedProgram = "ET12";
constexpr std::string_view kSupportedBundle = "BP08";

bool has_at(std::span<const std::byte> bytes, std::size_t offset, std::string_view magic) {
  return bytes.size() >= offset + magic.size() &&
         std::memcmp(bytes.data() + offset, magic.data(), magic.size()) == 0;
}

bool digit_at(std::span<const std::byte> bytes, std::size_t i) {
  return bytes.size() > i && std::isdigit(static_cast<unsigned char>(bytes[i])) != 0;
}

template <typename T>
T load_le(std::span<const std::byte> bytes, std::size_t offset) {
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));  // the formats are little-endian
  return value;
}

std::string identifier_at(std::span<const std::byte> bytes, std::size_t offset) {
  std::string id;
  for (std::size_t i = offset; i < offset + 4 && i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    id += std::isprint(c) ? static_cast<char>(c) : '.';
  }
  return id;
}

std::string at(const std::string& where, const std::string& place) {
  return where.empty() ? place : fmt::format("{}, {}", where, place);
}

std::optional<ExtendedHeader> read_extended_header(std::span<const std::byte> image,
                                                   const std::string& file,
                                                   const std::string& where) {
  if (!has_at(image, kHeaderOffset, "eh00")) return std::nullopt;
  const std::string place = at(where, "extended header (byte 8)");
  if (image.size() < kHeaderOffset + kMinHeaderLength)
    throw ModelError(file, place,
                     fmt::format("truncated: needs {} bytes, the file has {}",
                                 kHeaderOffset + kMinHeaderLength, image.size()));
  ExtendedHeader h;
  h.length = load_le<uint32_t>(image, kHeaderOffset + 4);
  if (h.length < kMinHeaderLength || h.length > image.size() - kHeaderOffset)
    throw ModelError(file, place,
                     fmt::format("header length {} is not between {} and the {} bytes left",
                                 h.length, kMinHeaderLength, image.size() - kHeaderOffset));
  h.program_size = load_le<uint64_t>(image, kHeaderOffset + 8);
  h.segment_base_offset = load_le<uint64_t>(image, kHeaderOffset + 16);
  if (h.length >= kHeaderLengthWithDataSize)
    h.segment_data_size = load_le<uint64_t>(image, kHeaderOffset + 24);
  if (h.program_size < kHeaderOffset + h.length || h.program_size > image.size())
    throw ModelError(file, place,
                     fmt::format("program_size {} is outside the file ({} bytes)", h.program_size,
                                 image.size()));
  if (h.segment_base_offset > image.size())
    throw ModelError(file, place,
                     fmt::format("segment_base_offset {} is past the end of the file ({} bytes)",
                                 h.segment_base_offset, image.size()));
  if (h.segment_base_offset != 0 && h.segment_base_offset < h.program_size)
    throw ModelError(file, place,
                     fmt::format("segment_base_offset {} lies inside the program (program_size {})",
                                 h.segment_base_offset, h.program_size));
  if (h.segment_data_size && *h.segment_data_size > image.size() - h.segment_base_offset)
    throw ModelError(
        file, place,
        fmt::format("segment_data_size {} from offset {} runs past the end of the file "
                    "({} bytes): truncated?",
                    *h.segment_data_size, h.segment_base_offset, image.size()));
  return h;
}

}  // namespace

ProgramView open_program(std::span<const std::byte> image, const std::string& file,
                         const std::string& where) {
  if (image.size() < kHeaderOffset)
    throw ModelError(file, at(where, "byte 0"),
                     fmt::format("{} bytes is too short for an ExecuTorch program", image.size()));
  ProgramView view;
  view.bytes = image;
  view.identifier = identifier_at(image, kIdentifierOffset);
  if (!has_at(image, kIdentifierOffset, "ET") || !digit_at(image, 6) || !digit_at(image, 7))
    throw ModelError(
        file, at(where, "byte 4"),
        fmt::format("identifier \"{}\" is not an ExecuTorch program (\"ET\" + 2 digits)",
                    view.identifier));
  if (view.identifier != kSupportedProgram)
    throw ModelError(file, at(where, "byte 4"),
                     fmt::format("ExecuTorch schema \"{}\" is not supported; EdgeLens reads \"{}\"",
                                 view.identifier, kSupportedProgram));
  view.header = read_extended_header(image, file, where);
  const std::span<const std::byte> program =
      view.header ? image.first(view.header->program_size) : image;

  // The Verifier checks alignment relative to the buffer start, so the start itself must be
  // aligned for 8-byte fields to be readable (files are mapped at page boundaries and bundled
  // programs are stored 16-byte aligned, so only a malformed bundle fails this).
  if (reinterpret_cast<std::uintptr_t>(program.data()) % 8 != 0)
    throw ModelError(file, at(where, "program"), "the program is not stored 8-byte aligned");
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(program.data()), program.size());
  if (!fb::VerifyProgramBuffer(verifier))
    throw ModelError(file, at(where, fmt::format("program (bytes 0..{})", program.size())),
                     "the flatbuffer fails verification (truncated or corrupt)");
  view.program = fb::GetProgram(program.data());

  if (const auto* segments = view.program->segments(); segments && segments->size() > 0) {
    // Without an extended header nothing follows the program: only empty segments make sense
    // (exporters list a zero-size segment 0 even then).
    const bool has_base = view.header && view.header->segment_base_offset != 0;
    const uint64_t base = has_base ? view.header->segment_base_offset : image.size();
    const uint64_t available =
        has_base ? view.header->segment_data_size.value_or(image.size() - base) : 0;
    view.segments.reserve(segments->size());
    for (flatbuffers::uoffset_t i = 0; i < segments->size(); ++i) {
      const auto* s = segments->Get(i);
      if (!has_base && s->size() > 0)
        throw ModelError(file, at(where, fmt::format("segment {}", i)),
                         fmt::format("{} bytes of segment data, but the file has no extended "
                                     "header saying where segments start",
                                     s->size()));
      if (s->offset() > available || s->size() > available - s->offset())
        throw ModelError(
            file, at(where, fmt::format("segment {}", i)),
            fmt::format("offset {} + size {} runs past the segment data ({} bytes from "
                        "byte {})",
                        s->offset(), s->size(), available, base));
      view.segments.push_back(image.subspan(base + (has_base ? s->offset() : 0), s->size()));
    }
  }
  if (const auto* named = view.program->named_data()) {
    for (flatbuffers::uoffset_t i = 0; i < named->size(); ++i) {
      const auto* entry = named->Get(i);
      if (!entry->key()) continue;
      if (entry->segment_index() >= view.segments.size())
        throw ModelError(
            file, at(where, fmt::format("named_data {}", i)),
            fmt::format("\"{}\" points at segment {} of {}", entry->key()->string_view(),
                        entry->segment_index(), view.segments.size()));
      view.named_segments.emplace(entry->key()->string_view(), entry->segment_index());
    }
  }
  return view;
}

std::optional<std::span<const std::byte>> ReadContext::named_data(std::string_view key) const {
  const auto it = view.named_segments.find(key);
  if (it == view.named_segments.end()) return std::nullopt;
  return view.segments[it->second];
}

namespace {

void describe_program(const ProgramView& view, Model& model) {
  model.schema_version = view.program->version();
  model.metadata.emplace_back("identifier", view.identifier);
  if (view.header) {
    const auto& h = *view.header;
    model.metadata.emplace_back(
        "extended_header",
        fmt::format("eh00: program {} B, segments from byte {}{}", h.program_size,
                    h.segment_base_offset,
                    h.segment_data_size ? fmt::format(" ({} B)", *h.segment_data_size) : ""));
  }
  model.metadata.emplace_back("segments", fmt::format("{}", view.segments.size()));
  if (const auto* named = view.program->named_data(); named && named->size() > 0)
    model.metadata.emplace_back("named_data", fmt::format("{} entries", named->size()));
}

std::unique_ptr<Model> read_program_image(std::shared_ptr<const MappedFile> file,
                                          std::span<const std::byte> image,
                                          const std::string& where, ModelFormat format,
                                          const OpenOptions& options) {
  auto model = std::make_unique<Model>();
  model->format = format;
  model->path = file->path();
  model->file = file;
  const ProgramView view = open_program(image, file->path(), where);
  describe_program(view, *model);
  model->description = fmt::format("ExecuTorch program ({})", view.identifier);

  ExternalDataResolver external(file->path(), options);
  const ReadContext ctx{file->path(), view, *model, file->bytes(), &external};
  const auto* plans = view.program->execution_plan();
  const uint32_t plan_count = plans ? plans->size() : 0;
  if (plan_count == 0) model->warnings.push_back("the program has no methods (execution plans)");
  model->graphs.resize(plan_count);
  for (uint32_t i = 0; i < plan_count; ++i) {
    Graph g = build_method(ctx, i);
    model->graphs[i] = std::move(g);
  }
  external.finish(*model);
  return model;
}

std::unique_ptr<Model> read_bundled(std::shared_ptr<const MappedFile> file,
                                    const OpenOptions& options) {
  const auto bytes = file->bytes();
  const std::string id = identifier_at(bytes, kIdentifierOffset);
  if (id != kSupportedBundle)
    throw ModelError(file->path(), "byte 4",
                     fmt::format("bundled program schema \"{}\" is not supported; EdgeLens reads "
                                 "\"{}\"",
                                 id, kSupportedBundle));
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!edgelens_fb::bp::VerifyBundledProgramBuffer(verifier))
    throw ModelError(file->path(), "bundled program",
                     "the flatbuffer fails verification (truncated or corrupt)");
  const auto* bundle = edgelens_fb::bp::GetBundledProgram(bytes.data());
  const auto* program = bundle->program();
  if (!program || program->size() == 0)
    throw ModelError(file->path(), "bundled program", "holds no embedded program");
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(program->data()),
                                         program->size());
  auto model =
      read_program_image(file, image, "embedded program", ModelFormat::ExecuTorchBundled, options);
  model->description = fmt::format("ExecuTorch bundled program ({}) wrapping an {} program", id,
                                   model->metadata.front().second);
  model->metadata.emplace_back("bundle_version", fmt::format("{}", bundle->version()));
  model->metadata.emplace_back("embedded_program_offset",
                               fmt::format("{}", image.data() - bytes.data()));
  if (const auto* suites = bundle->method_test_suites()) {
    for (const auto* suite : *suites) {
      const std::string method = suite->method_name() ? suite->method_name()->str() : "?";
      const auto cases = suite->test_cases() ? suite->test_cases()->size() : 0;
      model->metadata.emplace_back(fmt::format("bundled_tests.{}", method),
                                   fmt::format("{} test cases", cases));
    }
  }
  return model;
}

}  // namespace

}  // namespace pte

std::unique_ptr<Model> read_pte(std::shared_ptr<const MappedFile> file) {
  return read_pte(std::move(file), OpenOptions{});
}

std::unique_ptr<Model> read_pte(std::shared_ptr<const MappedFile> file,
                                const OpenOptions& options) {
  const auto bytes = file->bytes();
  if (pte::has_at(bytes, 4, "BP") && pte::digit_at(bytes, 6) && pte::digit_at(bytes, 7))
    return pte::read_bundled(std::move(file), options);
  if ((pte::has_at(bytes, 4, "FT") && pte::digit_at(bytes, 6)) || pte::has_at(bytes, 8, "FH"))
    throw ModelError(file->path(), "byte 4",
                     "this is ExecuTorch external tensor data (.ptd, FlatTensor), not a program: "
                     "it holds weights for a .pte; open the .pte that uses it (its weights are "
                     "found next to it, or pass --data FILE.ptd)");
  auto span = bytes;
  return pte::read_program_image(file, span, "", ModelFormat::ExecuTorch, options);
}

}  // namespace edgelens
