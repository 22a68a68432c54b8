#include "dnsd/stats.hpp"

#include "dnsd/zone.hpp"

namespace pb::dns {
namespace {

constexpr std::uint16_t kTypeOrder[] = {type::A,   type::AAAA,  type::SRV, type::PTR, type::NS,
                                        type::SOA, type::CNAME, type::MX,  type::TXT, type::NAPTR,
                                        type::ANY, type::AXFR,  type::IXFR};
const char* const kRcodeNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                   "NOTIMP",  "REFUSED", "BADVERS",  "other"};

}  // namespace

Stats::Stats(metrics::Registry& r) : registry_(r) {
  for (std::size_t i = 0; i < kTypes; ++i) {
    const std::string name = i < std::size(kTypeOrder) ? type_name(kTypeOrder[i]) : "other";
    queries_[i] = &r.counter("dnsd_queries_total", "queries answered, by question type", {{"type", name}});
  }
  for (std::size_t i = 0; i < kRcodes; ++i)
    responses_[i] = &r.counter("dnsd_responses_total", "answers sent, by RCODE", {{"rcode", kRcodeNames[i]}});
  for (std::size_t i = 1; i < drops_.size(); ++i)
    drops_[i] = &r.counter("dnsd_drops_total", "queries dropped or refused as malformed, by reason",
                           {{"reason", drop_name(static_cast<Drop>(i))}});
  drops_[0] = drops_[1];  // Drop::none is never counted; keep the slot valid
  truncated_ = &r.counter("dnsd_truncated_total", "UDP answers sent with TC=1");
  forwarded_ =
      &r.counter("dnsd_forwarded_total",
                 "queries forwarded to the upstream resolvers (answers counted by type and RCODE as they come)");
  latency_ = &r.histogram("dnsd_answer_latency_seconds", "kernel receive to send, UDP", metrics::latency_buckets());
  tcp_connections_ = &r.gauge("dnsd_tcp_connections", "open TCP connections");
  transfers_ = &r.counter("dnsd_transfers_total", "zone transfers served");
  transfers_refused_ = &r.counter("dnsd_transfers_refused_total", "zone transfers refused (not a secondary)");
}

std::size_t Stats::type_index(std::uint16_t t) noexcept {
  for (std::size_t i = 0; i < std::size(kTypeOrder); ++i)
    if (kTypeOrder[i] == t) return i;
  return kTypes - 1;
}

}  // namespace pb::dns
