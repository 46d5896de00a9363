#pragma once
// Reading the PNG screenshots headless Chromium writes (8-bit RGB or RGBA, not
// interlaced), with zlib: enough to count the colours a page drew.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace faultline::viz::testing {

struct Png {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint32_t> pixels;  // 0xRRGGBB, rows top to bottom
};

inline std::uint32_t big_endian32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

// PNG's filter predictors (type 4 is Paeth's): each byte is stored as its difference from
// a prediction made of its left (a), upper (b) and upper-left (c) neighbours.
inline int png_predict(int filter, int a, int b, int c) {
  switch (filter) {
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) / 2;
    case 4: {
      const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      return 0;
  }
}

// "" on success, else what is wrong with the file.
inline std::string read_png(const std::string& path, Png& out) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), {});
  if (file.size() < 33 || file[1] != 'P' || file[2] != 'N' || file[3] != 'G') return "not a PNG";
  std::vector<std::uint8_t> packed;
  std::size_t channels = 0;
  for (std::size_t at = 8; at + 12 <= file.size();) {
    const std::uint32_t length = big_endian32(&file[at]);
    if (at + 12 + length > file.size()) return "a chunk runs past the end";
    const std::string type(file.begin() + static_cast<std::ptrdiff_t>(at + 4),
                           file.begin() + static_cast<std::ptrdiff_t>(at + 8));
    const std::uint8_t* data = &file[at + 8];
    if (type == "IHDR") {
      out.width = big_endian32(data);
      out.height = big_endian32(data + 4);
      if (data[8] != 8 || data[12] != 0) return "not 8 bits per channel, or interlaced";
      channels = data[9] == 2 ? 3 : data[9] == 6 ? 4 : 0;
      if (channels == 0) return "neither RGB nor RGBA";
    } else if (type == "IDAT") {
      packed.insert(packed.end(), data, data + length);
    }
    at += 12 + length;
  }
  const std::size_t stride = out.width * channels;
  std::vector<std::uint8_t> raw((stride + 1) * out.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, packed.data(), packed.size()) != Z_OK ||
      raw_size != raw.size()) {
    return "the image data does not inflate to its size";
  }
  std::vector<std::uint8_t> above(stride, 0), row(stride, 0);
  out.pixels.assign(std::size_t{out.width} * out.height, 0);
  for (std::size_t y = 0; y < out.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    if (filter > 4) return "an unknown row filter";
    const std::uint8_t* stored = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= channels ? row[i - channels] : 0;
      const int c = i >= channels ? above[i - channels] : 0;
      row[i] = static_cast<std::uint8_t>(stored[i] + png_predict(filter, a, above[i], c));
    }
    for (std::size_t x = 0; x < out.width; ++x) {
      const std::uint8_t* p = &row[x * channels];
      out.pixels[y * out.width + x] =
          (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    }
    above.swap(row);
  }
  return "";
}

}  // namespace faultline::viz::testing
