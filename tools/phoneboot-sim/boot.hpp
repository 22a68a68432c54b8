#pragma once
// One phone's boot, as its family documents it (seeds/001 "Boot and Provision Sequences", seeds/003 Cisco,
// seeds/004 Avaya): DHCP with the family's vendor class, the leased address set on the interface, SNTP if
// offered, the provisioning server found where the family looks for it (160 then 66 for Polycom, 160 for
// SIP Station and AudioCodes, 150 for Cisco, 242 for Avaya, 66 for Yealink), its name resolved, the
// family's files fetched in order, and the SRV records of the switchover pair looked up. Every step is
// timed; the first failed step the phone cannot boot without is the diagnosis.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pb::sim {

enum class Sequence { polycom, sip_station, cisco, avaya, yealink };

struct Family {
  std::string name;  // what --family takes
  std::string description;
  std::vector<std::uint8_t> vendor_class;  // option 60
  std::vector<std::uint8_t> parameters;    // option 55
  Sequence sequence;
  std::string model;  // Polycom's part number (bootrom.ld / sip.ld names), or the model shown
};

const std::vector<Family>& families();
const Family* find_family(const std::string& name);

struct Step {
  double at_ms = 0;  // since power-on (the first DISCOVER)
  bool ok = false;
  bool needed = false;  // the phone cannot boot without it (a failed optional step is only shown)
  std::string text;
};

struct BootReport {
  std::string mac;  // "00:04:f2:00:00:01"
  std::vector<Step> steps;
  bool provisioned = false;
  double provisioned_ms = 0;  // when the last needed step finished
  std::string diagnosis;      // empty when provisioned
  // The leased address, held on the interface as long as the report lives: in a storm every phone keeps
  // its address until all are done (removing the first address of a subnet takes the later ones with it,
  // which would pull the address from under a phone still booting).
  std::shared_ptr<void> address;
};

struct BootOptions {
  std::string interface;
  int timeout_ms = 10000;  // DHCP as a whole; each later request gets timeout_ms / 4 (at least 1 s)
  bool keep_address = false;
};

BootReport boot_phone(const Family& family, const std::array<std::uint8_t, 6>& mac, const BootOptions& options);

}  // namespace pb::sim
