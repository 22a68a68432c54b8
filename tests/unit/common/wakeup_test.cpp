#include "common/wakeup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace pb::uv {
namespace {

// Notifications from another thread wake the loop; several before a drain coalesce into fewer callbacks,
// but none is lost: the last notify always produces a callback after it.
TEST(Wakeup, WakesTheLoopFromAnotherThread) {
  Loop loop;
  std::atomic<int> sent{0};
  int seen_at_last_wake = 0;
  int wakes = 0;
  Wakeup wakeup(loop.get(), [&] {
    ++wakes;
    seen_at_last_wake = sent.load();
  });
  std::thread sender([&] {
    for (int i = 0; i < 1000; ++i) {
      sent.fetch_add(1);
      wakeup.notify();
    }
  });
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (seen_at_last_wake < 1000 && std::chrono::steady_clock::now() < end) uv_run(loop.get(), UV_RUN_ONCE);
  sender.join();
  EXPECT_EQ(seen_at_last_wake, 1000);
  EXPECT_GE(wakes, 1);
  EXPECT_LE(wakes, 1000);
}

TEST(Wakeup, NoCallbackWithoutNotify) {
  Loop loop;
  int wakes = 0;
  Wakeup wakeup(loop.get(), [&] { ++wakes; });
  uv_run(loop.get(), UV_RUN_NOWAIT);
  EXPECT_EQ(wakes, 0);
  wakeup.notify();
  uv_run(loop.get(), UV_RUN_NOWAIT);
  EXPECT_EQ(wakes, 1);
}

}  // namespace
}  // namespace pb::uv
