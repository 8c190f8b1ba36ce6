// Image files as model inputs: PNG (libpng), JPEG (libjpeg-turbo) and uncompressed BMP (read here,
// bounds-checked) decoded to 8-bit gray or RGB, then resized and normalised into an NHWC tensor.
//
// Normalisation works on pixel values p in [0, 255]:  value = (p - mean[c]) / std[c].
// --image-range LO,HI is the same thing said differently (p = 0 -> LO, p = 255 -> HI). The default
// ("auto") is 0,1 for float inputs and, for quantized inputs, the tensor's whole quantized range
// (p = 0 -> the lowest code, 255 -> the highest), which is what quantized image models take: for an
// int8 input with scale 1/127.5 and zero point -1 that is q = p - 128, TFLM's person-detection
// rule. Quantized inputs get value quantized with their scale and zero point (round half away from
// zero, clamp). A uint8/int8 input without quantization receives the (resized) pixels as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime {

// A decoded image: row-major height x width x channels bytes; channels 1 (gray) or 3 (RGB).
// Alpha is dropped (not composited); palette images whose colours are all gray decode to 1 channel.
struct Image {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

enum class ImageFormat { Unknown, Png, Jpeg, Bmp };
// By the file's first bytes (magic numbers), not its name.
ImageFormat detect_image_format(std::span<const std::byte> head);
// True for a path ending in .png/.jpg/.jpeg/.bmp (any case): how --input tells images from .npy.
bool has_image_extension(const std::filesystem::path& path);

// Throws std::invalid_argument "SOURCE: why" for unreadable, truncated or unsupported files.
Image decode_image(const std::filesystem::path& path);
Image decode_image_bytes(std::span<const std::byte> bytes, const std::string& source);

enum class ImageResize {
  Bilinear,  // half-pixel centres (OpenCV INTER_LINEAR / TF half_pixel_centers), no antialiasing
  Nearest,   // source pixel floor((dst + 0.5) * in / out)
  None,      // the image must already have the input's height and width
};

struct ImageOptions {
  ImageResize resize = ImageResize::Bilinear;
  // Per channel (one value = every channel). Empty = "auto" (see the file comment).
  std::vector<double> mean, std;
};
ImageResize parse_image_resize(std::string_view text);  // bilinear|nearest|none
// "LO,HI" -> options.mean/std; "auto" clears them. Throws std::invalid_argument.
void set_image_range(ImageOptions& options, std::string_view text);
// "V" or "V1,V2,V3" -> one value per channel. Throws std::invalid_argument.
std::vector<double> parse_channel_values(std::string_view text, std::string_view what);

// The input's image geometry: rank 4 NHWC with N = 1, or rank 3 HWC; C must be 1 or 3.
struct ImageGeometry {
  int64_t height = 0, width = 0, channels = 0;
};
// Throws std::invalid_argument naming the input when it cannot hold an image.
ImageGeometry image_geometry(const TensorBuffer& tensor, const std::string& source);

// The image resized to height x width with `channels` channels (gray -> RGB repeats the value, RGB
// -> gray is BT.601 luma 0.299 R + 0.587 G + 0.114 B), as float pixel values in [0, 255].
std::vector<float> image_pixels(const Image& image, int64_t height, int64_t width, int64_t channels,
                                ImageResize resize, const std::string& source);

// Writes the image into the tensor (dtype float32, float16, or int8/uint8/int16 quantized or raw).
// Throws std::invalid_argument "SOURCE: why" naming expected and got on any mismatch.
void load_image_into(TensorBuffer& tensor, const Image& image, const ImageOptions& options,
                     const std::string& source);

}  // namespace edgelens::runtime
