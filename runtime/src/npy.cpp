// .npy reading and writing (NumPy format versions 1-3, little-endian, C order).
#include "edgelens/runtime/npy.h"

#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "edgelens/model_io/error.h"

namespace edgelens::runtime {

namespace {
struct DescrEntry {
  DType dtype;
  const char* descr;
};
constexpr DescrEntry kDescrs[] = {
    {DType::Float32, "<f4"}, {DType::Float16, "<f2"}, {DType::Float64, "<f8"},
    {DType::Int8, "|i1"},    {DType::UInt8, "|u1"},   {DType::Int16, "<i2"},
    {DType::UInt16, "<u2"},  {DType::Int32, "<i4"},   {DType::UInt32, "<u4"},
    {DType::Int64, "<i8"},   {DType::UInt64, "<u8"},  {DType::Bool, "|b1"},
};

DType dtype_of_descr(std::string_view d) {
  for (const auto& e : kDescrs) {
    std::string_view ours = e.descr;
    if (d == ours) return e.dtype;
    // One-byte types may be spelled with any byte-order mark; "=" means native (little-endian
    // here).
    if (d.size() == 3 && ours.substr(1) == d.substr(1) &&
        (d[0] == '|' || d[0] == '<' || d[0] == '='))
      return e.dtype;
  }
  return DType::Unknown;
}

// Value of `key` in the header dict: the text between its ':' and the next top-level ',' or '}'.
std::string_view dict_value(std::string_view header, std::string_view key) {
  for (const char quote : {'\'', '"'}) {
    const std::string needle = std::string(1, quote) + std::string(key) + quote;
    auto pos = header.find(needle);
    if (pos == std::string_view::npos) continue;
    pos = header.find(':', pos + needle.size());
    if (pos == std::string_view::npos) return {};
    ++pos;
    while (pos < header.size() && header[pos] == ' ') ++pos;
    size_t end = pos;
    int depth = 0;
    for (; end < header.size(); ++end) {
      const char c = header[end];
      if (c == '(' || c == '[') ++depth;
      if (c == ')' || c == ']') --depth;
      if (depth == 0 && (c == ',' || c == '}')) break;
    }
    return header.substr(pos, end - pos);
  }
  return {};
}
}  // namespace

std::string npy_descr(DType dtype) {
  for (const auto& e : kDescrs)
    if (e.dtype == dtype) return e.descr;
  return {};
}

int64_t NpyArray::element_count() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

NpyArray parse_npy(std::span<const std::byte> bytes, const std::string& name) {
  auto fail = [&](const std::string& place, const std::string& problem) -> ModelError {
    return ModelError(name, place, problem);
  };
  static constexpr unsigned char kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw fail("byte 0", "not a .npy file (magic \\x93NUMPY missing)");
  const auto major = static_cast<unsigned>(bytes[6]);
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<size_t>(bytes[8]) | static_cast<size_t>(bytes[9]) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw fail("byte 8", "truncated header length");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(bytes[8 + i]) << (8 * i);
    header_start = 12;
  } else {
    throw fail("byte 6", fmt::format("unsupported .npy version {}", major));
  }
  if (header_start + header_len > bytes.size())
    throw fail("byte 8", "header runs past the end of the file");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + header_start,
                                header_len);
  NpyArray array;
  auto descr = dict_value(header, "descr");
  if (descr.size() < 2) throw fail("header", "no 'descr'");
  descr = descr.substr(1, descr.size() - 2);
  array.dtype = dtype_of_descr(descr);
  if (array.dtype == DType::Unknown)
    throw fail("header", fmt::format("unsupported dtype '{}' (big-endian or not numeric)", descr));
  const auto order = dict_value(header, "fortran_order");
  if (order.starts_with("True"))
    throw fail("header", "Fortran-order arrays are not supported (save with C order)");
  auto shape_text = dict_value(header, "shape");
  if (shape_text.size() < 2 || shape_text.front() != '(') throw fail("header", "no 'shape' tuple");
  shape_text = shape_text.substr(1, shape_text.size() - 2);
  size_t pos = 0;
  while (pos < shape_text.size()) {
    while (pos < shape_text.size() && (shape_text[pos] == ' ' || shape_text[pos] == ',')) ++pos;
    if (pos >= shape_text.size()) break;
    size_t end = pos;
    int64_t value = 0;
    while (end < shape_text.size() && shape_text[end] >= '0' && shape_text[end] <= '9') {
      value = value * 10 + (shape_text[end] - '0');
      if (value > (int64_t{1} << 40)) throw fail("header", "dimension too large");
      ++end;
    }
    if (end == pos) throw fail("header", fmt::format("bad shape '{}'", shape_text));
    array.shape.push_back(value);
    pos = end;
  }
  const size_t data_start = header_start + header_len;
  const auto count = array.element_count();
  const size_t need = static_cast<size_t>(count) * (dtype_bits(array.dtype) / 8);
  if (bytes.size() - data_start < need)
    throw fail(fmt::format("byte {}", data_start),
               fmt::format("data hold {} bytes, shape {} of {} needs {}", bytes.size() - data_start,
                           fmt::join(array.shape, "x"), dtype_name(array.dtype), need));
  array.data.assign(bytes.begin() + static_cast<ptrdiff_t>(data_start),
                    bytes.begin() + static_cast<ptrdiff_t>(data_start + need));
  return array;
}

NpyArray read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string(), "", "cannot open file");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_npy(std::as_bytes(std::span(bytes)), path.string());
}

std::vector<std::byte> encode_npy(DType dtype, std::span<const int64_t> shape,
                                  std::span<const std::byte> data) {
  const auto descr = npy_descr(dtype);
  if (descr.empty())
    throw std::invalid_argument(fmt::format(".npy cannot hold dtype {}", dtype_name(dtype)));
  // numpy spells shapes as Python tuples: (), (3,), (1, 2).
  const std::string shape_text = shape.size() == 1 ? fmt::format("({},)", shape[0])
                                                   : fmt::format("({})", fmt::join(shape, ", "));
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape_text);
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::vector<std::byte> out;
  out.reserve(10 + header.size() + data.size());
  const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  for (auto c : magic) out.push_back(static_cast<std::byte>(c));
  out.push_back(static_cast<std::byte>(header.size() & 0xff));
  out.push_back(static_cast<std::byte>(header.size() >> 8));
  for (char c : header) out.push_back(static_cast<std::byte>(c));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void write_npy(const std::filesystem::path& path, DType dtype, std::span<const int64_t> shape,
               std::span<const std::byte> data) {
  const auto bytes = encode_npy(dtype, shape, data);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(fmt::format("failed writing {}", path.string()));
}

}  // namespace edgelens::runtime
