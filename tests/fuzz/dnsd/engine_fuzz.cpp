// Fuzz target: the whole engine. Query in, answer out, and the answer re-parsed: it must be a well-formed DNS
// message, carry the query's ID, fit the transport's limit, and never be larger than 512 bytes for a client
// without EDNS over UDP.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/config/model.hpp"
#include "dnsd/engine.hpp"
#include "dnsd/message.hpp"
#include "dnsd/site_zone.hpp"

namespace {

std::shared_ptr<const pb::dns::Tables> tables() {
  static const auto t = [] {
    auto r = pb::config::load_text(R"([site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "eth0"
[[site.call_server]]
name = "vm40ic1"
address = "10.250.1.151"
[[site.call_server]]
name = "vm40ic2"
address = "10.250.1.152"
[[dnsd.record]]
name = "media"
type = "CNAME"
data = "vm40ic1"
[[dnsd.record]]
name = "*.phones"
type = "TXT"
data = "\"wild\""
[[dnsd.record]]
name = "branch"
type = "NS"
data = "ns.branch"
[[dnsd.record]]
name = "ns.branch"
type = "A"
data = "10.250.9.1"
[[dnsd.record]]
name = "mail"
type = "MX"
data = "10 vm40ic2"
)");
    if (!r.model) std::abort();
    auto b = pb::dns::build_zones(*r.model, 1);
    if (!b.errors.empty()) std::abort();
    return pb::dns::compile(b.zones, {});
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::vector<std::uint8_t> out(65535);
  for (bool tcp : {false, true}) {
    const pb::dns::Transport tr{.tcp = tcp, .may_forward = !tcp};
    const auto a = pb::dns::answer(*tables(), {data, size}, out, tr);  // rotors advance across inputs
    if (a.outcome != pb::dns::Outcome::reply) continue;
    if (a.size < 12 || a.size > out.size()) std::abort();
    if (!tcp && a.size > 4096) std::abort();
    const auto m = pb::dns::parse_message({out.data(), a.size});
    if (!m) std::abort();
    if (m->id != (data[0] << 8 | data[1])) std::abort();
    if (!tcp && !m->has_opt && a.size > 512) std::abort();
  }
  return 0;
}
