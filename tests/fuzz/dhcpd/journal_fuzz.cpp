// Fuzz target: the lease journal reader (what dhcpd replays on start and what dnsd/provisiond follow).
// Every record it yields must re-encode to a record that reads back equal.
#include <cstdint>
#include <cstdlib>

#include "common/lease_journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pb::lease_journal;
  Reader reader({data, size});
  Record rec;
  Reader::Status st;
  std::size_t n = 0;
  while ((st = reader.next(rec)) == Reader::Status::record) {
    std::vector<std::uint8_t> again;
    encode(rec, again);
    Reader back(again);
    Record rec2;
    if (back.next(rec2) != Reader::Status::record || !(rec2 == rec)) std::abort();
    if (++n > size) std::abort();  // progress: never more records than bytes
  }
  if (reader.good_end() > size) std::abort();
  (void)decode_header(FileKind::journal, {data, size});
  return 0;
}
