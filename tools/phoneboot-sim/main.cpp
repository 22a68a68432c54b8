// phoneboot-sim: boots simulated phones of a real family against a site, the way the vendors document it,
// and prints a timeline and a diagnosis; with --count, a boot storm and its time-to-provisioned percentiles.
// It sends DHCP broadcasts on the interface it is given: run it on a lab or voice VLAN interface.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "common/config/dhcpd.hpp"
#include "tools/phoneboot-sim/boot.hpp"

namespace {

using pb::sim::BootReport;

void print_timeline(const BootReport& r) {
  for (const auto& s : r.steps)
    std::printf("  %9.1f ms  %-4s %s\n", s.at_ms, s.ok ? "ok" : s.needed ? "FAIL" : "warn", s.text.c_str());
  if (r.provisioned)
    std::printf("%s: provisioned in %.1f ms\n", r.mac.c_str(), r.provisioned_ms);
  else
    std::printf("%s: NOT provisioned: %s\n", r.mac.c_str(), r.diagnosis.c_str());
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto at = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(at, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"phoneboot-sim: boot simulated IP phones against a site and say what happened"};
  std::string interface, family_name = "polycom", mac_text;
  int count = 1, timeout_ms = 10000;
  bool keep = false, list = false, verbose = false;
  app.add_option("-i,--interface", interface, "the interface on the voice VLAN (a lab veth)");
  app.add_option("-f,--family", family_name, "phone family (--list shows them)");
  app.add_option("--mac", mac_text, "the (first) phone's MAC; default: the family's OUI, random");
  app.add_option("-n,--count", count, "phones booting at once (a boot storm)")->check(CLI::Range(1, 1000));
  app.add_option("--timeout-ms", timeout_ms, "DHCP deadline; each later request gets a quarter")
      ->check(CLI::Range(500, 120000));
  app.add_flag("--keep-address", keep, "leave the leased addresses on the interface");
  app.add_flag("-v,--verbose", verbose, "with --count: every phone's timeline too");
  app.add_flag("--list", list, "list the phone families");
  CLI11_PARSE(app, argc, argv);

  if (list) {
    for (const auto& f : pb::sim::families()) std::printf("%-18s %s\n", f.name.c_str(), f.description.c_str());
    return 0;
  }
  const auto* family = pb::sim::find_family(family_name);
  if (family == nullptr) {
    std::fprintf(stderr, "phoneboot-sim: no family '%s' (see --list)\n", family_name.c_str());
    return 64;
  }
  if (interface.empty()) {
    std::fprintf(stderr, "phoneboot-sim: --interface is required\n");
    return 64;
  }
  std::array<std::uint8_t, 6> mac{};
  if (!mac_text.empty()) {
    const auto bytes = pb::config::parse_hex_bytes(mac_text);
    if (!bytes || bytes->size() != 6) {
      std::fprintf(stderr, "phoneboot-sim: '%s' is not a MAC address\n", mac_text.c_str());
      return 64;
    }
    std::copy(bytes->begin(), bytes->end(), mac.begin());
  } else {
    // Polycom's own OUI (the built-in polycom-mac class matches it); a locally administered one otherwise.
    const std::uint32_t r = std::random_device{}();
    mac = family->sequence == pb::sim::Sequence::polycom ? std::array<std::uint8_t, 6>{0x00, 0x04, 0xf2, 0, 0, 0}
                                                         : std::array<std::uint8_t, 6>{0x02, 0x50, 0x42, 0, 0, 0};
    mac[3] = static_cast<std::uint8_t>(r >> 16);
    mac[4] = static_cast<std::uint8_t>(r >> 8);
    mac[5] = static_cast<std::uint8_t>(r & 0xF0);  // room for a storm's phones after it
  }
  pb::sim::BootOptions options{interface, timeout_ms, keep};

  std::printf("phoneboot-sim: %d x %s (%s) on %s\n", count, family->name.c_str(), family->description.c_str(),
              interface.c_str());
  std::vector<BootReport> reports(static_cast<std::size_t>(count));
  std::vector<std::thread> phones;
  for (int i = 0; i < count; ++i) {
    auto m = mac;
    const std::uint32_t tail =
        ((std::uint32_t{m[3]} << 16) | (std::uint32_t{m[4]} << 8) | m[5]) + static_cast<unsigned>(i);
    m[3] = static_cast<std::uint8_t>(tail >> 16);
    m[4] = static_cast<std::uint8_t>(tail >> 8);
    m[5] = static_cast<std::uint8_t>(tail);
    phones.emplace_back([&, i, m] { reports[static_cast<std::size_t>(i)] = pb::sim::boot_phone(*family, m, options); });
  }
  for (auto& t : phones) t.join();

  if (count == 1) {
    print_timeline(reports[0]);
    return reports[0].provisioned ? 0 : 1;
  }
  std::vector<double> times;
  std::map<std::string, int> failures;
  for (const auto& r : reports) {
    if (verbose) print_timeline(r);
    if (r.provisioned)
      times.push_back(r.provisioned_ms);
    else
      ++failures[r.diagnosis];
  }
  std::printf("provisioned %zu/%d", times.size(), count);
  if (!times.empty())
    std::printf("; time to provisioned p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(times, 50),
                percentile(times, 90), percentile(times, 99), percentile(times, 100));
  std::printf("\n");
  for (const auto& [why, n] : failures) std::printf("  %d x NOT provisioned: %s\n", n, why.c_str());
  return failures.empty() ? 0 : 1;
}
