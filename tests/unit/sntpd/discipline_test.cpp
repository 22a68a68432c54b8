// Stepping only at start and only above the threshold; slewing after, each sample once; replies corrected
// when not allowed. Time injected: `now` and the samples' times are monotonic seconds.
#include "sntpd/discipline.hpp"

#include <gtest/gtest.h>

namespace pb::ntp {
namespace {

// A sample of `offset` seconds received at monotonic time `time`.
Sample at(double time, double offset) { return Sample{.offset = offset, .delay = 0.001, .time = time, .stratum = 2}; }

TEST(Discipline, OffCorrectsReplies) {
  Discipline d(false, 1.0);
  EXPECT_EQ(d.next(at(1, 5.0), 1), Adjustment::correct_replies);
  EXPECT_EQ(d.next(at(2, 0.001), 2), Adjustment::correct_replies);
  EXPECT_EQ(d.next(at(2, 0.001), 3), Adjustment::correct_replies) << "correcting replies again changes nothing";
}

TEST(Discipline, FirstLargeOffsetStepsThenOnlySlews) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(at(1, -3.0), 1), Adjustment::step);
  EXPECT_EQ(d.next(at(2, -3.0), 2), Adjustment::slew);  // never a second step in the same run
  EXPECT_EQ(d.next(at(3, 0.01), 3), Adjustment::slew);
}

TEST(Discipline, FirstSmallOffsetSlews) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(at(1, 0.5), 1), Adjustment::slew);
  EXPECT_EQ(d.next(at(2, 2.0), 2), Adjustment::slew);  // the start is over
}

TEST(Discipline, ReloadNeverBringsBackTheStep) {
  Discipline d(false, 1.0);
  EXPECT_EQ(d.next(at(1, 5.0), 1), Adjustment::correct_replies);  // not started: discipline was off
  d.configure(true, 0.128);
  EXPECT_EQ(d.next(at(2, 0.2), 2), Adjustment::step);  // the first disciplined sample of the process
  d.configure(true, 0.128);
  EXPECT_EQ(d.next(at(3, 0.2), 3), Adjustment::slew);
}

TEST(Discipline, KernelRefusalFallsBackToCorrectingReplies) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(at(1, 2.0), 1), Adjustment::step);
  d.failed();
  EXPECT_FALSE(d.active());
  EXPECT_EQ(d.next(at(1, 2.0), 2), Adjustment::correct_replies);
}

// The service asks after every accepted sample of any upstream: a reply from another upstream (or one becoming
// unreachable) must not slew the selected upstream's offset a second time, since a single-shot slew replaces
// the one in progress with the whole amount and the clock would overshoot.
TEST(Discipline, SelectedSampleIsSlewedOnceWhateverElseArrives) {
  Discipline d(true, 1.0);
  const Sample selected = at(100.0, 0.200);
  EXPECT_EQ(d.next(selected, 100.001), Adjustment::slew);
  EXPECT_DOUBLE_EQ(d.last_offset(), 0.200);
  EXPECT_EQ(d.next(selected, 100.5), Adjustment::none) << "another upstream replied: nothing new to apply";
  EXPECT_EQ(d.next(selected, 130.0), Adjustment::none) << "an upstream became unreachable";
  EXPECT_DOUBLE_EQ(d.last_offset(), 0.200);
  EXPECT_EQ(d.next(at(164.0, 0.003), 164.0), Adjustment::slew) << "the selected upstream's next sample";
  EXPECT_DOUBLE_EQ(d.last_offset(), 0.003);
}

TEST(Discipline, SampleTakenBeforeTheLastAdjustmentIsNotApplied) {
  Discipline d(true, 1.0);
  const Sample other = at(90.0, 0.200);  // another upstream's, measured before the slew below began
  EXPECT_EQ(d.next(at(100.0, 0.200), 100.0), Adjustment::slew);
  EXPECT_EQ(d.next(other, 110.0), Adjustment::none) << "newly selected, but its offset is already being slewed out";
  EXPECT_EQ(d.next(at(111.0, 0.150), 111.0), Adjustment::slew) << "its first sample after the slew began";
}

TEST(Discipline, NoSampleFromBeforeAStep) {
  Discipline d(true, 1.0);
  EXPECT_EQ(d.next(at(10.0, 5.0), 10.0), Adjustment::step);
  EXPECT_EQ(d.next(at(9.5, 5.0), 10.5), Adjustment::none) << "another upstream's sample from before the step";
  EXPECT_EQ(d.next(at(12.0, 0.001), 12.0), Adjustment::slew);
}

// sntpd_offset_seconds: the correction while replies are corrected; while disciplining the correction is 0,
// so the offset last applied to the clock.
TEST(Discipline, MeasuredOffsetIsExportedInBothModes) {
  Discipline d(true, 1.0);
  EXPECT_DOUBLE_EQ(d.measured_offset(0), 0) << "nothing measured yet";
  EXPECT_EQ(d.next(at(10, 0.25), 10), Adjustment::slew);
  EXPECT_DOUBLE_EQ(d.measured_offset(0), 0.25);
  EXPECT_EQ(d.next(at(10, 0.25), 11), Adjustment::none);
  EXPECT_DOUBLE_EQ(d.measured_offset(0), 0.25) << "still the last measurement";
  d.failed();  // the kernel refused: replies carry the correction again
  EXPECT_DOUBLE_EQ(d.measured_offset(0.24), 0.24);
  Discipline off(false, 1.0);
  EXPECT_EQ(off.next(at(10, 0.25), 10), Adjustment::correct_replies);
  EXPECT_DOUBLE_EQ(off.measured_offset(0.23), 0.23);
}

}  // namespace
}  // namespace pb::ntp
