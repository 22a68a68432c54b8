// Fuzz target: every option decoder the responder uses (50, 54, 55, 57, 60, 61, 77, 82, 12 ...), through the
// whole protocol core: parse, answer, encode the reply. The lease table persists across inputs.
#include <cstdint>
#include <cstdlib>

#include "common/config/model.hpp"
#include "dhcpd/responder.hpp"

namespace {

struct World {
  World() {
    auto r = pb::config::load_text(R"([site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "eth0"
[dhcpd]
lease_time = 600
[[dhcpd.subnet]]
prefix = "10.250.0.0/24"
[[dhcpd.subnet.pool]]
start = "10.250.0.10"
end = "10.250.0.40"
[[dhcpd.subnet]]
prefix = "10.20.0.0/24"
[[dhcpd.subnet.pool]]
start = "10.20.0.10"
end = "10.20.0.12"
)");
    if (!r.model) std::abort();
    settings = pb::dhcp::Settings::build(*r.model);
    responder = std::make_unique<pb::dhcp::Responder>(*settings, leases);
  }
  std::shared_ptr<const pb::dhcp::Settings> settings;
  pb::dhcp::LeaseTable leases;
  std::unique_ptr<pb::dhcp::Responder> responder;
  pb::dhcp::Outcome out;
  std::int64_t now = 1'800'000'000;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World w;
  auto r = pb::dhcp::parse({data, size});
  if (!r.ok()) return 0;
  w.now += 7;
  w.responder->handle(r.value(), pb::dhcp::Context{w.now, -18000}, w.out);
  if (w.out.reply) {
    std::uint8_t buf[1500];
    if (pb::dhcp::encode(*w.out.reply, buf) == 0) std::abort();
  }
  if (w.leases.size() > 100000) std::abort();
  return 0;
}
