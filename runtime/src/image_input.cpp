// Image inputs: decoding (libpng simplified API, libjpeg-turbo, BMP read here), resizing and
// normalisation into input tensors. See image_input.h for the value rules.
#include "edgelens/runtime/image_input.h"

#include <png.h>
// jpeglib.h needs FILE and size_t declared before it.
#include <jpeglib.h>
#include <cstdio>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <csetjmp>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "tensor_values.h"

namespace edgelens::runtime {

namespace {

// Larger images are refused before allocating (a corrupt header must not ask for gigabytes).
constexpr int64_t kMaxSide = 1 << 15;
constexpr int64_t kMaxPixels = int64_t{1} << 28;

[[noreturn]] void fail(const std::string& source, const std::string& why) {
  throw std::invalid_argument(fmt::format("{}: {}", source, why));
}

void check_size(int64_t width, int64_t height, const std::string& source) {
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide ||
      width * height > kMaxPixels)
    fail(source, fmt::format("image size {}x{} is out of range", width, height));
}

// ---- PNG ------------------------------------------------------------------------------------
// libpng's classic API: its simplified API applies the file's gAMA chunk, so it would not give the
// stored sample values (which PIL, OpenCV and TFLite's tools use). Errors longjmp back into
// decode_png_frames, whose frame holds no object with a destructor (the Image is the caller's).
struct PngSource {
  std::span<const std::byte> bytes;
  size_t at = 0;
  char message[256];
};

void png_on_error(png_structp png, png_const_charp message) {
  auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(source->message, sizeof source->message, "%s", message);
  png_longjmp(png, 1);
}
void png_on_warning(png_structp, png_const_charp) {}  // e.g. "known incorrect sRGB profile"
void png_on_read(png_structp png, png_bytep out, size_t n) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > source->bytes.size() - source->at) png_error(png, "file is truncated");
  std::memcpy(out, source->bytes.data() + source->at, n);
  source->at += n;
}

const char* decode_png_frames(PngSource& source, Image& image) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, png_on_error, png_on_warning);
  if (!png) return "out of memory";
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return "out of memory";
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return source.message;
  }
  png_set_read_fn(png, &source, png_on_read);
  png_read_info(png, info);
  const int64_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide ||
      width * height > kMaxPixels)
    png_error(png, "image size is out of range");
  const int color_type = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_scale_16(png);  // rounds, as ImageMagick does
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_alpha(png);  // alpha is dropped, not composited (tRNS is ignored likewise)
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int64_t channels = png_get_channels(png, info);
  if (channels != 1 && channels != 3) png_error(png, "unexpected channel count after conversion");
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.assign(size_t(width * height * channels), 0);
  for (int pass = 0; pass < passes; ++pass)
    for (int64_t y = 0; y < height; ++y)
      png_read_row(png, image.pixels.data() + y * width * channels, nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return nullptr;
}

Image decode_png(std::span<const std::byte> bytes, const std::string& source_name) {
  PngSource source{bytes, 0, {}};
  Image image;
  if (const char* why = decode_png_frames(source, image))
    fail(source_name, fmt::format("not a readable PNG ({})", why));
  return image;
}

// ---- JPEG -----------------------------------------------------------------------------------
// libjpeg reports errors through a callback that must not return; it longjmps back into
// decode_jpeg_frames, whose frame holds no object with a destructor (the Image lives in the
// caller).
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_on_error(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}
// Warnings (msg_level -1: truncated or corrupt data that libjpeg would paper over) are errors too.
void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level < 0) jpeg_on_error(cinfo);
}

// Returns nullptr on success, else the libjpeg message (in errors.message).
const char* decode_jpeg_frames(std::span<const std::byte> bytes, Image& image, JpegErrors& errors) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpeg_on_error;
  errors.manager.emit_message = jpeg_on_message;
  errors.message[0] = '\0';
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return errors.message;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  const bool gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    std::snprintf(errors.message, sizeof errors.message, "CMYK JPEG is not supported");
    jpeg_destroy_decompress(&cinfo);
    return errors.message;
  }
  cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  const int64_t width = cinfo.image_width, height = cinfo.image_height;
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide ||
      width * height > kMaxPixels) {
    std::snprintf(errors.message, sizeof errors.message, "image size %lldx%lld is out of range",
                  static_cast<long long>(width), static_cast<long long>(height));
    jpeg_destroy_decompress(&cinfo);
    return errors.message;
  }
  jpeg_start_decompress(&cinfo);
  image.width = cinfo.output_width;
  image.height = cinfo.output_height;
  image.channels = cinfo.output_components;
  image.pixels.resize(static_cast<size_t>(image.width * image.height * image.channels));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row =
        image.pixels.data() + size_t(cinfo.output_scanline) * size_t(image.width * image.channels);
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return nullptr;
}

