// Stepping only at start and only above the threshold; slewing after; replies corrected when not allowed.
#include "sntpd/discipline.hpp"

#include <gtest/gtest.h>

namespace pb::ntp {
namespace {

TEST(Discipline, OffCorrectsReplies) {
  Discipline d(false, 1.0);
  EXPECT_EQ(d.next(5.0), Adjustment::correct_replies);
  EXPECT_EQ(d.next(0.001), Adjustment::correct_replies);
}

TEST(Discipline, FirstLargeOffsetStepsThenOnlySlews) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(-3.0), Adjustment::step);
  EXPECT_EQ(d.next(-3.0), Adjustment::slew);  // never a second step in the same run
  EXPECT_EQ(d.next(0.01), Adjustment::slew);
}

TEST(Discipline, FirstSmallOffsetSlews) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(0.5), Adjustment::slew);
  EXPECT_EQ(d.next(2.0), Adjustment::slew);  // the start is over
}

TEST(Discipline, ReloadNeverBringsBackTheStep) {
  Discipline d(false, 1.0);
  EXPECT_EQ(d.next(5.0), Adjustment::correct_replies);  // not started: discipline was off
  d.configure(true, 0.128);
  EXPECT_EQ(d.next(0.2), Adjustment::step);  // the first disciplined sample of the process
  d.configure(true, 0.128);
  EXPECT_EQ(d.next(0.2), Adjustment::slew);
}

TEST(Discipline, KernelRefusalFallsBackToCorrectingReplies) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(2.0), Adjustment::step);
  d.failed();
  EXPECT_FALSE(d.active());
  EXPECT_EQ(d.next(2.0), Adjustment::correct_replies);
}

}  // namespace
}  // namespace pb::ntp
