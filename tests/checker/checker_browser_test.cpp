// The HTML explanation in a real browser: headless Chromium renders the page for
// Porcupine's c10-bad, and the screenshot shows the operation that could not be placed
// (the only pixels in its red outline colour) where that operation's bar is drawn.
// Built only where Chromium and zlib are installed (scripts/install-deps --with-browser).
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <checker/checker.hpp>
#include <checker/history_io.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
#include "faultline_testdata.hpp"

namespace ck = faultline::checker;
namespace fs = std::filesystem;

namespace {

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // 3 bytes per pixel, rows top to bottom
  bool has(std::uint32_t x, std::uint32_t y, std::uint8_t r, std::uint8_t g, std::uint8_t b) const {
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
    return rgb[i] == r && rgb[i + 1] == g && rgb[i + 2] == b;
  }
};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

// Decodes the 8-bit RGB or RGBA non-interlaced PNG that Chromium writes; "" on success.
std::string decode_png(const std::string& path, Image& out) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> d((std::istreambuf_iterator<char>(in)), {});
  if (d.size() < 33 || d[1] != 'P' || d[2] != 'N' || d[3] != 'G') return "not a PNG";
  std::vector<std::uint8_t> compressed;
  unsigned channels = 0;
  for (std::size_t pos = 8; pos + 12 <= d.size();) {
    const std::uint32_t len = be32(&d[pos]);
    if (pos + 12 + len > d.size()) return "truncated chunk";
    const std::string type(d.begin() + static_cast<std::ptrdiff_t>(pos) + 4,
                           d.begin() + static_cast<std::ptrdiff_t>(pos) + 8);
    const std::uint8_t* body = &d[pos + 8];
    if (type == "IHDR") {
      out.width = be32(body);
      out.height = be32(body + 4);
      if (body[8] != 8 || body[12] != 0) return "not 8-bit non-interlaced";
      channels = body[9] == 6 ? 4 : body[9] == 2 ? 3 : 0;
      if (channels == 0) return "not RGB or RGBA";
    } else if (type == "IDAT") {
      compressed.insert(compressed.end(), body, body + len);
    }
    pos += 12 + len;
  }
  const std::size_t stride = std::size_t{out.width} * channels;
  std::vector<std::uint8_t> raw((stride + 1) * out.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, compressed.data(), compressed.size()) != Z_OK ||
      raw_len != raw.size()) {
    return "bad image data";
  }
  std::vector<std::uint8_t> prev(stride, 0), line(stride);
  out.rgb.resize(std::size_t{out.width} * out.height * 3);
  for (std::uint32_t y = 0; y < out.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* src = &raw[y * (stride + 1) + 1];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= channels ? line[x - channels] : 0;
      const int b = prev[x];
      const int c = x >= channels ? prev[x - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          return "bad filter";
      }
      line[x] = static_cast<std::uint8_t>(src[x] + predictor);
    }
    for (std::uint32_t x = 0; x < out.width; ++x) {
      for (unsigned k = 0; k < 3; ++k) {
        out.rgb[(std::size_t{y} * out.width + x) * 3 + k] = line[std::size_t{x} * channels + k];
      }
    }
    prev.swap(line);
  }
  return "";
}

}  // namespace

TEST_CASE("browser: Chromium renders the explanation with the failing operation outlined") {
  auto file = ck::read_history_file(faultline::testing::testdata_path("porcupine-kv/c10-bad.txt"));
  REQUIRE(file.ok());
  auto model = ck::make_model("kv", file->default_init, file->model_options);
  REQUIRE(model.ok());
  auto result = ck::check(file->history, **model, {});
  REQUIRE(result.ok());
  REQUIRE(result->verdict == ck::Verdict::not_linearizable);
  const std::string html = ck::explain_html(file->history, **model, *result, "c10-bad");

  const fs::path dir =
      fs::temp_directory_path() / ("faultline-browser-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path page = dir / "c10-bad.html";
  const fs::path shot = dir / "c10-bad.png";
  std::ofstream(page) << html;
  const std::string command = std::string("'") + FAULTLINE_CHROMIUM +
                              "' --headless --no-sandbox --disable-gpu --hide-scrollbars "
                              "--window-size=1400,700 --screenshot='" +
                              shot.string() + "' 'file://" + page.string() + "' >/dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  Image image;
  const std::string problem = decode_png(shot.string(), image);
  REQUIRE_MESSAGE(problem.empty(), problem);
  fs::remove_all(dir);

  // The stuck operation's outline (#cc0000) is used by nothing else on the page; the
  // page's other colours prove the rest rendered: ok bars (#cfe0f7) and the legend's
  // "could not be placed" swatch (#f7b3b3).
  std::uint32_t red = 0, ok_bars = 0, swatch = 0, min_y = image.height, max_y = 0;
  for (std::uint32_t y = 0; y < image.height; ++y) {
    for (std::uint32_t x = 0; x < image.width; ++x) {
      if (image.has(x, y, 0xcc, 0x00, 0x00)) {
        ++red;
        min_y = std::min(min_y, y);
        max_y = std::max(max_y, y);
      }
      if (image.has(x, y, 0xcf, 0xe0, 0xf7)) ++ok_bars;
      if (image.has(x, y, 0xf7, 0xb3, 0xb3)) ++swatch;
    }
  }
  CHECK(ok_bars > 1000);
  CHECK(swatch > 1000);
  CHECK(red > 40);  // one bar's outline, 2 px wide
  // One bar: its outline spans about one row of the timeline (36 px per process row).
  CHECK(max_y - min_y < 36);
}