Image decode_jpeg(std::span<const std::byte> bytes, const std::string& source) {
  Image image;
  JpegErrors errors{};
  if (const char* why = decode_jpeg_frames(bytes, image, errors))
    fail(source, fmt::format("not a readable JPEG ({})", why));
  if (image.channels != 1 && image.channels != 3)
    fail(source, fmt::format("JPEG with {} components is not supported", image.channels));
  return image;
}

// ---- BMP ------------------------------------------------------------------------------------
// Uncompressed BITMAPINFOHEADER and later (V4/V5): 1/4/8-bit palette, 24-bit BGR, 16/32-bit with
// BI_RGB or BI_BITFIELDS masks. Every read is bounds-checked against the file.
struct ByteReader {
  std::span<const std::byte> bytes;
  const std::string& source;
  uint32_t u32(size_t at) const {
    need(at, 4);
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k)
      v |= uint32_t(std::to_integer<uint8_t>(bytes[at + k])) << (8 * k);
    return v;
  }
  uint16_t u16(size_t at) const {
    need(at, 2);
    return uint16_t(std::to_integer<uint8_t>(bytes[at]) |
                    (std::to_integer<uint8_t>(bytes[at + 1]) << 8));
  }
  uint8_t u8(size_t at) const {
    need(at, 1);
    return std::to_integer<uint8_t>(bytes[at]);
  }
  void need(size_t at, size_t n) const {
    if (at > bytes.size() || n > bytes.size() - at)
      fail(source, fmt::format("BMP truncated at byte {} (file has {} bytes)", at, bytes.size()));
  }
};

struct ChannelMask {
  uint32_t mask = 0;
  int shift = 0, bits = 0;
  explicit ChannelMask(uint32_t m) : mask(m) {
    if (m) {
      shift = std::countr_zero(m);
      bits = std::popcount(m);
    }
  }
  uint8_t extract(uint32_t pixel) const {
    if (!bits) return 0;
    const uint32_t v = (pixel & mask) >> shift;
    const uint32_t top = (bits >= 32) ? 0xffffffffu : ((1u << bits) - 1);
    return static_cast<uint8_t>((uint64_t(v) * 255 + top / 2) / top);
  }
};

