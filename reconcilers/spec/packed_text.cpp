#include "reconcilers/spec/packed_text.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace rg {
namespace {

// Marks our binary values; nothing else in a cached object is binary.
constexpr std::uint8_t kSubtype = 0x70;
// A 2 KiB window and the fastest level: a status is 1 to 3 KiB, and most of what repeats in it
// (field names, times, messages) lies within a few hundred bytes. The window and memory level
// keep the stream's state at a few KiB, kept per thread and reset for each text instead of
// allocated again (zlib's defaults take 256 KiB).
constexpr int kLevel = 1;
constexpr int kWindowBits = 11;
constexpr int kMemLevel = 3;
// Packed text is ours, but a value that inflates past this is refused rather than followed.
constexpr std::size_t kMaxText = 64u << 20;

struct Deflater {
  z_stream stream{};
  bool ready = false;
  Deflater() {
    ready = deflateInit2(&stream, kLevel, Z_DEFLATED, -kWindowBits, kMemLevel,
                         Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ready) deflateEnd(&stream);
  }
};

struct Inflater {
  z_stream stream{};
  bool ready = false;
  Inflater() { ready = inflateInit2(&stream, -kWindowBits) == Z_OK; }
  ~Inflater() {
    if (ready) inflateEnd(&stream);
  }
};

}  // namespace

nlohmann::json packText(std::string_view text) {
  thread_local Deflater deflater;
  if (!deflater.ready) throw std::bad_alloc();
  z_stream& z = deflater.stream;
  deflateReset(&z);
  std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(text.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for the whole stream: one call finishes it.
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  out.resize(z.total_out);
  out.shrink_to_fit();
  return nlohmann::json::binary(std::move(out), kSubtype);
}

bool isPackedText(const nlohmann::json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kSubtype;
}

std::optional<std::string> unpackText(const nlohmann::json& value) {
  if (!isPackedText(value)) return std::nullopt;
  thread_local Inflater inflater;
  if (!inflater.ready) throw std::bad_alloc();
  z_stream& z = inflater.stream;
  inflateReset(&z);
  const auto& packed = value.get_binary();
  z.next_in = const_cast<Bytef*>(packed.data());
  z.avail_in = static_cast<uInt>(packed.size());
  std::string text;
  for (;;) {
    const std::size_t done = text.size();
    text.resize(done == 0 ? std::max<std::size_t>(256, packed.size() * 4) : done * 2);
    z.next_out = reinterpret_cast<Bytef*>(text.data() + done);
    z.avail_out = static_cast<uInt>(text.size() - done);
    const int result = inflate(&z, Z_NO_FLUSH);
    text.resize(text.size() - z.avail_out);
    if (result == Z_STREAM_END) return text;
    if (result != Z_OK || text.size() >= kMaxText) return std::nullopt;
  }
}

}  // namespace rg
