// Packed text: deflated, read back exactly, and never confused with other values.
#include "reconcilers/spec/packed_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace rg {
namespace {

using nlohmann::json;

std::string statusLikeText(int checks) {
  json status = {{"phase", "Passing"}, {"observedGeneration", 3}, {"checks", json::array()}};
  for (int i = 0; i < checks; ++i)
    status["checks"].push_back({{"name", "check-" + std::to_string(i)},
                                {"result", "Pass"},
                                {"message", "every container sets requests and limits"},
                                {"lastTransitionTime", "2026-12-08T01:00:00Z"}});
  return status.dump();
}

TEST(PackedText, ReadsBackExactlyWhatWasPacked) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  std::string large;
  for (int i = 0; i < 20000; ++i) large += std::to_string(i * 7919 % 10007) + ",";
  for (const std::string& text : {std::string(), std::string("x"), statusLikeText(6), bytes, large,
                                  std::string(300000, 'a')}) {
    const json packed = packText(text);
    ASSERT_TRUE(isPackedText(packed));
    EXPECT_EQ(unpackText(packed), text) << text.size() << " bytes";
  }
}

TEST(PackedText, AStatusTakesAFractionOfItsText) {
  const std::string text = statusLikeText(6);
  const auto packed = packText(text).get_binary().size();
  EXPECT_LT(packed * 3, text.size()) << packed << " of " << text.size() << " bytes";
}

TEST(PackedText, OtherValuesAreNotPackedText) {
  for (const json& value : {json("text"), json::object(), json(), json(3), json::binary({1, 2, 3}),
                            json::binary({1, 2, 3}, 1)}) {
    EXPECT_FALSE(isPackedText(value)) << value.dump();
    EXPECT_FALSE(unpackText(value).has_value()) << value.dump();
  }
}

TEST(PackedText, DamagedBytesReadAsNothingNotAsPartOfTheText) {
  json packed = packText(statusLikeText(6));
  auto& bytes = packed.get_binary();
  json truncated = packed;
  truncated.get_binary().resize(bytes.size() / 2);
  EXPECT_FALSE(unpackText(truncated).has_value());
  json garbage = packed;
  for (auto& byte : garbage.get_binary()) byte = 0xff;
  EXPECT_FALSE(unpackText(garbage).has_value());
}

TEST(PackedText, ThreadsPackAndReadAtOnce) {
  // Each thread has its own stream state.
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &mismatches] {
      for (int i = 0; i < 200; ++i) {
        const std::string text = statusLikeText(1 + (i + t) % 9);
        if (unpackText(packText(text)) != text) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace rg