Image decode_bmp(std::span<const std::byte> bytes, const std::string& source) {
  const ByteReader r{bytes, source};
  const uint32_t data_offset = r.u32(10);
  const uint32_t header_size = r.u32(14);
  if (header_size < 40)
    fail(source,
         fmt::format("BMP header of {} bytes (OS/2 bitmaps) is not supported", header_size));
  const int64_t width = static_cast<int32_t>(r.u32(18));
  const int64_t raw_height = static_cast<int32_t>(r.u32(22));
  const bool top_down = raw_height < 0;
  const int64_t height = top_down ? -raw_height : raw_height;
  const uint16_t bpp = r.u16(28);
  const uint32_t compression = r.u32(30);
  check_size(width, height, source);
  if (r.u16(26) != 1) fail(source, "BMP planes field is not 1");
  if (compression != 0 && !(compression == 3 && (bpp == 16 || bpp == 32)))
    fail(source,
         fmt::format("BMP compression {} is not supported (only uncompressed)", compression));
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    fail(source, fmt::format("BMP with {} bits per pixel is not supported", bpp));

  // Palette (bpp <= 8): BGRx entries after the info header.
  std::vector<std::array<uint8_t, 3>> palette;
  bool gray_palette = true;
  if (bpp <= 8) {
    uint32_t colors = r.u32(46);
    if (colors == 0 || colors > (1u << bpp)) colors = 1u << bpp;
    const size_t at = 14 + size_t(header_size);
    r.need(at, size_t(colors) * 4);
    for (uint32_t k = 0; k < colors; ++k) {
      const size_t e = at + size_t(k) * 4;
      palette.push_back({r.u8(e + 2), r.u8(e + 1), r.u8(e)});
      gray_palette = gray_palette && palette.back()[0] == palette.back()[1] &&
                     palette.back()[1] == palette.back()[2];
    }
  }
  // Channel masks for 16/32 bits: BI_BITFIELDS masks follow the 40-byte header (inside V4/V5).
  ChannelMask red(0x00ff0000u), green(0x0000ff00u), blue(0x000000ffu);
  if (bpp == 16)
    red = ChannelMask(0x7c00u), green = ChannelMask(0x03e0u), blue = ChannelMask(0x1fu);
  if (compression == 3)
    red = ChannelMask(r.u32(54)), green = ChannelMask(r.u32(58)), blue = ChannelMask(r.u32(62));

  const size_t stride = ((size_t(width) * bpp + 31) / 32) * 4;
  r.need(data_offset, stride * size_t(height));
  Image image{width, height, (bpp <= 8 && gray_palette) ? 1 : 3, {}};
  image.pixels.resize(size_t(width * height * image.channels));
  for (int64_t y = 0; y < height; ++y) {
    const size_t row = data_offset + size_t(top_down ? y : height - 1 - y) * stride;
    for (int64_t x = 0; x < width; ++x) {
      std::array<uint8_t, 3> rgb{};
      if (bpp <= 8) {
        const size_t bit = size_t(x) * bpp;
        const uint8_t byte = r.u8(row + bit / 8);
        const unsigned index = (byte >> (8 - bpp - bit % 8)) & ((1u << bpp) - 1);
        if (index >= palette.size())
          fail(source, fmt::format("BMP pixel ({}, {}) uses colour {} of a {}-entry palette", x, y,
                                   index, palette.size()));
        rgb = palette[index];
      } else if (bpp == 24) {
        const size_t p = row + size_t(x) * 3;
        rgb = {r.u8(p + 2), r.u8(p + 1), r.u8(p)};
      } else {
        const size_t p = row + size_t(x) * (bpp / 8);
        const uint32_t pixel = bpp == 16 ? r.u16(p) : r.u32(p);
        rgb = {red.extract(pixel), green.extract(pixel), blue.extract(pixel)};
      }
      const size_t o = size_t((y * width + x) * image.channels);
      if (image.channels == 1)
        image.pixels[o] = rgb[0];
      else
        std::copy(rgb.begin(), rgb.end(), image.pixels.begin() + std::ptrdiff_t(o));
    }
  }
  return image;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

ImageFormat detect_image_format(std::span<const std::byte> head) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    if (head.size() < magic.size()) return false;
    size_t k = 0;
    for (uint8_t m : magic)
      if (std::to_integer<uint8_t>(head[k++]) != m) return false;
    return true;
  };
  if (starts({0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a})) return ImageFormat::Png;
  if (starts({0xff, 0xd8, 0xff})) return ImageFormat::Jpeg;
  if (starts({'B', 'M'})) return ImageFormat::Bmp;
  return ImageFormat::Unknown;
}

bool has_image_extension(const std::filesystem::path& path) {
  const auto ext = lower(path.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

Image decode_image_bytes(std::span<const std::byte> bytes, const std::string& source) {
  switch (detect_image_format(bytes)) {
    case ImageFormat::Png:
      return decode_png(bytes, source);
    case ImageFormat::Jpeg:
      return decode_jpeg(bytes, source);
    case ImageFormat::Bmp:
      return decode_bmp(bytes, source);
    case ImageFormat::Unknown:
      break;
  }
  fail(source, "not a PNG, JPEG or BMP file (unknown signature)");
}

Image decode_image(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail(source, fmt::format("cannot read ({})", ec.message()));
  if (size > (size_t{1} << 30)) fail(source, "file is larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  std::vector<std::byte> bytes(size);
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size)))
    fail(source, "cannot read");
  return decode_image_bytes(bytes, source);
}

ImageResize parse_image_resize(std::string_view text) {
  if (text == "bilinear") return ImageResize::Bilinear;
  if (text == "nearest") return ImageResize::Nearest;
  if (text == "none") return ImageResize::None;
  throw std::invalid_argument(
      fmt::format("--image-resize {}: expected bilinear, nearest or none", text));
}

std::vector<double> parse_channel_values(std::string_view text, std::string_view what) {
  std::vector<double> values;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const auto item = text.substr(start, comma - start);
    double v = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || !std::isfinite(v))
      throw std::invalid_argument(fmt::format("{} {}: '{}' is not a number", what, text, item));
    values.push_back(v);
    start = comma + 1;
  }
  if (values.size() != 1 && values.size() != 3)
    throw std::invalid_argument(
        fmt::format("{} {}: give one value or three (one per channel)", what, text));
  return values;
}

