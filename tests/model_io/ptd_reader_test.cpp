// ExecuTorch external tensor data (.ptd): the reader on the real fixture (checked against what the
// .pte that uses it declares), the .pte reader finding it (pair, --data, sibling), and malformed
// copies: every failure is a ModelError naming the file and the place; nothing crashes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/external_data.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace edgelens {
namespace {

namespace fs = std::filesystem;

fs::path resources() {
  return testing::fixtures_dir() / "executorch/release-0.6/extension/module/test/resources";
}

std::vector<std::byte> load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

void save(const fs::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

template <typename T>
T fetch(const std::vector<std::byte>& bytes, std::size_t offset) {
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

template <typename T>
void store(std::vector<std::byte>& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

std::size_t find_text(const std::vector<std::byte>& bytes, std::string_view text) {
  const auto* begin = reinterpret_cast<const char*>(bytes.data());
  const std::string_view all(begin, bytes.size());
  return all.find(text);
}

// A fresh directory per test under the build tree.
fs::path scratch(const std::string& name) {
  const auto dir = fs::path(EDGELENS_BINARY_DIR) / "ptd_reader_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// read_ptd on mutated bytes: the error, or "" when it read.
std::string ptd_error(const std::vector<std::byte>& bytes) {
  try {
    read_ptd(MappedFile::from_bytes(bytes, "mutated.ptd"));
    return "";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file(), "mutated.ptd");
    EXPECT_FALSE(e.problem().empty());
    return e.what();
  }
}

// The 0.6 fixture's header (byte 8, format-defined positions) and the two tables the tests patch.
constexpr std::size_t kSegmentBaseField = 32;
constexpr std::size_t kSegmentDataSizeField = 40;

TEST(PtdReader, FixtureBlobsMatchWhatTheProgramDeclares) {
  EDGELENS_REQUIRE_SHARED();
  const auto file = MappedFile::open((resources() / "linear.ptd").string());
  const ExternalDataFile ptd = read_ptd(file);
  // The program is the oracle: every EXTERNAL tensor it declares must be in the .ptd with the
  // same element type and shape.
  OpenOptions no_data;
  no_data.find_data_files = false;
  const auto program = open_model((resources() / "linear.pte").string(), no_data);
  int external = 0;
  for (const auto& t : program->graphs[0].tensors) {
    if (t.is_constant || t.placement || t.name.rfind("linear.", 0) != 0) continue;
    ++external;
    const ExternalBlob* blob = ptd.find(t.name);
    ASSERT_NE(blob, nullptr) << t.name;
    ASSERT_TRUE(blob->layout.has_value());
    EXPECT_EQ(blob->layout->dtype, t.dtype) << t.name;
    EXPECT_EQ(blob->layout->sizes, t.shape) << t.name;
    EXPECT_EQ(blob->data.size(), static_cast<std::size_t>(t.byte_size())) << t.name;
    // Zero-copy: a view into the mapping, inside the segment data the header announces.
    EXPECT_EQ(blob->data.data(), file->data() + blob->file_offset);
    EXPECT_GE(blob->file_offset, ptd.header.segment_base_offset);
    EXPECT_LE(blob->file_offset + blob->data.size(),
              ptd.header.segment_base_offset + ptd.header.segment_data_size);
  }
  EXPECT_EQ(external, 2);
  EXPECT_EQ(ptd.blobs.size(), 2u);
  // The header fields, read independently from their format-defined positions.
  const auto bytes = load(resources() / "linear.ptd");
  EXPECT_EQ(ptd.header.segment_base_offset, fetch<uint64_t>(bytes, kSegmentBaseField));
  EXPECT_EQ(ptd.header.segment_data_size, fetch<uint64_t>(bytes, kSegmentDataSizeField));
  EXPECT_EQ(ptd.header.segment_base_offset + ptd.header.segment_data_size, bytes.size());
}

TEST(PtdReader, ProgramTakesItsWeightsFromThePairedPtd) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = open_model((resources() / "linear.pte").string());
  ASSERT_EQ(model->data_files.size(), 1u);
  EXPECT_EQ(fs::path(model->data_files[0]->path()).filename(), "linear.ptd");
  const auto ptd = load(resources() / "linear.ptd");
  int from_ptd = 0;
  for (const auto& t : model->graphs[0].tensors) {
    if (t.data_file < 0) continue;
    ++from_ptd;
    EXPECT_TRUE(t.is_constant);
    ASSERT_EQ(t.data_file, 0);
    ASSERT_LE(t.external_offset + t.data.size(), ptd.size());
    EXPECT_EQ(std::memcmp(t.data.data(), ptd.data() + t.external_offset, t.data.size()), 0);
  }
  EXPECT_EQ(from_ptd, 2);
  const auto it = std::find_if(model->metadata.begin(), model->metadata.end(),
                               [](const auto& kv) { return kv.first == "external_data"; });
  ASSERT_NE(it, model->metadata.end());
  EXPECT_NE(it->second.find("linear.ptd"), std::string::npos) << it->second;
  EXPECT_NE(it->second.find("next to the program"), std::string::npos) << it->second;
}

TEST(PtdReader, WithoutAPtdTheProgramOpensAndSaysWhatIsMissing) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = scratch("alone");
  fs::copy_file(resources() / "linear.pte", dir / "linear.pte");
  const auto model = open_model((dir / "linear.pte").string());
  EXPECT_TRUE(model->data_files.empty());
  std::string all;
  for (const auto& w : model->warnings) all += w + "\n";
  EXPECT_NE(all.find("linear.weight"), std::string::npos) << all;
  EXPECT_NE(all.find("--data"), std::string::npos) << all;

  // --data from elsewhere fills them in.
  OpenOptions options;
  options.data_files = {(resources() / "linear.ptd").string()};
  const auto with_data = open_model((dir / "linear.pte").string(), options);
  ASSERT_EQ(with_data->data_files.size(), 1u);
  const auto it = std::find_if(with_data->metadata.begin(), with_data->metadata.end(),
                               [](const auto& kv) { return kv.first == "external_data"; });
  ASSERT_NE(it, with_data->metadata.end());
  EXPECT_NE(it->second.find("--data"), std::string::npos) << it->second;
}

TEST(PtdReader, APtdWithAnotherNameInTheFolderIsUsedWhenItsKeysMatch) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = scratch("sibling");
  fs::copy_file(resources() / "linear.pte", dir / "model.pte");
  fs::copy_file(resources() / "linear.ptd", dir / "weights.ptd");
  save(dir / "broken.ptd", std::vector<std::byte>(16));  // another model's problem: skipped
  const auto model = open_model((dir / "model.pte").string());
  ASSERT_EQ(model->data_files.size(), 1u);
  EXPECT_EQ(fs::path(model->data_files[0]->path()).filename(), "weights.ptd");
  std::string all;
  for (const auto& w : model->warnings) all += w + "\n";
  EXPECT_NE(all.find("broken.ptd"), std::string::npos) << all;
}

TEST(PtdReader, MissingKeyNamesTheTensorAndTheFile) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = scratch("missing_key");
  auto ptd = load(resources() / "linear.ptd");
  const auto at = find_text(ptd, "linear.weight");
  ASSERT_NE(at, std::string::npos);
  ptd[at + 7] = std::byte{'W'};  // "linear.Weight": the program's key is no longer there
  save(dir / "linear.ptd", ptd);
  fs::copy_file(resources() / "linear.pte", dir / "linear.pte");
  try {
    open_model((dir / "linear.pte").string());
    FAIL() << "opened a program whose paired .ptd lacks a key";
  } catch (const ModelError& e) {
    EXPECT_EQ(fs::path(e.file()).filename(), "linear.pte");
    EXPECT_NE(e.place().find("'linear.weight'"), std::string::npos) << e.what();
    EXPECT_NE(e.place().find("tensor "), std::string::npos) << e.what();
    EXPECT_EQ(e.problem(), "key not found in linear.ptd") << e.what();
  }
}

