#pragma once
// The typed, immutable site model: site.toml plus the optional per-service files, validated as one set.
#include <memory>
#include <string>
#include <vector>

#include "common/config/dhcpd.hpp"
#include "common/config/diagnostics.hpp"
#include "common/config/dnsd.hpp"
#include "common/config/provisiond.hpp"
#include "common/config/site.hpp"
#include "common/config/sntpd.hpp"

namespace pb::config {

struct Model {
  std::string directory;  // the configuration folder, for relative paths (inventory, zone files, templates)
  SiteSection site;
  DhcpdSection dhcpd;
  DnsdSection dnsd;
  SntpdSection sntpd;
  ProvisiondSection provisiond;
  Positions positions;  // where each key was written, for checks and for services' own late errors

  // Equal when the configuration is; where it was written does not matter.
  bool operator==(const Model& o) const {
    return site == o.site && dhcpd == o.dhcpd && dnsd == o.dnsd && sntpd == o.sntpd && provisiond == o.provisiond;
  }
};

template <class V>
void describe(V& v, Model& m) {
  v.field("site", m.site, Key{.doc = "the site: stated once, every service derives from it", .required = true});
  v.field("dhcpd", m.dhcpd, Key{.doc = "phoneboot-dhcpd (or dhcpd.toml)"});
  v.field("dnsd", m.dnsd, Key{.doc = "phoneboot-dnsd (or dnsd.toml)"});
  v.field("sntpd", m.sntpd, Key{.doc = "phoneboot-sntpd (or sntpd.toml)"});
  v.field("provisiond", m.provisiond, Key{.doc = "phoneboot-provisiond (or provisiond.toml)"});
}

// The service files that may sit beside site.toml, each holding the keys of its section at top level.
inline constexpr const char* kServiceNames[] = {"dhcpd", "dnsd", "sntpd", "provisiond"};

struct LoadResult {
  std::shared_ptr<const Model> model;  // null when any error was found
  Diagnostics diagnostics;             // errors and warnings, in file order
};

// Loads `directory`/site.toml and the service files beside it; never throws for bad input.
LoadResult load(const std::string& directory);
// Loads one TOML document given as text, as if it were `directory`/site.toml (tests, fuzzing).
LoadResult load_text(const std::string& text, const std::string& directory = ".");

// The effective configuration (defaults filled in) as one TOML document that loads back to the same model.
std::string print(const Model& model);
// Every key with its type, default and doc, for `phoneboot keys`.
std::string reference();
// One line per service for `phoneboot check`.
std::vector<std::string> summaries(const Model& model);

}  // namespace pb::config