void set_image_range(ImageOptions& options, std::string_view text) {
  if (text == "auto") {
    options.mean.clear();
    options.std.clear();
    return;
  }
  const auto comma = text.find(',');
  double lo = 0, hi = 0;
  auto parse = [&](std::string_view item, double& v) {
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    return !item.empty() && ec == std::errc() && ptr == item.data() + item.size() &&
           std::isfinite(v);
  };
  if (comma == std::string_view::npos || !parse(text.substr(0, comma), lo) ||
      !parse(text.substr(comma + 1), hi) || !(lo < hi))
    throw std::invalid_argument(fmt::format(
        "--image-range {}: expected LO,HI with LO < HI (e.g. 0,1 or -1,1) or auto", text));
  // p = 0 -> lo, p = 255 -> hi:  (p - mean) / std with std = 255 / (hi - lo), mean = -lo * std.
  const double std_value = 255.0 / (hi - lo);
  options.std = {std_value};
  options.mean = {-lo * std_value};
}

ImageGeometry image_geometry(const TensorBuffer& t, const std::string& source) {
  const std::string name = t.ir ? t.ir->name : "";
  if (t.rank() == 4 && t.shape[0] != 1)
    fail(source, fmt::format("input '{}' has batch {} (shape {}); an image fills batch 1", name,
                             t.shape[0], shape_string(t.shape)));
  if (t.rank() != 4 && t.rank() != 3)
    fail(source, fmt::format("input '{}' has shape {}; images need NHWC (rank 4) or HWC", name,
                             shape_string(t.shape)));
  const ImageGeometry g{t.dim(-3), t.dim(-2), t.dim(-1)};
  if (g.channels != 1 && g.channels != 3)
    fail(source, fmt::format("input '{}' has {} channels (shape {}); images fill NHWC inputs with "
                             "1 or 3 channels",
                             name, g.channels, shape_string(t.shape)));
  if (g.height <= 0 || g.width <= 0)
    fail(source, fmt::format("input '{}' has an empty shape {}", name, shape_string(t.shape)));
  return g;
}