TEST(PtdReader, LayoutThatContradictsTheProgramIsAnError) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = scratch("layout");
  auto ptd = load(resources() / "linear.ptd");
  // In the 0.6 fixture the weight's sizes vector (length 2, then 3, 3) sits just before its name
  // string's length field; the preconditions below check that.
  const auto name = find_text(ptd, "linear.weight");
  ASSERT_NE(name, std::string::npos);
  const std::size_t sizes = name - 4 - 8 - 4;  // string length, two int32, vector length
  ASSERT_EQ(fetch<uint32_t>(ptd, sizes), 2u);
  ASSERT_EQ(fetch<int32_t>(ptd, sizes + 4), 3);
  store<int32_t>(ptd, sizes + 4, 1);  // [1, 3]
  save(dir / "linear.ptd", ptd);
  fs::copy_file(resources() / "linear.pte", dir / "linear.pte");
  try {
    open_model((dir / "linear.pte").string());
    FAIL() << "accepted a .ptd that stores linear.weight as [1,3]";
  } catch (const ModelError& e) {
    EXPECT_NE(e.place().find("'linear.weight'"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("[1,3]"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("[3,3]"), std::string::npos) << e.what();
  }
}

TEST(PtdReader, BadExplicitDataFileIsAnErrorNamingIt) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = scratch("bad_explicit");
  auto ptd = load(resources() / "linear.ptd");
  ptd.resize(ptd.size() - 20);
  save(dir / "cut.ptd", ptd);
  OpenOptions options;
  options.data_files = {(dir / "cut.ptd").string()};
  try {
    open_model((resources() / "linear.pte").string(), options);
    FAIL() << "accepted a truncated --data file";
  } catch (const ModelError& e) {
    EXPECT_EQ(fs::path(e.file()).filename(), "cut.ptd");
    EXPECT_NE(e.problem().find("truncated"), std::string::npos) << e.what();
  }
}

