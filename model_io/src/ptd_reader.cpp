// ExecuTorch external tensor data reader (.ptd, FlatTensor): the "FH01" header, the flatbuffer in
// either of its two layouts (schema/flat_tensor.fbs), and every blob's byte range, bounds-checked.
// Blobs are views into the mapped file: nothing is copied.
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <limits>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/external_data.h"
#include "edgelens/schema/flat_tensor_generated.h"
#include "pte_internal.h"

namespace edgelens {

namespace {

namespace ft = edgelens_fb::ft;

constexpr std::string_view kIdentifier = "FT01";
constexpr std::string_view kHeaderMagic = "FH01";
constexpr std::size_t kIdentifierOffset = 4;
constexpr std::size_t kHeaderOffset = 8;
constexpr uint32_t kHeaderLength = 40;  // magic, length, then four u64 fields

// Root-table vtable slot of LegacyFlatTensor.segments (field 3): only the 0.6 layout has it.
constexpr flatbuffers::voffset_t kLegacySegmentsSlot = 4 + 2 * 3;
constexpr flatbuffers::voffset_t kLegacyNamedDataSlot = 4 + 2 * 4;

template <typename T>
T load_le(std::span<const std::byte> bytes, std::size_t offset) {
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));  // the format is little-endian
  return value;
}

std::string printable(std::span<const std::byte> bytes, std::size_t offset) {
  std::string text;
  for (std::size_t i = offset; i < offset + 4 && i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    text += std::isprint(c) ? static_cast<char>(c) : '.';
  }
  return text;
}

bool has_at(std::span<const std::byte> bytes, std::size_t offset, std::string_view magic) {
  return bytes.size() >= offset + magic.size() &&
         std::memcmp(bytes.data() + offset, magic.data(), magic.size()) == 0;
}

// a + b <= limit without overflow.
bool fits(uint64_t a, uint64_t b, uint64_t limit) {
  return a <= limit && b <= limit - a;
}

class PtdReader {
 public:
  explicit PtdReader(std::shared_ptr<const MappedFile> file)
      : file_(std::move(file)), bytes_(file_->bytes()) {
    out_.file = file_;
  }

  ExternalDataFile read() {
    read_header();
    const auto flatbuffer =
        bytes_.first(out_.header.flatbuffer_offset + out_.header.flatbuffer_size);
    if (reinterpret_cast<std::uintptr_t>(flatbuffer.data()) % 8 != 0)
      fail("flatbuffer", "the data is not stored 8-byte aligned");
    const auto* data = reinterpret_cast<const uint8_t*>(flatbuffer.data());
    flatbuffers::Verifier current_verifier(data, flatbuffer.size());
    const bool current_ok = current_verifier.VerifyBuffer<ft::FlatTensor>(kIdentifier.data());
    flatbuffers::Verifier legacy_verifier(data, flatbuffer.size());
    const bool legacy_ok = legacy_verifier.VerifyBuffer<ft::LegacyFlatTensor>(kIdentifier.data());
    if (!current_ok && !legacy_ok)
      fail(fmt::format("flatbuffer (bytes 0..{})", flatbuffer.size()),
           "fails verification (truncated or corrupt)");
    // Both layouts are "FT01"; only the 0.6 one has root fields 3 and 4 (segments, named_data).
    bool legacy = !current_ok;
    if (legacy_ok && current_ok) {
      const auto* root = flatbuffers::GetRoot<flatbuffers::Table>(data);
      legacy = root->GetOptionalFieldOffset(kLegacySegmentsSlot) != 0 ||
               root->GetOptionalFieldOffset(kLegacyNamedDataSlot) != 0;
    }
    if (legacy)
      read_legacy(*flatbuffers::GetRoot<ft::LegacyFlatTensor>(data));
    else
      read_current(*flatbuffers::GetRoot<ft::FlatTensor>(data));
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& place, const std::string& problem) const {
    throw ModelError(file_->path(), place, problem);
  }

  void read_header() {
    if (bytes_.size() < kHeaderOffset + kHeaderLength)
      fail("byte 0", fmt::format("{} bytes is too short for a .ptd (header ends at byte {})",
                                 bytes_.size(), kHeaderOffset + kHeaderLength));
    if (!has_at(bytes_, kIdentifierOffset, kIdentifier))
      fail("byte 4", fmt::format("identifier \"{}\" is not ExecuTorch tensor data (\"{}\")",
                                 printable(bytes_, kIdentifierOffset), kIdentifier));
    if (!has_at(bytes_, kHeaderOffset, kHeaderMagic))
      fail("byte 8", fmt::format("header magic \"{}\" is not \"{}\"",
                                 printable(bytes_, kHeaderOffset), kHeaderMagic));
    auto& h = out_.header;
    h.length = load_le<uint32_t>(bytes_, kHeaderOffset + 4);
    if (h.length < kHeaderLength || h.length > bytes_.size() - kHeaderOffset)
      fail("header (byte 8)", fmt::format("length {} is not between {} and the {} bytes left",
                                          h.length, kHeaderLength, bytes_.size() - kHeaderOffset));
    h.flatbuffer_offset = load_le<uint64_t>(bytes_, kHeaderOffset + 8);
    h.flatbuffer_size = load_le<uint64_t>(bytes_, kHeaderOffset + 16);
    h.segment_base_offset = load_le<uint64_t>(bytes_, kHeaderOffset + 24);
    h.segment_data_size = load_le<uint64_t>(bytes_, kHeaderOffset + 32);
    const uint64_t size = bytes_.size();
    if (!fits(h.flatbuffer_offset, h.flatbuffer_size, size))
      fail("header (byte 8)",
           fmt::format("flatbuffer_offset {} + flatbuffer_size {} runs past the end of the file "
                       "({} bytes): truncated?",
                       h.flatbuffer_offset, h.flatbuffer_size, size));
    if (h.segment_base_offset < h.flatbuffer_offset + h.flatbuffer_size)
      fail("header (byte 8)",
           fmt::format("segment_base_offset {} lies inside the flatbuffer (bytes 0..{})",
                       h.segment_base_offset, h.flatbuffer_offset + h.flatbuffer_size));
    if (!fits(h.segment_base_offset, h.segment_data_size, size))
      fail("header (byte 8)",
           fmt::format("segment data runs from byte {} to byte {}, past the end of the file "
                       "({} bytes): truncated?",
                       h.segment_base_offset, h.segment_base_offset + h.segment_data_size, size));
  }

  template <typename Segments>
  void read_segments(const Segments* segments) {
    if (!segments) return;
    const auto& h = out_.header;
    for (flatbuffers::uoffset_t i = 0; i < segments->size(); ++i) {
      const auto* s = segments->Get(i);
      if (!fits(s->offset(), s->size(), h.segment_data_size))
        fail(fmt::format("segment {}", i),
             fmt::format("bytes {}..{} (offset {} + size {} from byte {}) run past the segment "
                         "data, which ends at byte {}",
                         h.segment_base_offset + s->offset(),
                         h.segment_base_offset + s->offset() + s->size(), s->offset(), s->size(),
                         h.segment_base_offset, h.segment_base_offset + h.segment_data_size));
      segments_.push_back(bytes_.subspan(h.segment_base_offset + s->offset(), s->size()));
    }
  }

  std::span<const std::byte> segment(int64_t index, const std::string& place) const {
    if (index < 0 || static_cast<uint64_t>(index) >= segments_.size())
      fail(place, fmt::format("segment_index {} of {}", index, segments_.size()));
    return segments_[static_cast<std::size_t>(index)];
  }

  template <typename Table>
  ExternalTensorLayout layout(const Table& t, const std::string& place) const {
    ExternalTensorLayout l;
    l.scalar_type = static_cast<int32_t>(t.scalar_type());
    l.dtype = pte::scalar_type_to_dtype(t.scalar_type());
    if (const auto* sizes = t.sizes()) {
      for (int32_t d : *sizes) {
        if (d < 0) fail(place, fmt::format("negative size {}", d));
        l.sizes.push_back(d);
      }
    }
    if (const auto* order = t.dim_order()) l.dim_order.assign(order->begin(), order->end());
    if (!l.dim_order.empty() && l.dim_order.size() != l.sizes.size())
      fail(place,
           fmt::format("dim_order has {} entries for rank {}", l.dim_order.size(), l.sizes.size()));
    return l;
  }

  void add(std::string key, std::span<const std::byte> data,
           std::optional<ExternalTensorLayout> layout) {
    // Keys are unique in files ExecuTorch writes; its runtime takes the first, and so do we.
    if (out_.by_key.contains(key)) return;
    out_.by_key.emplace(key, out_.blobs.size());
    out_.blobs.push_back({std::move(key), data, static_cast<uint64_t>(data.data() - bytes_.data()),
                          std::move(layout)});
  }

  template <typename NamedDataList>
  void read_named_data(const NamedDataList* named) {
    if (!named) return;
    for (flatbuffers::uoffset_t i = 0; i < named->size(); ++i) {
      const auto* entry = named->Get(i);
      const std::string key = entry->key() ? entry->key()->str() : "";
      const std::string place = fmt::format("named_data {} '{}'", i, key);
      if (key.empty()) fail(place, "has no key");
      const auto data = segment(entry->segment_index(), place);
      std::optional<ExternalTensorLayout> l;
      if (const auto* tl = entry->tensor_layout()) l = layout(*tl, place);
      add(key, data, std::move(l));
    }
  }

  void read_current(const ft::FlatTensor& root) {
    out_.version = root.version();
    out_.layout = "named_data";
    read_segments(root.segments());
    read_named_data(root.named_data());
  }

  void read_legacy(const ft::LegacyFlatTensor& root) {
    out_.version = root.version();
    out_.layout = "tensors (ExecuTorch 0.6)";
    read_segments(root.segments());
    if (const auto* tensors = root.tensors()) {
      for (flatbuffers::uoffset_t i = 0; i < tensors->size(); ++i) {
        const auto* t = tensors->Get(i);
        const std::string key = t->fully_qualified_name() ? t->fully_qualified_name()->str() : "";
        const std::string place = fmt::format("tensor {} '{}'", i, key);
        if (key.empty()) fail(place, "has no fully_qualified_name");
        ExternalTensorLayout l = layout(*t, place);
        const auto seg = segment(t->segment_index(), place);
        // The blob runs from `offset` to the tensor's size (or the segment's end when the
        // element type has no known size).
        uint64_t count = 1;
        for (int64_t d : l.sizes) {
          if (d != 0 && count > std::numeric_limits<uint64_t>::max() / 64 / uint64_t(d))
            fail(place, "the element count overflows");
          count *= uint64_t(d);
        }
        const unsigned bits = dtype_bits(l.dtype);
        const uint64_t nbytes = bits ? (count * bits + 7) / 8
                                     : seg.size() - std::min<uint64_t>(t->offset(), seg.size());
        if (!fits(t->offset(), nbytes, seg.size()))
          fail(place, fmt::format("bytes {}..{} (offset {} + {} bytes in segment {}) run past the "
                                  "segment, which ends at byte {}",
                                  offset_in_file(seg) + t->offset(),
                                  offset_in_file(seg) + t->offset() + nbytes, t->offset(), nbytes,
                                  t->segment_index(), offset_in_file(seg) + seg.size()));
        add(key, seg.subspan(t->offset(), nbytes), std::move(l));
      }
    }
    read_named_data(root.named_data());
  }

  uint64_t offset_in_file(std::span<const std::byte> data) const {
    return static_cast<uint64_t>(data.data() - bytes_.data());
  }

  std::shared_ptr<const MappedFile> file_;
  std::span<const std::byte> bytes_;
  ExternalDataFile out_;
  std::vector<std::span<const std::byte>> segments_;
};

}  // namespace

const ExternalBlob* ExternalDataFile::find(const std::string& key) const {
  const auto it = by_key.find(key);
  return it == by_key.end() ? nullptr : &blobs[it->second];
}

ExternalDataFile read_ptd(std::shared_ptr<const MappedFile> file) {
  return PtdReader(std::move(file)).read();
}

}  // namespace edgelens