std::vector<float> image_pixels(const Image& image, int64_t height, int64_t width, int64_t channels,
                                ImageResize resize, const std::string& source) {
  if (image.pixels.size() != size_t(image.width * image.height * image.channels))
    fail(source, "decoded image has an inconsistent size");
  if (resize == ImageResize::None && (image.height != height || image.width != width))
    fail(source, fmt::format("image is {}x{} (width x height), the input takes {}x{}; use "
                             "--image-resize bilinear or nearest",
                             image.width, image.height, width, height));
  // Channel conversion first, at the image's own size.
  const int64_t n = image.width * image.height;
  std::vector<float> src(size_t(n * channels));
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = image.pixels.data() + i * image.channels;
    for (int64_t c = 0; c < channels; ++c) {
      float v;
      if (image.channels == channels)
        v = p[c];
      else if (image.channels == 1)
        v = p[0];
      else
        v = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
      src[size_t(i * channels + c)] = v;
    }
  }
  if (image.height == height && image.width == width) return src;

  std::vector<float> out(size_t(height * width * channels));
  const double sy = double(image.height) / double(height);
  const double sx = double(image.width) / double(width);
  auto at = [&](int64_t y, int64_t x, int64_t c) {
    return src[size_t((y * image.width + x) * channels + c)];
  };
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x) {
      float* o = out.data() + (y * width + x) * channels;
      if (resize == ImageResize::Nearest) {
        const int64_t iy = std::min(int64_t((double(y) + 0.5) * sy), image.height - 1);
        const int64_t ix = std::min(int64_t((double(x) + 0.5) * sx), image.width - 1);
        for (int64_t c = 0; c < channels; ++c) o[c] = at(iy, ix, c);
        continue;
      }
      const double fy = std::clamp((double(y) + 0.5) * sy - 0.5, 0.0, double(image.height - 1));
      const double fx = std::clamp((double(x) + 0.5) * sx - 0.5, 0.0, double(image.width - 1));
      const int64_t y0 = int64_t(fy), x0 = int64_t(fx);
      const int64_t y1 = std::min(y0 + 1, image.height - 1), x1 = std::min(x0 + 1, image.width - 1);
      const double wy = fy - double(y0), wx = fx - double(x0);
      for (int64_t c = 0; c < channels; ++c) {
        const double top = at(y0, x0, c) * (1 - wx) + at(y0, x1, c) * wx;
        const double bottom = at(y1, x0, c) * (1 - wx) + at(y1, x1, c) * wx;
        o[c] = static_cast<float>(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

void load_image_into(TensorBuffer& t, const Image& image, const ImageOptions& options,
                     const std::string& source) {
  const std::string name = t.ir ? t.ir->name : "";
  const auto g = image_geometry(t, source);
  const auto pixels = image_pixels(image, g.height, g.width, g.channels, options.resize, source);
  const auto& q = t.quant();
  const bool quantized =
      q.scales.size() == 1 &&
      (t.dtype == DType::Int8 || t.dtype == DType::UInt8 || t.dtype == DType::Int16);
  const bool raw_bytes = !quantized && t.dtype == DType::UInt8;
  if (!quantized && !raw_bytes && t.dtype != DType::Float32 && t.dtype != DType::Float16)
    fail(source, fmt::format("input '{}' is {}; images go into float, float16, uint8 or 8/16-bit "
                             "quantized inputs",
                             name, dtype_name(t.dtype)));
  if (q.scales.size() > 1)
    fail(source, fmt::format("input '{}' is quantized per channel; images need one scale", name));
  if (t.bytes < t.byte_size()) fail(source, fmt::format("input '{}' has no buffer", name));

  double qmin = 0, qmax = 0;
  if (t.dtype == DType::Int8) qmin = -128, qmax = 127;
  if (t.dtype == DType::UInt8) qmin = 0, qmax = 255;
  if (t.dtype == DType::Int16) qmin = -32768, qmax = 32767;
  const double scale = quantized ? double(q.scales[0]) : 1.0;
  const double zp = quantized && !q.zero_points.empty() ? double(q.zero_points[0]) : 0.0;
  // Per-channel mean/std; "auto" for quantized inputs maps [0, 255] onto [qmin, qmax] in real
  // units.
  std::vector<double> mean(size_t(g.channels)), stdev(size_t(g.channels));
  for (size_t c = 0; c < mean.size(); ++c) {
    if (options.mean.empty() && options.std.empty()) {
      if (quantized) {
        const double lo = (qmin - zp) * scale, hi = (qmax - zp) * scale;
        stdev[c] = 255.0 / (hi - lo);
        mean[c] = -lo * stdev[c];
      } else {
        mean[c] = 0.0;
        stdev[c] = raw_bytes ? 1.0 : 255.0;
      }
      continue;
    }
    auto pick = [&](const std::vector<double>& v, double fallback) {
      if (v.empty()) return fallback;
      if (v.size() != 1 && v.size() != mean.size())
        fail(source,
             fmt::format("{} values given for an input with {} channels", v.size(), mean.size()));
      return v.size() == 1 ? v[0] : v[c];
    };
    mean[c] = pick(options.mean, 0.0);
    stdev[c] = pick(options.std, 1.0);
    if (stdev[c] == 0.0) fail(source, "--image-std 0 divides by zero");
  }

  auto out = t.mutable_raw();
  for (size_t i = 0; i < pixels.size(); ++i) {
    const size_t c = i % size_t(g.channels);
    const double value = (double(pixels[i]) - mean[c]) / stdev[c];
    switch (t.dtype) {
      case DType::Float32: {
        const float f = static_cast<float>(value);
        std::memcpy(out.data() + 4 * i, &f, 4);
        break;
      }
      case DType::Float16: {
        const uint16_t h = float_to_half(static_cast<float>(value));
        std::memcpy(out.data() + 2 * i, &h, 2);
        break;
      }
      default: {
        // reference_ops::AffineQuantize: round half away from zero, add the zero point, clamp.
        const double code = std::clamp(std::round(value / scale) + zp, qmin, qmax);
        if (t.dtype == DType::Int16) {
          const auto v = static_cast<int16_t>(code);
          std::memcpy(out.data() + 2 * i, &v, 2);
        } else if (t.dtype == DType::Int8) {
          out[i] = std::byte(static_cast<uint8_t>(static_cast<int8_t>(code)));
        } else {
          out[i] = std::byte(static_cast<uint8_t>(code));
        }
      }
    }
  }
}

}  // namespace edgelens::runtime