TEST(PtdReader, WrongMagicIsNamedAtItsByte) {
  EDGELENS_REQUIRE_SHARED();
  const auto good = load(resources() / "linear.ptd");
  auto bytes = good;
  bytes[5] = std::byte{'X'};  // "FX01"
  auto error = ptd_error(bytes);
  EXPECT_NE(error.find("byte 4"), std::string::npos) << error;
  bytes = good;
  bytes[11] = std::byte{'2'};  // "FH02"
  error = ptd_error(bytes);
  EXPECT_NE(error.find("byte 8"), std::string::npos) << error;
  EXPECT_NE(error.find("FH02"), std::string::npos) << error;
}

TEST(PtdReader, TruncatedFilesNameTheByteOffsets) {
  EDGELENS_REQUIRE_SHARED();
  const auto good = load(resources() / "linear.ptd");
  for (std::size_t size = 0; size < good.size(); ++size) {
    const std::vector<std::byte> cut(good.begin(), good.begin() + static_cast<long>(size));
    EXPECT_NE(ptd_error(cut), "") << "read a .ptd cut to " << size << " bytes";
  }
  const std::vector<std::byte> cut(good.begin(), good.end() - 1);
  const auto error = ptd_error(cut);
  const auto base = fetch<uint64_t>(good, kSegmentBaseField);
  const auto end = base + fetch<uint64_t>(good, kSegmentDataSizeField);
  EXPECT_NE(error.find(std::to_string(end)), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(cut.size())), std::string::npos) << error;
}

TEST(PtdReader, OutOfRangeOffsetsAreRejected) {
  EDGELENS_REQUIRE_SHARED();
  const auto good = load(resources() / "linear.ptd");
  auto bytes = good;
  store<uint64_t>(bytes, kSegmentBaseField, uint64_t{1} << 62);
  EXPECT_NE(ptd_error(bytes).find("segment"), std::string::npos);
  bytes = good;
  store<uint64_t>(bytes, kSegmentDataSizeField, ~uint64_t{0});  // overflow when added
  EXPECT_NE(ptd_error(bytes).find("truncated"), std::string::npos);
  bytes = good;
  store<uint64_t>(bytes, 16, ~uint64_t{0} - 8);  // flatbuffer_offset
  EXPECT_NE(ptd_error(bytes).find("flatbuffer_offset"), std::string::npos);
  bytes = good;
  store<uint32_t>(bytes, 12, 4096);  // header length past the file
  EXPECT_NE(ptd_error(bytes).find("length 4096"), std::string::npos);
  // A segment shrunk to less than the data size the header gives it is fine; one larger is not.
  // Segment 0's table holds its size (64, equal to the header's segment_data_size) as its only
  // stored field; find it as the one u64 of that value inside the flatbuffer past the header.
  const auto data_size = fetch<uint64_t>(good, kSegmentDataSizeField);
  std::size_t segment_size_at = 0;
  for (std::size_t i = 48; i + 8 <= 0x100; i += 4)
    if (fetch<uint64_t>(good, i) == data_size) segment_size_at = i;
  ASSERT_NE(segment_size_at, 0u);
  bytes = good;
  store<uint64_t>(bytes, segment_size_at, data_size + 1);
  const auto error = ptd_error(bytes);
  EXPECT_NE(error.find("segment 0"), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(fetch<uint64_t>(good, kSegmentBaseField) + data_size)),
            std::string::npos)
      << error;
}

TEST(PtdReader, ByteFlipsNeverCrash) {
  EDGELENS_REQUIRE_SHARED();
  const auto good = load(resources() / "linear.ptd");
  int read = 0, rejected = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const auto value : {std::byte{0x00}, std::byte{0xFF}, good[i] ^ std::byte{0x41}}) {
      auto bytes = good;
      bytes[i] = value;
      (ptd_error(bytes).empty() ? read : rejected)++;
    }
  }
  EXPECT_GT(read, 0);  // flips in the weights themselves still read
  EXPECT_GT(rejected, 0);
}

TEST(PtdReader, OpeningThePtdItselfPointsAtThePte) {
  EDGELENS_REQUIRE_SHARED();
  try {
    open_model((resources() / "linear.ptd").string());
    FAIL() << "opened a .ptd as a model";
  } catch (const ModelError& e) {
    EXPECT_NE(e.problem().find(".pte"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgelens
