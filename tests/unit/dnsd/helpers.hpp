#pragma once
// Shared by the dnsd unit tests: a model from TOML text, zones and tables from it, a query answered.
#include <gtest/gtest.h>

#include <string>

#include "common/config/model.hpp"
#include "dnsd/engine.hpp"
#include "dnsd/message.hpp"
#include "dnsd/site_zone.hpp"

namespace pb::dns::test {

inline const char* kSite = R"([site]
domain    = "lab.voip"
address   = "10.250.0.2/24"
interface = "eth0"
user      = "root"

[[site.call_server]]
name    = "vm40ic1"
address = "10.250.1.151"

[[site.call_server]]
name    = "vm40ic2"
address = "10.250.1.152"
)";

inline std::shared_ptr<const config::Model> model(const std::string& extra = "", const std::string& dir = ".") {
  auto r = config::load_text(std::string(kSite) + extra, dir);
  EXPECT_TRUE(r.model) << r.diagnostics.str();
  return r.model;
}

inline ZoneSet zones(const config::Model& m) {
  auto b = build_zones(m, 2026112101);
  for (const auto& e : b.errors) ADD_FAILURE() << e;
  return std::move(b.zones);
}

struct Asker {
  std::shared_ptr<const Tables> tables;
  Answer last;

  Message ask(const std::string& name, std::uint16_t t, std::uint16_t edns = 0, bool tcp = false) {
    return ask_bytes(make_query(name, t, 0x1234, edns), tcp);
  }
  Message ask_bytes(const std::vector<std::uint8_t>& q, bool tcp = false) {
    std::vector<std::uint8_t> out(65535);
    last = answer(*tables, q, out, Transport{.tcp = tcp});
    EXPECT_EQ(last.outcome, Outcome::reply);
    out.resize(last.size);
    auto m = parse_message(out);
    EXPECT_TRUE(m.has_value());
    return m.value_or(Message{});
  }
};

inline Asker asker(const std::string& extra = "", CompileOptions o = {}) {
  auto m = model(extra);
  return Asker{compile(zones(*m), o)};
}

inline std::vector<std::string> datas(const std::vector<ParsedRecord>& rrs) {
  std::vector<std::string> out;
  for (const auto& r : rrs) out.push_back(r.name + " " + type_name(r.type) + " " + r.data);
  return out;
}

}  // namespace pb::dns::test
